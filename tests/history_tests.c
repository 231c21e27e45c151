/* A store's history as a statement (ctverify export, ctnode export). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "store.h"
#include "unit_tests.h"

static char dir[64];
static char db[128];
static struct store *st;

#define T0 1700000040 /* a whole minute */

/* Readings every minute from T0: ct "101" classes 1 and 2, "102" class 1,
 * each counter at (minute + 1) * base bytes. */
static void fill(int minutes)
{
	for (int m = 0; m <= minutes; m++) {
		struct store_sample s[3] = {
			{ "101", 1, { 1000u * (unsigned)(m + 1), 10u * (unsigned)(m + 1),
				      2000u * (unsigned)(m + 1), 20u * (unsigned)(m + 1) } },
			{ "101", 2, { 100u * (unsigned)(m + 1), 1u * (unsigned)(m + 1), 0, 0 } },
			{ "102", 1, { 7u * (unsigned)(m + 1), 1, 0, 0 } },
		};

		test_record(st, (int64_t)T0 + 60 * m, 1000000 + 60000LL * m, s, 3, NULL, 0);
	}
}

static void setup(void)
{
	struct ctv_err err = { "" };

	snprintf(dir, sizeof(dir), "/tmp/ctv-history-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/h.db", dir);
	set_tz("UTC");
	st = store_open(db, STORE_WRITE, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(an_open_window_is_all_history_from_the_first_start_to_the_last_end)
{
	struct history_window w = { 0, 0, 0, 0 };
	struct statement sm;
	struct ctv_err err = { "" };

	fill(5);
	statement_init(&sm, STATEMENT_CTVERIFY);
	ck_assert_msg(history_statement(st, NULL, 0, &w, &sm, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sm.nintervals, 5);
	ck_assert_int_eq(sm.from, T0);
	ck_assert_int_eq(sm.to, T0 + 300);
	/* All series: 1000 + 100 + 7 per minute. */
	ck_assert_int_eq(sm.totals.in_bytes, 5 * 1107);
	ck_assert_int_eq(sm.totals.has_packets, 1);
	ck_assert_int_eq(sm.has_intervals, 1);
	ck_assert_int_eq(sm.has_classes, 0);
	statement_free(&sm);
}
END_TEST

START_TEST(only_intervals_wholly_inside_the_window_count)
{
	/* [T0 + 90, T0 + 240]: minutes 2 and 3 (T0+120..T0+240) only. */
	struct history_window w = { 1, 1, (T0 + 90) * 1000LL, (T0 + 240) * 1000LL };
	struct statement sm;
	struct ctv_err err = { "" };

	fill(5);
	statement_init(&sm, STATEMENT_CTVERIFY);
	ck_assert_int_eq(history_statement(st, "102", 0, &w, &sm, &err), 0);
	ck_assert_uint_eq(sm.nintervals, 2);
	ck_assert_int_eq(sm.intervals[0].start, T0 + 120);
	ck_assert_int_eq(sm.intervals[1].end, T0 + 240);
	ck_assert_int_eq(sm.from, T0 + 90);
	ck_assert_int_eq(sm.to, T0 + 240);
	ck_assert_int_eq(sm.totals.in_bytes, 14);
	statement_free(&sm);
}
END_TEST

START_TEST(classes_are_summed_per_sub_key_over_the_same_intervals)
{
	struct history_window w = { 1, 0, (T0 + 60) * 1000LL, 0 };
	struct statement sm;
	struct ctv_err err = { "" };

	fill(4);
	statement_init(&sm, STATEMENT_CTNODE);
	ck_assert_int_eq(history_statement(st, "101", 1, &w, &sm, &err), 0);
	ck_assert_int_eq(sm.has_classes, 1);
	ck_assert_uint_eq(sm.nclasses, 2);
	ck_assert_int_eq(sm.classes[0].id, 1);
	ck_assert_int_eq(sm.classes[0].c.in_bytes, 3000);
	ck_assert_int_eq(sm.classes[0].c.out_packets, 60);
	ck_assert_int_eq(sm.classes[1].id, 2);
	ck_assert_int_eq(sm.classes[1].c.in_bytes, 300);
	/* Only 101: classes add up to the totals. */
	ck_assert_int_eq(sm.totals.in_bytes, 3300);
	ck_assert_int_eq(sm.to, T0 + 240);
	statement_free(&sm);
}
END_TEST

START_TEST(an_empty_history_is_a_statement_without_intervals)
{
	struct history_window w = { 0, 0, 0, 0 };
	struct statement sm;
	struct ctv_err err = { "" };

	statement_init(&sm, STATEMENT_CTNODE);
	ck_assert_int_eq(history_statement(st, "101", 1, &w, &sm, &err), 0);
	ck_assert_uint_eq(sm.nintervals, 0);
	ck_assert_uint_eq(sm.nclasses, 0);
	ck_assert_int_eq(sm.from, 0);
	ck_assert_int_eq(sm.to, 0);
	statement_free(&sm);
}
END_TEST

void add_history_tests(Suite *s)
{
	TCase *tc = tcase_create("history");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_open_window_is_all_history_from_the_first_start_to_the_last_end);
	tcase_add_test(tc, only_intervals_wholly_inside_the_window_count);
	tcase_add_test(tc, classes_are_summed_per_sub_key_over_the_same_intervals);
	tcase_add_test(tc, an_empty_history_is_a_statement_without_intervals);
	suite_add_tcase(s, tc);
}
