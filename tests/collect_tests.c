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

START_TEST(a_failing_snapshot_is_said_at_once_then_once_a_minute_and_its_end_is_said)
{
	struct collect_say cs = { 0, 0, 0, 0 };
	char buf[512];
	const char *m;

	ck_assert_ptr_null(collect_say(&cs, 0, "", 1000, buf, sizeof(buf)));
	m = collect_say(&cs, -1, "db: database or disk is full", 2000, buf, sizeof(buf));
	ck_assert_str_eq(m, "db: database or disk is full");
	/* Every second for the next 59 s: quiet. */
	for (int64_t t = 3000; t < 62000; t += 1000)
		ck_assert_ptr_null(collect_say(&cs, -1, "db: database or disk is full", t, buf, sizeof(buf)));
	m = collect_say(&cs, -1, "db: database or disk is full", 62000, buf, sizeof(buf));
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m, "db: database or disk is full (still failing: 61 snapshots in 60 s; said "
			 "once a minute; the kernel's counters keep the interval)");
	ck_assert_ptr_null(collect_say(&cs, -1, "db: database or disk is full", 63000, buf, sizeof(buf)));
	m = collect_say(&cs, 0, "", 64000, buf, sizeof(buf));
	ck_assert_str_eq(m, "recorded again after 62 failed snapshots (62 s); the kernel's counters "
			 "kept counting, nothing was lost");
	/* Back to normal: successes are quiet, a new failure is said at once. */
	ck_assert_ptr_null(collect_say(&cs, 0, "", 65000, buf, sizeof(buf)));
	ck_assert_ptr_nonnull(collect_say(&cs, -1, "again", 66000, buf, sizeof(buf)));
	m = collect_say(&cs, 0, "", 67000, buf, sizeof(buf));
	ck_assert_str_eq(m, "recorded again after 1 failed snapshot (1 s); the kernel's counters "
			 "kept counting, nothing was lost");
}
END_TEST

START_TEST(a_second_collector_on_one_store_is_refused_until_the_first_closes)
{
	char dir[] = "/tmp/ctv-collect-claim.XXXXXX", db[64], cmd[128];
	struct ctv_err err = { "" };
	struct store *a, *b;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/c.db", dir);
	a = store_open(db, STORE_WRITE, &err);
	ck_assert_msg(a != NULL, "%s", err.msg);
	ck_assert_ptr_eq(collect_claim(a, 0, &err), a);
	b = store_open(db, STORE_WRITE, &err);
	ck_assert_msg(b != NULL, "%s", err.msg);
	/* A snapshot may open it beside the collector; a second collector not. */
	errno = 0;
	ck_assert_ptr_null(collect_claim(b, 0, &err));
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_msg(strstr(err.msg, db) && strstr(err.msg, "another collector"), "%s", err.msg);
	store_close(a);
	b = store_open(db, STORE_WRITE, &err);
	ck_assert_msg(b != NULL, "%s", err.msg);
	ck_assert_ptr_eq(collect_claim(b, 3, &err), b);
	store_close(b);
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
	tcase_add_test(tc, a_failing_snapshot_is_said_at_once_then_once_a_minute_and_its_end_is_said);
	tcase_add_test(tc, a_second_collector_on_one_store_is_refused_until_the_first_closes);
	suite_add_tcase(s, tc);
}
