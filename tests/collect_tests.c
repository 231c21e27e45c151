/* The collect loop and one reading's record (collect.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* collect_watch() over a pipe: each byte an event asking for a repair. */
static struct {
	int fd[2], events, repairs, ticks, consume;
	int64_t first_ms, repair_ms;
} wt;

static int watch_ready(void *arg, int i)
{
	char c;

	(void)arg;
	ck_assert_int_eq(i, 0);
	if (wt.consume)
		ck_assert_int_eq(read(wt.fd[0], &c, 1), 1);
	if (!wt.events++)
		wt.first_ms = collect_mono_ms();
	return 1;
}

static int watch_tick(void *arg)
{
	(void)arg;
	wt.ticks++;
	return 0;
}

static void watch_repair(void *arg)
{
	(void)arg;
	wt.repairs++;
	wt.repair_ms = collect_mono_ms();
	raise(SIGTERM);
}

static void watch_run(int consume)
{
	struct collect_watch w = { { -1, -1 }, watch_ready, watch_tick, 10, watch_repair, 20, NULL, NULL };

	memset(&wt, 0, sizeof(wt));
	wt.consume = consume;
	ck_assert_int_eq(pipe(wt.fd), 0);
	ck_assert_int_eq(write(wt.fd[1], "12345", 5), 5);
	w.fd[0] = wt.fd[0];
	snaps = 0;
	fail_from = 0;
	stop_at = 0;
	ck_assert_int_eq(collect_watch(3600, snap, &w, NULL), 0);
	close(wt.fd[0]);
	close(wt.fd[1]);
}

START_TEST(a_burst_of_events_is_one_repair_after_they_stop)
{
	watch_run(1);
	ck_assert_int_eq(wt.events, 5);
	ck_assert_int_eq(wt.repairs, 1);
	/* The first snapshot, and the last after the stop the repair raised. */
	ck_assert_int_eq(snaps, 2);
	ck_assert_int_ge(wt.repair_ms - wt.first_ms, 20);
	ck_assert_int_lt(wt.repair_ms - wt.first_ms, COLLECT_DEBOUNCE_MAX_MS);
}
END_TEST

START_TEST(events_that_never_stop_are_repaired_at_the_debounce_limit)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	watch_run(0); /* the pipe stays readable: an endless burst */
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_eq(wt.repairs, 1);
	ck_assert_int_ge(wt.repair_ms - wt.first_ms, COLLECT_DEBOUNCE_MAX_MS);
	ck_assert_int_lt(wt.repair_ms - wt.first_ms, COLLECT_DEBOUNCE_MAX_MS + 200);
	/* The ticks went on meanwhile, at their own pace. */
	ck_assert_int_ge(wt.ticks, 5);
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 2);
}
END_TEST

static int broken_calls, broken_ticks;

static int broken_ready(void *arg, int i)
{
	(void)arg;
	(void)i;
	broken_calls++;
	return -1;
}

static int stop_after_ticks(void *arg)
{
	(void)arg;
	if (++broken_ticks == 5)
		raise(SIGTERM);
	return 0;
}

START_TEST(a_broken_descriptor_is_no_longer_polled)
{
	struct collect_watch w = { { -1, -1 }, broken_ready, stop_after_ticks, 10, watch_repair, 20, NULL, NULL };
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(write(fd[1], "x", 1), 1); /* readable for ever */
	w.fd[1] = fd[0];
	broken_calls = broken_ticks = 0;
	snaps = fail_from = stop_at = 0;
	ck_assert_int_eq(collect_watch(3600, snap, &w, NULL), 0);
	ck_assert_int_eq(broken_calls, 1);
	ck_assert_int_eq(broken_ticks, 5);
	close(fd[0]);
	close(fd[1]);
}
END_TEST

static int64_t tick_at[8];
static int n_tick_at;

static int stop_after_timed_ticks(void *arg)
{
	(void)arg;
	tick_at[n_tick_at] = collect_mono_ms();
	if (++n_tick_at == 4)
		raise(SIGTERM);
	return 0;
}

/* 10 ms, then 20, 40, 80: a cadence that follows the tick's cost. */
static unsigned doubling_wait(void *arg)
{
	(void)arg;
	return 10u << n_tick_at;
}

START_TEST(the_wait_after_a_tick_is_what_tick_next_asks)
{
	struct collect_watch w = { { -1, -1 }, broken_ready, stop_after_timed_ticks, 10, watch_repair,
				   20, NULL, doubling_wait };

	n_tick_at = 0;
	snaps = fail_from = stop_at = 0;
	ck_assert_int_eq(collect_watch(3600, snap, &w, NULL), 0);
	ck_assert_int_eq(n_tick_at, 4);
	/* Each wait at least the one asked (20, 40, 80 ms), and not the
	 * fixed tick_ms. */
	for (int i = 1; i < 4; i++)
		ck_assert_int_ge(tick_at[i] - tick_at[i - 1], 10 << i);
	ck_assert_int_ge(tick_at[3] - tick_at[0], 140);
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
	tcase_add_test(tc, a_burst_of_events_is_one_repair_after_they_stop);
	tcase_add_test(tc, events_that_never_stop_are_repaired_at_the_debounce_limit);
	tcase_add_test(tc, a_broken_descriptor_is_no_longer_polled);
	tcase_add_test(tc, the_wait_after_a_tick_is_what_tick_next_asks);
	tcase_add_test(tc, a_failing_snapshot_is_said_at_once_then_once_a_minute_and_its_end_is_said);
	tcase_add_test(tc, a_second_collector_on_one_store_is_refused_until_the_first_closes);
	suite_add_tcase(s, tc);
}
