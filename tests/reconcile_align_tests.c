#include "config.h"

#include <string.h>

#include "reconcile_align.h"
#include "unit_tests.h"

/* A node statement of n intervals of 2 s from 1000 s, each starting
 * off_ms after the whole second, in ms. */
static void node_of(struct statement *st, int n, int64_t off_ms)
{
	statement_init(st, STATEMENT_CTNODE);
	strcpy(st->ct, "101");
	st->has_ms = 1;
	st->from_ms = 1000000 + off_ms;
	st->to_ms = 1000000 + off_ms + n * 2000;
	for (int i = 0; i < n; i++) {
		struct statement_interval iv;

		memset(&iv, 0, sizeof(iv));
		iv.start_ms = st->from_ms + i * 2000;
		iv.end_ms = iv.start_ms + 2000;
		iv.c.in_bytes = 100;
		ck_assert_int_eq(statement_add_interval(st, &iv), 0);
	}
	statement_fill_times(st);
}

static void spans_of(struct reconcile_span *sp, int n, int64_t from_ms, int64_t len)
{
	for (int i = 0; i < n; i++) {
		sp[i].start_ms = from_ms + i * len;
		sp[i].end_ms = from_ms + (i + 1) * len;
	}
}

/* Asserts the window's node intervals [node_lo, node_hi) and container
 * spans [span_lo, span_hi). */
static void assert_window(const struct reconcile_window *w, size_t node_lo, size_t node_hi,
			  size_t span_lo, size_t span_hi)
{
	ck_assert_msg(w->node_lo == node_lo && w->node_hi == node_hi && w->span_lo == span_lo &&
			      w->span_hi == span_hi,
		      "window: node [%zu, %zu) spans [%zu, %zu), wanted [%zu, %zu) [%zu, %zu)",
		      w->node_lo, w->node_hi, w->span_lo, w->span_hi, node_lo, node_hi, span_lo,
		      span_hi);
}

START_TEST(intervals_a_few_milliseconds_apart_are_matched_edge_to_edge)
{
	struct statement st;
	struct reconcile_span sp[8];
	struct reconcile_window w;

	node_of(&st, 5, 3);           /* the node snapshots at .003 */
	spans_of(sp, 7, 998011, 2000); /* the container at .011, one interval earlier */
	ck_assert_int_eq(reconcile_align(&st, st.from_ms, st.to_ms, sp, 7, &w), 1);
	ck_assert_int_eq(w.aligned, 1);
	assert_window(&w, 0, 5, 1, 6);
	ck_assert_int_eq(w.node_from_ms, 1000003);
	ck_assert_int_eq(w.cont_from_ms, 1000011);
	ck_assert_int_eq(w.node_to_ms, 1010003);
	ck_assert_int_eq(w.cont_to_ms, 1010011);
	statement_free(&st);
}
END_TEST

START_TEST(the_window_is_the_largest_of_whole_intervals_present_on_both_sides)
{
	struct statement st;
	struct reconcile_span sp[8];
	struct reconcile_window w;

	/* The container started collecting 3 intervals late and stopped 1
	 * early: the window is what both have, not the node's. */
	node_of(&st, 8, 0);
	spans_of(sp, 4, 1006000, 2000);
	ck_assert_int_eq(reconcile_align(&st, st.from_ms, st.to_ms, sp, 4, &w), 1);
	assert_window(&w, 3, 7, 0, 4);
	/* --from/--to inside: only whole node intervals inside count. */
	ck_assert_int_eq(reconcile_align(&st, 1008500, 1012000, sp, 4, &w), 1);
	assert_window(&w, 5, 6, 2, 3);
	statement_free(&st);
}
END_TEST

START_TEST(boundaries_a_tenth_of_an_interval_apart_do_not_match)
{
	struct statement st;
	struct reconcile_span sp[8];
	struct reconcile_window w;

	node_of(&st, 4, 0);
	spans_of(sp, 5, 999800, 2000); /* every container edge 200 ms off */
	w.aligned = 7;
	ck_assert_int_eq(reconcile_align(&st, st.from_ms, st.to_ms, sp, 5, &w), 0);
	ck_assert_int_eq(w.aligned, 0);
	spans_of(sp, 5, 999801, 2000); /* 199 ms: a match */
	ck_assert_int_eq(reconcile_align(&st, st.from_ms, st.to_ms, sp, 5, &w), 1);
	ck_assert_int_eq(reconcile_align(&st, st.from_ms, st.to_ms, sp, 0, &w), 0);
	statement_free(&st);
}
END_TEST

START_TEST(a_collectors_first_partial_interval_is_not_matched_with_a_whole_one)
{
	struct statement st;
	struct reconcile_span sp[8];
	struct reconcile_window w;

	node_of(&st, 6, 0);
	/* The container's collector started at 1002.5 s: [1002.5, 1004), then
	 * whole intervals on the node's boundaries. */
	sp[0].start_ms = 1002500;
	sp[0].end_ms = 1004000;
	spans_of(sp + 1, 3, 1004000, 2000);
	ck_assert_int_eq(reconcile_align(&st, st.from_ms, st.to_ms, sp, 4, &w), 1);
	ck_assert_uint_eq(w.node_lo, 2);
	ck_assert_uint_eq(w.span_lo, 1);
	ck_assert_int_eq(w.cont_from_ms, w.node_from_ms);
	/* What the node billed before the common window is told, so the
	 * caller never verifies a bill by leaving part of it out. */
	uint64_t oi, oo;

	ck_assert_int_eq(reconcile_align_outside(&st, &w, &oi, &oo), 1);
	ck_assert_uint_eq(oi, 300); /* two node intervals before, one after, 100 B in each */
	ck_assert_uint_eq(oo, 0);
	statement_free(&st);
}
END_TEST

START_TEST(a_statement_without_intervals_is_one_interval_and_without_ms_its_seconds)
{
	struct statement st;
	struct reconcile_span sp[4];
	struct reconcile_window w;
	int64_t f, t;

	statement_init(&st, STATEMENT_PVA);
	strcpy(st.ct, "101");
	st.from = 1000;
	st.to = 1060;
	statement_fill_times(&st);
	ck_assert_int_eq(st.from_ms, 1000000);
	ck_assert_int_eq(st.to_ms, 1060000);
	reconcile_window_ms(&st, 900, 2000, &f, &t);
	ck_assert_int_eq(f, 1000000);
	ck_assert_int_eq(t, 1060000);
	reconcile_window_ms(&st, 1010, 1050, &f, &t);
	ck_assert_int_eq(f, 1010000);
	ck_assert_int_eq(t, 1050000);
	spans_of(sp, 3, 1000040, 20000);
	ck_assert_int_eq(reconcile_align(&st, 1000000, 1060000, sp, 3, &w), 1);
	ck_assert_uint_eq(w.span_lo, 0);
	ck_assert_uint_eq(w.span_hi, 3);
	ck_assert_int_eq(w.cont_to_ms, 1060040);
	statement_free(&st);
}
END_TEST

void add_reconcile_align_tests(Suite *s)
{
	TCase *tc = tcase_create("reconcile_align");

	tcase_add_test(tc, intervals_a_few_milliseconds_apart_are_matched_edge_to_edge);
	tcase_add_test(tc, the_window_is_the_largest_of_whole_intervals_present_on_both_sides);
	tcase_add_test(tc, boundaries_a_tenth_of_an_interval_apart_do_not_match);
	tcase_add_test(tc, a_collectors_first_partial_interval_is_not_matched_with_a_whole_one);
	tcase_add_test(tc, a_statement_without_intervals_is_one_interval_and_without_ms_its_seconds);
	suite_add_tcase(s, tc);
}
