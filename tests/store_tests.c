#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "timearg.h"
#include "unit_tests.h"

static char dir[64];
static char db[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ctv-store-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/ctverify.db", dir);
	set_tz("UTC");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static time_t at(const char *s)
{
	time_t t;

	ck_assert_msg(timearg_parse(s, &t, NULL) == 0, "bad test time %s", s);
	return t;
}

static struct store *wopen(void)
{
	struct ctv_err err = { "" };
	struct store *st = store_open(db, STORE_WRITE, &err);

	ck_assert_msg(st != NULL, "store_open: %s", err.msg);
	return st;
}

/* A reading at wall time wall (s) and boot time mono (s) of boot "b1"
 * with up to 4 services; counters c[i] in bytes, packets = bytes / 100,
 * out = 2 * in. */
struct fake {
	struct store_reading r;
	struct store_sample s[4];
};

static const char *const names[] = { "local", "http", "mail", "other" };

static struct store_reading *fake(struct fake *f, int64_t wall, int64_t mono, const char *boot,
				  size_t n, const uint64_t *c)
{
	memset(f, 0, sizeof(*f));
	f->r.wall_ms = wall * 1000;
	f->r.mono_ms = mono * 1000;
	snprintf(f->r.boot_id, sizeof(f->r.boot_id), "%s", boot);
	for (size_t i = 0; i < n; i++) {
		f->s[i].key = names[i];
		f->s[i].c.in_bytes = c[i];
		f->s[i].c.in_packets = c[i] / 100;
		f->s[i].c.out_bytes = 2 * c[i];
		f->s[i].c.out_packets = c[i] / 50;
	}
	f->r.samples = f->s;
	f->r.n_samples = n;
	return &f->r;
}

static void rec(struct store *st, struct store_reading *r, struct store_result *res)
{
	struct ctv_err err = { "" };
	struct store_result dummy;

	ck_assert_msg(store_record(st, r, res ? res : &dummy, &err) == 0, "store_record: %s", err.msg);
}

/* Total in_bytes of key over everything. */
static uint64_t total_in(struct store *st, const char *key)
{
	struct store_query q;
	struct store_rows rows;
	struct ctv_err err = { "" };
	uint64_t sum = 0;

	store_query_init(&q);
	q.by = PERIOD_TOTAL;
	q.key = key;
	ck_assert_msg(store_report(st, &q, &rows, &err) == 0, "store_report: %s", err.msg);
	for (size_t i = 0; i < rows.n; i++)
		sum += rows.v[i].c.in_bytes;
	store_rows_free(&rows);
	return sum;
}

static size_t count_events(struct store *st, const char *kind)
{
	struct store_events ev;
	struct ctv_err err = { "" };
	size_t n = 0;

	ck_assert_msg(store_events(st, 0, INT64_MAX, NULL, &ev, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < ev.n; i++)
		n += !strcmp(ev.v[i].kind, kind);
	store_events_free(&ev);
	return n;
}

START_TEST(the_delta_rule_resets_each_direction_on_its_own)
{
	struct store_counts prev = { 1000, 10, 5000, 50 }, now, d;

	now = (struct store_counts){ 1500, 15, 5100, 51 };
	ck_assert_uint_eq(store_delta(&prev, &now, &d), 0);
	ck_assert_uint_eq(d.in_bytes, 500);
	ck_assert_uint_eq(d.out_packets, 1);

	now = (struct store_counts){ 300, 3, 5100, 51 };
	ck_assert_uint_eq(store_delta(&prev, &now, &d), STORE_RESET_IN);
	ck_assert_uint_eq(d.in_bytes, 300);
	ck_assert_uint_eq(d.in_packets, 3);
	ck_assert_uint_eq(d.out_bytes, 100);

	/* Packets back while bytes grew is still a reset. */
	now = (struct store_counts){ 1200, 10, 6000, 2 };
	ck_assert_uint_eq(store_delta(&prev, &now, &d), STORE_RESET_OUT);
	ck_assert_uint_eq(d.out_bytes, 6000);
	ck_assert_uint_eq(d.in_bytes, 200);

	now = (struct store_counts){ 0, 0, 0, 0 };
	ck_assert_uint_eq(store_delta(&prev, &now, &d), STORE_RESET_IN | STORE_RESET_OUT);
	ck_assert_uint_eq(d.in_bytes + d.out_bytes, 0);
}
END_TEST

START_TEST(the_first_reading_is_a_baseline_and_later_ones_store_the_growth)
{
	struct store *st = wopen();
	struct store_result res;
	struct fake f;
	uint64_t c0[] = { 100, 1000, 7, 0 }, c1[] = { 150, 4000, 7, 10 }, c2[] = { 160, 4500, 9, 10 };
	struct store_query q;
	struct store_rows rows;
	struct ctv_err err;

	rec(st, fake(&f, 1000000, 100, "b1", 4, c0), &res);
	ck_assert_int_eq(res.baseline, 1);
	ck_assert_uint_eq(total_in(st, "http"), 0);
	rec(st, fake(&f, 1000060, 160, "b1", 4, c1), &res);
	ck_assert_int_eq(res.baseline, 0);
	ck_assert_int_eq(res.span.elapsed_ms, 60000);
	rec(st, fake(&f, 1000120, 220, "b1", 4, c2), NULL);
	ck_assert_uint_eq(total_in(st, "local"), 60);
	ck_assert_uint_eq(total_in(st, "http"), 3500);
	ck_assert_uint_eq(total_in(st, "mail"), 2);
	ck_assert_uint_eq(total_in(st, "other"), 10);

	/* Rows come in the order the series were first seen, directions and
	 * packets alongside. */
	store_query_init(&q);
	q.by = PERIOD_TOTAL;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 4);
	ck_assert_str_eq(rows.v[0].key, "local");
	ck_assert_str_eq(rows.v[1].key, "http");
	ck_assert_str_eq(rows.v[3].key, "other");
	ck_assert_uint_eq(rows.v[1].c.out_bytes, 7000);
	ck_assert_uint_eq(rows.v[1].c.in_packets, 45 - 10);
	ck_assert_uint_eq(rows.v[1].c.out_packets, 90 - 20);
	store_rows_free(&rows);
	ck_assert_uint_eq(count_events(st, "reset"), 0);
	store_close(st);
}
END_TEST

START_TEST(a_counter_that_went_back_counts_from_zero_and_records_the_unobserved_window)
{
	struct store *st = wopen();
	struct store_result res;
	struct store_events ev;
	struct ctv_err err;
	struct fake f;
	uint64_t c0[] = { 0, 1000 }, c1[] = { 0, 5000 }, c2[] = { 0, 700 }, c3[] = { 0, 900 };

	rec(st, fake(&f, 2000000, 10, "b1", 2, c0), NULL);
	rec(st, fake(&f, 2000060, 70, "b1", 2, c1), NULL);
	rec(st, fake(&f, 2000120, 130, "b1", 2, c2), &res);
	ck_assert_uint_eq(res.resets, 1);
	rec(st, fake(&f, 2000180, 190, "b1", 2, c3), NULL);
	/* 4000 before the reset, 700 counted from zero, 200 after. */
	ck_assert_uint_eq(total_in(st, "http"), 4000 + 700 + 200);
	ck_assert_int_eq(store_events(st, 0, INT64_MAX, "http", &ev, &err), 0);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_str_eq(ev.v[0].kind, "reset");
	ck_assert_str_eq(ev.v[0].key, "http");
	ck_assert_int_eq(ev.v[0].from_ms, 2000060000LL);
	ck_assert_int_eq(ev.v[0].to_ms, 2000120000LL);
	ck_assert_ptr_nonnull(strstr(ev.v[0].detail, "5000 -> 700"));
	store_events_free(&ev);
	store_close(st);
}
END_TEST

START_TEST(a_series_first_seen_after_the_baseline_counts_from_zero)
{
	struct store *st = wopen();
	struct fake f;
	uint64_t c0[] = { 10, 20 }, c1[] = { 10, 20, 300 };

	rec(st, fake(&f, 3000000, 10, "b1", 2, c0), NULL);
	rec(st, fake(&f, 3000060, 70, "b1", 3, c1), NULL);
	ck_assert_uint_eq(total_in(st, "mail"), 300);
	ck_assert_uint_eq(count_events(st, "reset"), 0);
	store_close(st);
}
END_TEST

START_TEST(a_reading_older_than_the_last_one_is_refused_as_stale)
{
	struct store *st = wopen();
	struct ctv_err err;
	struct fake f;
	uint64_t c0[] = { 10 }, c1[] = { 20 }, c2[] = { 15 };

	rec(st, fake(&f, 3000000, 10, "b1", 1, c0), NULL);
	rec(st, fake(&f, 3000060, 70, "b1", 1, c1), NULL);
	errno = 0;
	ck_assert_int_eq(store_record(st, fake(&f, 3000030, 40, "b1", 1, c2), NULL, &err), -1);
	ck_assert_int_eq(errno, ESTALE);
	ck_assert_uint_eq(total_in(st, "local"), 10);
	ck_assert_uint_eq(count_events(st, "reset"), 0);
	store_close(st);
}
END_TEST

static struct store_clock clock_at(int64_t wall, int64_t mono, int64_t timeline)
{
	struct store_clock c = { 1, wall * 1000, mono * 1000, timeline * 1000, "b1" };

	return c;
}

START_TEST(the_clock_rule_never_goes_back_and_keeps_elapsed_time)
{
	struct store_clock prev = clock_at(5000, 100, 5000);
	struct store_span sp;
	struct fake f;

	/* Ordinary minute, a little drift absorbed. */
	store_timeline(&prev, fake(&f, 5061, 160, "b1", 0, NULL), &sp);
	ck_assert_int_eq(sp.start_ms, 5000000);
	ck_assert_int_eq(sp.end_ms, 5061000);
	ck_assert_int_eq(sp.elapsed_ms, 60000);
	ck_assert_int_eq(sp.step_ms, 0);

	/* Stepped back an hour: held at the timeline, nothing negative. */
	store_timeline(&prev, fake(&f, 5060 - 3600, 160, "b1", 0, NULL), &sp);
	ck_assert_int_eq(sp.step_ms, -3600000);
	ck_assert_int_eq(sp.start_ms, 5000000);
	ck_assert_int_eq(sp.end_ms, 5000000);
	ck_assert_int_eq(sp.elapsed_ms, 60000);

	/* Stepped forward a day: the interval keeps its true length, ending
	 * now, and leaves a gap. */
	store_timeline(&prev, fake(&f, 5060 + 86400, 160, "b1", 0, NULL), &sp);
	ck_assert_int_eq(sp.step_ms, 86400000);
	ck_assert_int_eq(sp.end_ms, (5060 + 86400) * 1000LL);
	ck_assert_int_eq(sp.end_ms - sp.start_ms, 60000);

	/* Another boot: only the wall clock, elapsed unknown. */
	store_timeline(&prev, fake(&f, 5300, 20, "b2", 0, NULL), &sp);
	ck_assert_int_eq(sp.new_boot, 1);
	ck_assert_int_eq(sp.elapsed_ms, -1);
	ck_assert_int_eq(sp.start_ms, 5000000);
	ck_assert_int_eq(sp.end_ms, 5300000);
}
END_TEST

START_TEST(a_stepped_clock_gives_no_negative_or_overlapping_intervals_and_loses_nothing)
{
	struct store *st = wopen();
	struct store_intervals iv;
	struct ctv_err err;
	struct fake f;
	int64_t wall = at("2024-03-10 10:00"), mono = 1000;
	uint64_t c = 0, sum = 0;

	rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	for (int i = 1; i <= 30; i++) {
		mono += 60;
		wall += 60;
		if (i == 10)
			wall -= 7200; /* stepped back two hours */
		if (i == 20)
			wall += 3 * 86400; /* and forward three days */
		c += 1000;
		rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	}
	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, NULL, -1, &iv, &err), 0);
	ck_assert_uint_eq(iv.n, 30);
	for (size_t i = 0; i < iv.n; i++) {
		ck_assert_int_ge(iv.v[i].end_ms, iv.v[i].start_ms);
		ck_assert_int_eq(iv.v[i].elapsed_ms, 60000);
		if (i)
			ck_assert_int_ge(iv.v[i].start_ms, iv.v[i - 1].end_ms);
		sum += iv.v[i].c.in_bytes;
	}
	store_intervals_free(&iv);
	ck_assert_uint_eq(sum, 30000);
	ck_assert_uint_eq(total_in(st, "local"), 30000);
	ck_assert_uint_eq(count_events(st, "clock_step"), 2);
	store_close(st);
}
END_TEST

START_TEST(a_reboot_is_an_event_and_its_reset_counters_count_from_zero)
{
	struct store *st = wopen();
	struct fake f;
	uint64_t c0[] = { 5000 }, c1[] = { 9000 }, c2[] = { 300 };

	rec(st, fake(&f, 4000000, 500, "b1", 1, c0), NULL);
	rec(st, fake(&f, 4000060, 560, "b1", 1, c1), NULL);
	rec(st, fake(&f, 4000300, 30, "b2", 1, c2), NULL);
	ck_assert_uint_eq(total_in(st, "local"), 4000 + 300);
	ck_assert_uint_eq(count_events(st, "reboot"), 1);
	ck_assert_uint_eq(count_events(st, "reset"), 1);
	store_close(st);
}
END_TEST

START_TEST(minutes_roll_up_into_local_hours_and_old_minutes_are_pruned_by_whole_hours)
{
	struct store *st;
	struct store_intervals iv;
	struct store_query q;
	struct store_rows rows;
	struct ctv_err err;
	struct fake f;
	int64_t wall, mono = 100;
	uint64_t c = 0, sum = 0;
	size_t hourly = 0;

	set_tz("Asia/Kolkata"); /* local hours start at :30 UTC */
	st = wopen();
	store_set_minute_keep(st, 3600000);
	wall = at("2024-05-01 22:00");
	rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	/* Five hours of minutes, 1000 bytes each, 2000 from midnight on. */
	for (int i = 0; i < 300; i++) {
		wall += 60;
		mono += 60;
		c += wall > at("2024-05-02") ? 2000 : 1000;
		rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	}
	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, "local", -1, &iv, &err), 0);
	for (size_t i = 0; i < iv.n; i++) {
		sum += iv.v[i].c.in_bytes;
		hourly += iv.v[i].hourly;
		if (i)
			ck_assert_int_ge(iv.v[i].start_ms, iv.v[i - 1].end_ms);
	}
	/* Minutes of the last two hours at most are left; the rest are
	 * hour rows, and nothing is counted twice. */
	ck_assert_uint_ge(hourly, 3);
	ck_assert_uint_le(iv.n - hourly, 120);
	ck_assert_uint_eq(sum, c);
	store_intervals_free(&iv);

	store_query_init(&q);
	q.by = PERIOD_DAY;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_int_eq(rows.v[0].period, at("2024-05-01"));
	/* 22:00-24:00 local: 120 minutes; the minute ending at midnight
	 * is attributed to 23:59:30, the day before. */
	ck_assert_uint_eq(rows.v[0].c.in_bytes, 120 * 1000);
	ck_assert_uint_eq(rows.v[1].c.in_bytes, 180 * 2000);
	store_rows_free(&rows);

	q.by = PERIOD_HOUR;
	q.from_ms = at("2024-05-02 01:00") * 1000;
	q.to_ms = at("2024-05-02 02:00") * 1000;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_uint_eq(rows.v[0].c.in_bytes, 60 * 2000);
	store_rows_free(&rows);
	store_close(st);
}
END_TEST

START_TEST(a_repeated_local_hour_is_two_hour_rows_and_one_day)
{
	struct store *st;
	struct store_query q;
	struct store_rows rows;
	struct ctv_err err;
	struct fake f;
	int64_t wall, mono = 100;
	uint64_t c = 0;
	char l1[64], l2[64];

	set_tz("Europe/Berlin");
	st = wopen();
	/* 00:00 UTC on 2021-10-31 is 02:00 CEST; an hour later it is 02:00 CET. */
	wall = at("@1635638400");
	rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	for (int i = 0; i < 120; i++) {
		wall += 60;
		mono += 60;
		c += 100;
		rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	}
	store_query_init(&q);
	q.by = PERIOD_HOUR;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_int_eq(period_label(rows.v[0].period, PERIOD_HOUR, l1, sizeof(l1)), 0);
	ck_assert_int_eq(period_label(rows.v[1].period, PERIOD_HOUR, l2, sizeof(l2)), 0);
	ck_assert_str_eq(l1, "2021-10-31 02:00 CEST");
	ck_assert_str_eq(l2, "2021-10-31 02:00 CET");
	ck_assert_uint_eq(rows.v[0].c.in_bytes + rows.v[1].c.in_bytes, 12000);
	store_rows_free(&rows);
	q.by = PERIOD_DAY;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_uint_eq(rows.v[0].c.in_bytes, 12000);
	store_rows_free(&rows);
	store_close(st);
}
END_TEST

START_TEST(the_minute_retention_a_writer_chose_stays_with_the_file)
{
	struct store *st = wopen();
	struct store_intervals iv;
	struct ctv_err err;
	struct fake f;
	int64_t wall = at("2024-05-01 10:00"), mono = 100;
	uint64_t c = 0;
	size_t hourly = 0;

	store_set_minute_keep(st, 3600000);
	rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	store_close(st);
	/* A later writer that sets nothing keeps the hour. */
	st = wopen();
	for (int i = 0; i < 240; i++) {
		wall += 60;
		mono += 60;
		c += 10;
		rec(st, fake(&f, wall, mono, "b1", 1, &c), NULL);
	}
	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, NULL, -1, &iv, &err), 0);
	for (size_t i = 0; i < iv.n; i++)
		hourly += iv.v[i].hourly;
	ck_assert_uint_ge(hourly, 2);
	store_intervals_free(&iv);
	ck_assert_uint_eq(total_in(st, "local"), 2400);
	store_close(st);
}
END_TEST

/* A baseline of the three samples at zero, then one minute later each
 * grown by in[i] bytes in. */
static void baseline_then(struct store *st, struct store_sample s[3], const uint64_t in[3])
{
	struct store_reading r = { 6000000000LL, 1000, "b1", s, 3, NULL, 0 };

	rec(st, &r, NULL);
	for (int i = 0; i < 3; i++)
		s[i].c.in_bytes = in[i];
	r.wall_ms += 60000;
	r.mono_ms += 60000;
	rec(st, &r, NULL);
}

START_TEST(subkeys_are_summed_or_kept_apart_on_request)
{
	struct store *st = wopen();
	struct store_sample s[3] = {
		{ "101", 1, { 0, 0, 0, 0 } }, { "101", 2, { 0, 0, 0, 0 } }, { "102", 1, { 0, 0, 0, 0 } },
	};
	struct store_query q;
	struct store_rows rows;
	struct ctv_err err;

	baseline_then(st, s, (const uint64_t[]){ 100, 20, 7 });
	store_query_init(&q);
	q.by = PERIOD_TOTAL;
	q.key = "101";
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_int_eq(rows.v[0].sub, -1);
	ck_assert_uint_eq(rows.v[0].c.in_bytes, 120);
	store_rows_free(&rows);
	q.by_sub = 1;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_int_eq(rows.v[1].sub, 2);
	ck_assert_uint_eq(rows.v[1].c.in_bytes, 20);
	store_rows_free(&rows);
	{
		struct store_intervals iv;

		ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, "101", 2, &iv, &err), 0);
		ck_assert_uint_eq(iv.n, 1);
		ck_assert_uint_eq(iv.v[0].c.in_bytes, 20);
		store_intervals_free(&iv);
		ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, "101", -1, &iv, &err), 0);
		ck_assert_uint_eq(iv.v[0].c.in_bytes, 120);
		store_intervals_free(&iv);
		/* Only that container's data, ever. */
		ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, "10", -1, &iv, &err), 0);
		ck_assert_uint_eq(iv.v[0].c.in_bytes, 0);
		store_intervals_free(&iv);
	}
	store_close(st);
}
END_TEST

START_TEST(class_series_are_named_in_one_place_and_left_out_of_every_sum_of_all_series)
{
	struct store *st = wopen();
	struct store_sample s[3] = {
		{ "http", 0, { 0, 0, 0, 0 } }, { "class:2", 0, { 0, 0, 0, 0 } },
		{ "class:0", 0, { 0, 0, 0, 0 } },
	};
	struct store_intervals iv;
	struct store_query q;
	struct store_rows rows;
	struct ctv_err err;
	char key[16];

	ck_assert_str_eq(store_class_series(7, key, sizeof(key)), "class:7");
	ck_assert_int_eq(store_series_is_class("class:15"), 15);
	ck_assert_int_eq(store_series_is_class("class:0"), 0);
	ck_assert_int_eq(store_series_is_class("class:16"), -1);
	ck_assert_int_eq(store_series_is_class("class:02"), -1);
	ck_assert_int_eq(store_series_is_class("class:"), -1);
	ck_assert_int_eq(store_series_is_class("class_2"), -1);
	ck_assert_int_eq(store_series_is_class("http"), -1);
	baseline_then(st, s, (const uint64_t[]){ 100, 60, 40 });
	/* All series: the service only. */
	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, NULL, -1, &iv, &err), 0);
	ck_assert_uint_eq(iv.n, 1);
	ck_assert_uint_eq(iv.v[0].c.in_bytes, 100);
	store_intervals_free(&iv);
	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, "class:2", -1, &iv, &err), 0);
	ck_assert_uint_eq(iv.v[0].c.in_bytes, 60);
	store_intervals_free(&iv);
	store_query_init(&q);
	q.by = PERIOD_TOTAL;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_str_eq(rows.v[0].key, "http");
	store_rows_free(&rows);
	q.classes = 1;
	ck_assert_int_eq(store_report(st, &q, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_str_eq(rows.v[0].key, "class:2");
	ck_assert_uint_eq(rows.v[1].c.in_bytes, 40);
	store_rows_free(&rows);
	ck_assert_int_eq(store_key_sums(st, 0, INT64_MAX, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_str_eq(rows.v[0].key, "http");
	store_rows_free(&rows);
	ck_assert_int_eq(store_class_sums(st, 0, INT64_MAX, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_str_eq(rows.v[1].key, "class:0");
	ck_assert_uint_eq(rows.v[0].c.in_bytes, 60);
	store_rows_free(&rows);
	/* Both in one pass, in series order. */
	ck_assert_int_eq(store_all_key_sums(st, 0, INT64_MAX, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 3);
	ck_assert_str_eq(rows.v[0].key, "http");
	ck_assert_str_eq(rows.v[1].key, "class:2");
	ck_assert_str_eq(rows.v[2].key, "class:0");
	ck_assert_uint_eq(rows.v[0].c.in_bytes, 100);
	ck_assert_uint_eq(rows.v[2].c.in_bytes, 40);
	store_rows_free(&rows);
	store_close(st);
}
END_TEST

START_TEST(extra_figures_keep_counter_growth_and_the_last_gauge)
{
	struct store *st = wopen();
	struct store_scalar x[2] = { { "Udp.SndbufErrors", 0, 5 }, { "uptime", 1, 100 } };
	struct store_reading r = { 7000000000LL, 100000, "b1", NULL, 0, x, 2 };
	struct store_scalar_sums sums;
	struct ctv_err err;

	rec(st, &r, NULL);
	x[0].value = 8;
	x[1].value = 160;
	r.wall_ms += 60000;
	r.mono_ms += 60000;
	rec(st, &r, NULL);
	x[0].value = 2; /* reset: counts from zero */
	x[1].value = 220;
	r.wall_ms += 60000;
	r.mono_ms += 60000;
	rec(st, &r, NULL);
	ck_assert_int_eq(store_scalars(st, 0, INT64_MAX, &sums, &err), 0);
	ck_assert_uint_eq(sums.n, 2);
	ck_assert_str_eq(sums.v[0].name, "Udp.SndbufErrors");
	ck_assert_uint_eq(sums.v[0].value, 3 + 2);
	ck_assert_int_eq(sums.v[1].gauge, 1);
	ck_assert_uint_eq(sums.v[1].value, 220);
	store_scalar_sums_free(&sums);
	store_close(st);
}
END_TEST

START_TEST(events_the_caller_records_are_listed_with_their_series)
{
	struct store *st = wopen();
	struct store_events ev;
	struct ctv_err err;

	ck_assert_int_eq(store_event_add(st, "gap", NULL, 0, 1000, 2000, "rules gone", &err), 0);
	ck_assert_int_eq(store_event_add(st, "gap", "http", 0, 3000, 4000, "x", &err), 0);
	ck_assert_int_eq(store_events(st, 0, INT64_MAX, NULL, &ev, &err), 0);
	ck_assert_uint_eq(ev.n, 2);
	ck_assert_str_eq(ev.v[0].key, "");
	ck_assert_str_eq(ev.v[0].detail, "rules gone");
	ck_assert_str_eq(ev.v[1].key, "http");
	ck_assert_int_eq(ev.v[1].to_ms, 4000);
	store_events_free(&ev);
	store_close(st);
}
END_TEST

static void write_file(const char *path, const char *content, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static int same_file(const char *path, const char *content, size_t len)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)len && !memcmp(buf, content, len);
}

START_TEST(a_file_that_is_not_a_database_is_refused_and_left_untouched)
{
	static const char junk[] = "this is someone's notes, not a database\n"
				   "0123456789012345678901234567890123456789012345678901234567890123456789\n";
	struct ctv_err err = { "" };

	write_file(db, junk, sizeof(junk) - 1);
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "not a ctverify store"));
	ck_assert_ptr_nonnull(strstr(err.msg, db));
	ck_assert_ptr_null(store_open(db, STORE_READ, &err));
	ck_assert(same_file(db, junk, sizeof(junk) - 1));
}
END_TEST

START_TEST(a_database_of_another_program_is_refused_and_left_untouched)
{
	sqlite3 *other;
	struct ctv_err err = { "" };
	struct stat before, after;

	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "CREATE TABLE log_data(defid, startTime, avg);"
				      "INSERT INTO log_data VALUES (1, 2, 3);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	ck_assert_int_eq(stat(db, &before), 0);
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "another program"));
	ck_assert_int_eq(stat(db, &after), 0);
	ck_assert_int_eq(before.st_size, after.st_size);
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
	ck_assert_int_eq(access(db, F_OK), 0);
	/* No WAL was switched on in it. */
	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	{
		sqlite3_stmt *s;

		ck_assert_int_eq(sqlite3_prepare_v2(other, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "delete");
		sqlite3_finalize(s);
	}
	sqlite3_close(other);
}
END_TEST

START_TEST(a_store_of_a_newer_schema_is_refused_and_an_empty_file_is_initialised)
{
	struct store *st = wopen();
	struct ctv_err err = { "" };
	sqlite3 *h;

	store_close(st);
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_msg(strstr(err.msg, "newer") != NULL, "%s", err.msg);
	ck_assert_ptr_null(store_open(db, STORE_READ, &err));
	unlink(db);
	write_file(db, "", 0);
	st = wopen();
	ck_assert_uint_eq(total_in(st, "local"), 0);
	store_close(st);
}
END_TEST

START_TEST(a_store_with_a_damaged_schema_page_is_refused_and_left_untouched)
{
	struct store *st = wopen();
	struct ctv_err err = { "" };
	char junk[2000], before[8192];
	int fd;
	ssize_t n;

	store_close(st);
	/* Keep the 100-byte header, scribble over the schema that follows. */
	memset(junk, 0x5a, sizeof(junk));
	fd = open(db, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, junk, sizeof(junk), 100), (ssize_t)sizeof(junk));
	n = pread(fd, before, sizeof(before), 0);
	close(fd);
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_msg(strstr(err.msg, db) != NULL, "%s", err.msg);
	ck_assert_ptr_null(store_open(db, STORE_READ, &err));
	ck_assert(same_file(db, before, (size_t)n));
}
END_TEST

START_TEST(a_store_with_a_zeroed_data_page_is_refused_by_readers_and_writers)
{
	struct store *st = wopen();
	struct fake f;
	uint64_t c[4] = { 1, 2, 3, 4 };
	struct ctv_err err = { "" };
	static char before[1 << 20];
	char zero[4096];
	struct stat sb;
	int fd;
	ssize_t n;

	for (int i = 0; i < 40; i++) {
		c[0] += 1000;
		rec(st, fake(&f, 8000000 + 60 * i, 10 + 60 * i, "b1", 4, c), NULL);
	}
	store_close(st);
	ck_assert_int_eq(stat(db, &sb), 0);
	ck_assert_int_ge(sb.st_size, 5 * 4096);
	ck_assert_int_lt(sb.st_size, (off_t)sizeof(before));
	/* The header and schema are intact; a later page is not. */
	memset(zero, 0, sizeof(zero));
	fd = open(db, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, zero, sizeof(zero), sb.st_size - 4096), (ssize_t)sizeof(zero));
	n = pread(fd, before, sizeof(before), 0);
	close(fd);
	ck_assert_ptr_null(store_open(db, STORE_READ, &err));
	ck_assert_msg(strstr(err.msg, db) && strstr(err.msg, "damaged ctverify store"), "%s", err.msg);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_int_ne(errno, ENOENT);
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_msg(strstr(err.msg, "damaged ctverify store"), "%s", err.msg);
	{
		static char after[1 << 20];

		fd = open(db, O_RDONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pread(fd, after, sizeof(after), 0), n);
		close(fd);
		ck_assert(!memcmp(after, before, (size_t)n));
	}
}
END_TEST

START_TEST(a_symbolic_link_at_the_store_path_is_refused_and_its_target_untouched)
{
	struct ctv_err err = { "" };
	char target[160];

	snprintf(target, sizeof(target), "%s/target", dir);
	{
		FILE *f = fopen(target, "w");

		ck_assert_ptr_nonnull(f);
		fputs("precious", f);
		fclose(f);
	}
	ck_assert_int_eq(symlink(target, db), 0);
	errno = 0;
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_msg(strstr(err.msg, "a symbolic link; refusing to follow it"), "%s", err.msg);
	ck_assert_ptr_null(store_open(db, STORE_READ, &err));
	ck_assert(same_file(target, "precious", 8));
	/* Nor a directory. */
	ck_assert_int_eq(unlink(db), 0);
	ck_assert_int_eq(mkdir(db, 0700), 0);
	ck_assert_ptr_null(store_open(db, STORE_WRITE, &err));
	ck_assert_msg(strstr(err.msg, "not a regular file"), "%s", err.msg);
	ck_assert_int_eq(rmdir(db), 0);
}
END_TEST

START_TEST(a_new_store_is_created_0600_whatever_the_umask)
{
	struct store *st;
	struct stat sb;
	mode_t old = umask(022);

	st = wopen();
	umask(old);
	ck_assert_int_eq(stat(db, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	store_close(st);
}
END_TEST

START_TEST(reading_a_missing_store_does_not_create_it)
{
	struct ctv_err err = { "" };

	errno = 0;
	ck_assert_ptr_null(store_open(db, STORE_READ, &err));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(access(db, F_OK), -1);
}
END_TEST

START_TEST(a_store_is_reopened_with_its_history)
{
	struct store *st = wopen();
	struct fake f;
	uint64_t c0 = 5, c1 = 50;
	struct ctv_err err;

	rec(st, fake(&f, 8000000, 10, "b1", 1, &c0), NULL);
	rec(st, fake(&f, 8000060, 70, "b1", 1, &c1), NULL);
	store_close(st);
	st = store_open(db, STORE_READ, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	ck_assert_uint_eq(total_in(st, "local"), 45);
	ck_assert_int_eq(store_record(st, fake(&f, 8000120, 130, "b1", 1, &c1), NULL, &err), -1);
	store_close(st);
}
END_TEST

/* The writer side of the concurrency tests: records readings as fast as
 * it can for about a second, 4 series, 1000 bytes per minute each. */
static void writer_child(int readings)
{
	struct ctv_err err;
	struct store *st = store_open(db, STORE_WRITE, &err);
	struct fake f;
	uint64_t c[4] = { 0, 0, 0, 0 };

	if (!st)
		_exit(2);
	for (int i = 0; i <= readings; i++) {
		if (store_record(st, fake(&f, 9000000 + i * 60, 100 + i * 60, "b1", 4, c), NULL, &err) < 0)
			_exit(3);
		for (int k = 0; k < 4; k++)
			c[k] += 1000;
	}
	store_close(st);
	_exit(0);
}

START_TEST(a_reader_never_sees_database_is_locked_while_a_writer_transacts)
{
	struct store *st = wopen();
	struct ctv_err err = { "" };
	sqlite3 *hold;
	pid_t pid;
	int status, reads = 0, done = 0;

	int go[2];
	char b = 'g';

	store_close(st);
	/* Fork before any connection is open: SQLite connections must not
	 * cross a fork. The child starts writing once told. */
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(4);
		writer_child(2000);
	}
	close(go[0]);
	/* A transaction held open by another connection does not block
	 * readers, and a writer waits for it instead of failing. */
	ck_assert_int_eq(sqlite3_open(db, &hold), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(hold, "BEGIN IMMEDIATE; INSERT INTO event(t_ms, kind) VALUES (1, 'x')",
				      NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(write(go[1], &b, 1), 1);
	close(go[1]);
	st = store_open(db, STORE_READ, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	for (int i = 0; i < 20; i++) {
		ck_assert_msg(total_in(st, "http") == 0, "uncommitted rows are visible");
		reads++;
	}
	usleep(300000);
	ck_assert_int_eq(sqlite3_exec(hold, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(hold);
	/* Now read while the child commits hundreds of transactions. */
	while (!done) {
		struct store_query q;
		struct store_rows rows;

		store_query_init(&q);
		q.by = PERIOD_HOUR;
		ck_assert_msg(store_report(st, &q, &rows, &err) == 0, "report during writes: %s", err.msg);
		store_rows_free(&rows);
		reads++;
		done = waitpid(pid, &status, WNOHANG) == pid;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer failed: %d", status);
	ck_assert_uint_eq(total_in(st, "http"), 2000 * 1000);
	ck_assert_int_gt(reads, 21);
	store_close(st);
}
END_TEST

static int progress_left;

static int die_in_transaction(void *arg)
{
	(void)arg;
	if (--progress_left == 0)
		_exit(9);
	return 0;
}

START_TEST(a_writer_killed_inside_its_transaction_leaves_no_trace)
{
	struct store *st = wopen();
	struct fake f;
	uint64_t c0[] = { 100, 200 }, c1[] = { 150, 300 }, c2[] = { 170, 390 };
	pid_t pid;
	int status, kills = 0;

	rec(st, fake(&f, 9500000, 10, "b1", 2, c0), NULL);
	rec(st, fake(&f, 9500060, 70, "b1", 2, c1), NULL);
	store_close(st);
	/* Die after more and more VM steps: somewhere in the middle of the
	 * writes, until the record completes. */
	for (int when = 10;; when += 20) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct ctv_err err;
			struct store *w = store_open(db, STORE_WRITE, &err);

			if (!w)
				_exit(2);
			progress_left = when;
			sqlite3_progress_handler(store_sqlite(w), 1, die_in_transaction, NULL);
			_exit(store_record(w, fake(&f, 9500120, 130, "b1", 2, c2), NULL, &err) == 0 ? 0 : 3);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			break;
		ck_assert_int_eq(WEXITSTATUS(status), 9);
		kills++;
		st = wopen();
		ck_assert_uint_eq(total_in(st, "local"), 50);
		ck_assert_uint_eq(total_in(st, "http"), 100);
		store_close(st);
	}
	ck_assert_int_gt(kills, 10);
	st = wopen();
	ck_assert_uint_eq(total_in(st, "local"), 70);
	ck_assert_uint_eq(total_in(st, "http"), 190);
	store_close(st);
	/* The interval in flight was counted once, by the one that finished. */
	st = wopen();
	rec(st, fake(&f, 9500180, 190, "b1", 2, c2), NULL);
	ck_assert_uint_eq(total_in(st, "local"), 70);
	ck_assert_uint_eq(total_in(st, "http"), 190);
	ck_assert_uint_eq(count_events(st, "reset"), 0);
	store_close(st);
}
END_TEST

START_TEST(writers_killed_at_random_moments_never_count_twice)
{
	struct store *st;
	struct fake f;
	uint64_t c[2] = { 0, 0 }, base = 0, last = 0;
	int reading = 0;

	srand(42);
	for (int kill_no = 0; kill_no < 12; kill_no++) {
		int fds[2];
		pid_t pid;

		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct ctv_err err;
			struct store *w = store_open(db, STORE_WRITE, &err);
			int i = reading;
			char ready = 'r';

			close(fds[0]);
			if (!w)
				_exit(2);
			if (write(fds[1], &ready, 1) != 1)
				_exit(2);
			for (;; i++) {
				uint64_t v[2] = { (uint64_t)i * 1000, (uint64_t)i * 7 };

				if (store_record(w, fake(&f, 9700000 + i, 10 + i, "b1", 2, v), NULL, &err) < 0)
					_exit(3);
			}
		}
		close(fds[1]);
		{
			char b;

			ck_assert_int_eq(read(fds[0], &b, 1), 1);
		}
		close(fds[0]);
		usleep(2000 + rand() % 30000);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
		/* Every reading i has local = i * 1000: whatever was committed,
		 * the sum is the last committed value minus the baseline. */
		st = wopen();
		{
			struct store_clock clk;
			struct ctv_err err;

			ck_assert_int_eq(store_last_clock(st, &clk, &err), 0);
			if (clk.valid) {
				reading = (int)(clk.mono_ms / 1000 - 10) + 1;
				last = (uint64_t)(reading - 1) * 1000;
			}
		}
		ck_assert_uint_eq(total_in(st, "local"), last - base);
		ck_assert_uint_eq(count_events(st, "reset"), 0);
		store_close(st);
	}
	ck_assert_int_gt(reading, 12);
	(void)c;
}
END_TEST

/* store_key_sums() of key k over [from_ms, to_ms] the slow way: every
 * interval lying inside, from its minute rows. */
static struct store_counts sums_inside(struct store *st, const char *key, int64_t from_ms,
				       int64_t to_ms)
{
	struct store_intervals iv;
	struct store_counts want = { 0, 0, 0, 0 };
	struct ctv_err err = { "" };

	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, key, -1, &iv, &err), 0);
	for (size_t i = 0; i < iv.n; i++) {
		if (iv.v[i].start_ms < from_ms || iv.v[i].end_ms > to_ms)
			continue;
		want.in_bytes += iv.v[i].c.in_bytes;
		want.in_packets += iv.v[i].c.in_packets;
		want.out_bytes += iv.v[i].c.out_bytes;
		want.out_packets += iv.v[i].c.out_packets;
	}
	store_intervals_free(&iv);
	return want;
}

START_TEST(key_sums_over_a_window_equal_the_intervals_inside_it_hour_rows_included)
{
	struct store *st;
	struct store_rows rows;
	struct ctv_err err = { "" };
	struct fake f;
	int64_t wall, mono = 100, from_ms, to_ms;
	uint64_t c[3] = { 0, 0, 0 };

	st = wopen();
	store_set_minute_keep(st, 3600000);
	wall = at("2024-05-01 22:00");
	rec(st, fake(&f, wall, mono, "b1", 3, c), NULL);
	for (int i = 0; i < 300; i++) {
		wall += 60;
		mono += 60;
		c[0] += 1000;
		c[1] += (uint64_t)i;
		c[2] += i % 7 ? 0 : 5; /* a series idle most minutes */
		rec(st, fake(&f, wall, mono, "b1", 3, c), NULL);
	}
	/* From inside the pruned hours (hour rows) to inside the minutes. */
	from_ms = at("2024-05-01 22:30") * 1000;
	to_ms = at("2024-05-02 02:17") * 1000;
	ck_assert_msg(store_key_sums(st, from_ms, to_ms, &rows, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(rows.n, 3);
	for (size_t k = 0; k < 3; k++) {
		struct store_counts want = sums_inside(st, names[k], from_ms, to_ms);

		ck_assert_str_eq(rows.v[k].key, names[k]); /* series order */
		ck_assert_int_eq(rows.v[k].sub, -1);
		ck_assert_uint_gt(want.in_bytes, 0);
		ck_assert_uint_eq(rows.v[k].c.in_bytes, want.in_bytes);
		ck_assert_uint_eq(rows.v[k].c.in_packets, want.in_packets);
		ck_assert_uint_eq(rows.v[k].c.out_bytes, want.out_bytes);
		ck_assert_uint_eq(rows.v[k].c.out_packets, want.out_packets);
	}
	/* The hour 22:00-23:00 is an hour row: a window starting inside it
	 * leaves it out, one starting at it takes it. */
	ck_assert_uint_eq(rows.v[0].c.in_bytes, (uint64_t)(60 + 120 + 17) * 1000);
	store_rows_free(&rows);
	ck_assert_int_eq(store_key_sums(st, at("2024-05-01 22:00") * 1000, to_ms, &rows, &err), 0);
	ck_assert_uint_eq(rows.v[0].c.in_bytes, (uint64_t)(60 + 60 + 120 + 17) * 1000);
	store_rows_free(&rows);
	store_close(st);
}
END_TEST

START_TEST(key_sums_from_whole_hour_rows_equal_the_minute_rows_for_any_edges)
{
	struct store *st;
	struct store_rows rows;
	struct store_intervals a, b;
	struct ctv_err err = { "" };
	struct fake f;
	int64_t wall, mono = 100, t0;
	uint64_t c[3] = { 0, 0, 0 };
	/* Interval lengths that straddle hour boundaries either side of
	 * their middle. */
	static const int len[] = { 60, 37, 150, 61, 599, 13 };

	st = wopen();
	t0 = wall = at("2024-05-01 21:50");
	rec(st, fake(&f, wall, mono, "b1", 3, c), NULL);
	for (int i = 0; i < 400; i++) {
		wall += len[i % 6];
		mono += len[i % 6];
		c[0] += 1000 + (uint64_t)i;
		c[1] += (uint64_t)(i % 5);
		c[2] += i % 7 ? 0 : 5;
		rec(st, fake(&f, wall, mono, "b1", 3, c), NULL);
	}
	/* The same intervals with and without sums. */
	ck_assert_int_eq(store_intervals(st, t0 * 1000, wall * 1000, NULL, -1, &a, &err), 0);
	ck_assert_int_eq(store_interval_times(st, t0 * 1000, wall * 1000, NULL, -1, &b, &err), 0);
	ck_assert_uint_eq(a.n, 400);
	ck_assert_uint_eq(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert_int_eq(b.v[i].start_ms, a.v[i].start_ms);
		ck_assert_int_eq(b.v[i].end_ms, a.v[i].end_ms);
		ck_assert_uint_eq(b.v[i].c.in_bytes, 0);
	}
	/* Windows from interval edges and from odd times, one of them
	 * covering whole hours, one inside one hour. */
	for (size_t w = 0; w < 12; w++) {
		int64_t from_ms = w < 6 ? a.v[w * 7].start_ms : (t0 + 600 + (int64_t)w * 997) * 1000;
		int64_t to_ms = w < 6 ? a.v[a.n - 1 - w * 11].end_ms : from_ms + (int64_t)w * 3000 * 1000;

		ck_assert_msg(store_key_sums(st, from_ms, to_ms, &rows, &err) == 0, "%s", err.msg);
		for (size_t k = 0; k < rows.n; k++) {
			struct store_counts want = sums_inside(st, rows.v[k].key, from_ms, to_ms);

			ck_assert_uint_eq(rows.v[k].c.in_bytes, want.in_bytes);
			ck_assert_uint_eq(rows.v[k].c.in_packets, want.in_packets);
			ck_assert_uint_eq(rows.v[k].c.out_bytes, want.out_bytes);
			ck_assert_uint_eq(rows.v[k].c.out_packets, want.out_packets);
		}
		ck_assert_uint_gt(rows.n, 0);
		ck_assert_str_eq(rows.v[0].key, "local");
		store_rows_free(&rows);
	}
	store_intervals_free(&a);
	store_intervals_free(&b);
	store_close(st);
}
END_TEST

START_TEST(extra_figures_between_two_times_sum_counters_and_keep_the_largest_gauge)
{
	struct store *st = wopen();
	struct store_scalar x[2] = { { "if.eth0.rx_dropped", 0, 10 }, { "if.eth0.mtu", 1, 1500 } };
	struct store_reading r = { 7000000000LL, 100000, "b1", NULL, 0, x, 2 };
	struct store_scalar_sums sums;
	struct ctv_err err;

	rec(st, &r, NULL);
	for (int i = 1; i <= 4; i++) {
		x[0].value += (uint64_t)i;  /* 1, 2, 3, 4 drops */
		x[1].value = i == 2 ? 9000 : 1500;
		r.wall_ms += 60000;
		r.mono_ms += 60000;
		rec(st, &r, NULL);
	}
	/* The second and third minute only. */
	ck_assert_int_eq(store_scalars_between(st, 7000060000LL, 7000180000LL, &sums, &err), 0);
	ck_assert_uint_eq(sums.n, 2);
	ck_assert_str_eq(sums.v[0].name, "if.eth0.rx_dropped");
	ck_assert_uint_eq(sums.v[0].value, 2 + 3);
	ck_assert_uint_eq(sums.v[1].value, 9000);
	store_scalar_sums_free(&sums);
	store_close(st);
}
END_TEST

void add_store_tests(Suite *s)
{
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_delta_rule_resets_each_direction_on_its_own);
	tcase_add_test(tc, the_first_reading_is_a_baseline_and_later_ones_store_the_growth);
	tcase_add_test(tc, a_counter_that_went_back_counts_from_zero_and_records_the_unobserved_window);
	tcase_add_test(tc, a_series_first_seen_after_the_baseline_counts_from_zero);
	tcase_add_test(tc, a_reading_older_than_the_last_one_is_refused_as_stale);
	tcase_add_test(tc, the_clock_rule_never_goes_back_and_keeps_elapsed_time);
	tcase_add_test(tc, a_stepped_clock_gives_no_negative_or_overlapping_intervals_and_loses_nothing);
	tcase_add_test(tc, a_reboot_is_an_event_and_its_reset_counters_count_from_zero);
	tcase_add_test(tc, minutes_roll_up_into_local_hours_and_old_minutes_are_pruned_by_whole_hours);
	tcase_add_test(tc, a_repeated_local_hour_is_two_hour_rows_and_one_day);
	tcase_add_test(tc, the_minute_retention_a_writer_chose_stays_with_the_file);
	tcase_add_test(tc, subkeys_are_summed_or_kept_apart_on_request);
	tcase_add_test(tc, class_series_are_named_in_one_place_and_left_out_of_every_sum_of_all_series);
	tcase_add_test(tc, extra_figures_keep_counter_growth_and_the_last_gauge);
	tcase_add_test(tc, events_the_caller_records_are_listed_with_their_series);
	tcase_add_test(tc, key_sums_over_a_window_equal_the_intervals_inside_it_hour_rows_included);
	tcase_add_test(tc, key_sums_from_whole_hour_rows_equal_the_minute_rows_for_any_edges);
	tcase_add_test(tc, extra_figures_between_two_times_sum_counters_and_keep_the_largest_gauge);
	tcase_add_test(tc, a_file_that_is_not_a_database_is_refused_and_left_untouched);
	tcase_add_test(tc, a_database_of_another_program_is_refused_and_left_untouched);
	tcase_add_test(tc, a_store_of_a_newer_schema_is_refused_and_an_empty_file_is_initialised);
	tcase_add_test(tc, a_store_with_a_damaged_schema_page_is_refused_and_left_untouched);
	tcase_add_test(tc, a_store_with_a_zeroed_data_page_is_refused_by_readers_and_writers);
	tcase_add_test(tc, a_symbolic_link_at_the_store_path_is_refused_and_its_target_untouched);
	tcase_add_test(tc, a_new_store_is_created_0600_whatever_the_umask);
	tcase_add_test(tc, reading_a_missing_store_does_not_create_it);
	tcase_add_test(tc, a_store_is_reopened_with_its_history);
	tcase_add_test(tc, a_reader_never_sees_database_is_locked_while_a_writer_transacts);
	tcase_add_test(tc, a_writer_killed_inside_its_transaction_leaves_no_trace);
	tcase_add_test(tc, writers_killed_at_random_moments_never_count_twice);
	suite_add_tcase(s, tc);
}
