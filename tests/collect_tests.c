/* The collect loop and one reading's record (collect.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "store.h"
#include "unit_tests.h"

static int snaps, fail_from, stop_at;

/* Fails from snapshot fail_from on; raises SIGTERM during snapshot stop_at. */
static int snap(void *arg)
{
	(void)arg;
	snaps++;
	if (snaps == stop_at)
		raise(SIGTERM);
	return fail_from && snaps >= fail_from ? -1 : 0;
}

START_TEST(a_stop_signal_ends_the_loop_after_the_snapshot_in_progress)
{
	struct timespec a, b;

	snaps = 0;
	fail_from = 0;
	stop_at = 2;
	clock_gettime(CLOCK_REALTIME, &a);
	ck_assert_int_eq(collect_run(1, snap, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &b);
	/* One at start, one at the next whole second; the signal stops it. */
	ck_assert_int_eq(snaps, 2);
	ck_assert_int_eq(collect_stop_requested(), SIGTERM);
	ck_assert_int_le(b.tv_sec - a.tv_sec, 2);
}
END_TEST

START_TEST(a_stop_before_the_loop_still_takes_the_first_snapshot)
{
	snaps = 0;
	fail_from = 0;
	stop_at = 0;
	collect_catch_stop();
	raise(SIGINT); /* caught: a flag, not the end of the process */
	ck_assert_int_eq(collect_run(3600, snap, NULL), 0);
	ck_assert_int_eq(snaps, 1);
	ck_assert_int_eq(collect_stop_requested(), SIGINT);
}
END_TEST

START_TEST(the_result_is_the_last_snapshot_s)
{
	snaps = 0;
	fail_from = 2;
	stop_at = 3;
	ck_assert_int_eq(collect_run(1, snap, NULL), -1);
	ck_assert_int_eq(snaps, 3);
}
END_TEST

/* ---- collect_record -------------------------------------------------- */

static int reads, dones;
static int64_t monos[4];
static int nmono;
static struct store_sample sample = { "http", 0, { 100, 1, 200, 2 } };

static int rd_read(void *arg, struct store_reading *r, struct ctv_err *err)
{
	(void)arg;
	(void)err;
	reads++;
	r->samples = &sample;
	r->n_samples = 1;
	return 0;
}

static void rd_done(void *arg)
{
	(void)arg;
	dones++;
}

static int rd_now(struct store_reading *r, struct ctv_err *err)
{
	(void)err;
	r->mono_ms = monos[nmono < 4 ? nmono : 3];
	r->wall_ms = 1700000000000LL + r->mono_ms;
	nmono++;
	snprintf(r->boot_id, sizeof(r->boot_id), "b1");
	return 0;
}

START_TEST(a_stale_reading_is_read_again_three_times_at_most)
{
	char dir[] = "/tmp/ctv-collect-test.XXXXXX", db[64], cmd[80];
	struct collect_reader rd = { rd_read, rd_done, rd_now, NULL };
	struct ctv_err err = { "" };
	struct store_result res;
	struct store *st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/c.db", dir);
	st = store_open(db, STORE_WRITE, &err);
	ck_assert_ptr_nonnull(st);
	monos[0] = 100000; /* the baseline */
	monos[1] = monos[2] = monos[3] = 50000; /* older, again and again */
	reads = dones = nmono = 0;
	ck_assert_int_eq(collect_record(st, &rd, &res, &err), 0);
	ck_assert_int_eq(collect_record(st, &rd, &res, &err), -1);
	ck_assert_int_eq(errno, ESTALE);
	ck_assert_int_eq(reads, 4);
	ck_assert_int_eq(dones, 4); /* every read's buffers handed back */
	/* Newer: recorded at the first try. */
	monos[3] = 160000;
	nmono = 3;
	ck_assert_int_eq(collect_record(st, &rd, &res, &err), 0);
	ck_assert_int_eq(res.span.end_ms - res.span.start_ms, 60000);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

void add_collect_tests(Suite *s)
{
	TCase *tc = tcase_create("collect");

	tcase_add_test(tc, a_stop_signal_ends_the_loop_after_the_snapshot_in_progress);
	tcase_add_test(tc, a_stop_before_the_loop_still_takes_the_first_snapshot);
	tcase_add_test(tc, the_result_is_the_last_snapshot_s);
	tcase_add_test(tc, a_stale_reading_is_read_again_three_times_at_most);
	suite_add_tcase(s, tc);
}
