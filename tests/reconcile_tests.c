#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile.h"
#include "unit_tests.h"

/* A node statement for [1000, 1060) with one interval, a container store
 * with one interval on exactly the same window, no tolerance. */
struct fx {
	struct statement st;
	struct reconcile_span spans[8];
	struct reconcile_bucket b[8];
	struct reconcile_gap g[4];
	struct reconcile_input in;
	struct reconcile_result res;
};

static void fx_init(struct fx *f, int64_t node_in, int64_t node_out)
{
	struct statement_interval iv;

	memset(f, 0, sizeof(*f));
	statement_init(&f->st, STATEMENT_CTNODE);
	strcpy(f->st.ct, "101");
	f->st.from = 1000;
	f->st.to = 1060;
	f->st.totals.in_bytes = node_in;
	f->st.totals.out_bytes = node_out;
	f->st.totals.has_packets = 1;
	f->st.totals.in_packets = 100;
	f->st.totals.out_packets = 200;
	memset(&iv, 0, sizeof(iv));
	iv.start = 1000;
	iv.end = 1060;
	iv.c = f->st.totals;
	ck_assert_int_eq(statement_add_interval(&f->st, &iv), 0);
	f->spans[0].start_ms = 1000000;
	f->spans[0].end_ms = 1060000;
	f->in.node = &f->st;
	f->in.from = 1000;
	f->in.to = 1060;
	f->in.spans = f->spans;
	f->in.nspans = 1;
	f->in.span_lo = 0;
	f->in.span_hi = 1;
	f->in.buckets = f->b;
	f->in.gaps = f->g;
}

static void bucket(struct fx *f, const char *name, unsigned flags, uint64_t in, uint64_t out)
{
	struct reconcile_bucket *b = &f->b[f->in.nbuckets++];

	snprintf(b->name, sizeof(b->name), "%s", name);
	b->flags = flags;
	b->c.in_bytes = in;
	b->c.out_bytes = out;
	b->c.in_packets = in / 1000;
	b->c.out_packets = out / 1000;
	f->spans[0].in_bytes += in;
	f->spans[0].out_bytes += out;
}

/* The node's one interval [1000, 1060) cut into n equal ones (60 % n == 0),
 * each with its share of the bytes (given divisible). */
static void fx_split(struct fx *f, int n)
{
	struct statement_interval iv = f->st.intervals[0];
	int64_t in = iv.c.in_bytes, out = iv.c.out_bytes;

	f->st.nintervals = 0;
	for (int i = 0; i < n; i++) {
		iv.start = 1000 + i * (60 / n);
		iv.end = iv.start + 60 / n;
		iv.c.in_bytes = in / n;
		iv.c.out_bytes = out / n;
		iv.c.has_packets = 0;
		ck_assert_int_eq(statement_add_interval(&f->st, &iv), 0);
	}
}

/* One more unobserved window [from_ms, to_ms) of kind. */
static void gap(struct fx *f, int64_t from_ms, int64_t to_ms, const char *kind)
{
	struct reconcile_gap *g = &f->g[f->in.ngaps++];

	g->from_ms = from_ms;
	g->to_ms = to_ms;
	snprintf(g->kind, sizeof(g->kind), "%s", kind);
}

static void fx_run(struct fx *f)
{
	struct ctv_err err = { "" };

	statement_fill_times(&f->st); /* the seconds, set above, in ms too */
	ck_assert_msg(reconcile_run(&f->in, &f->res, &err) == 0, "%s", err.msg);
}

static void fx_free(struct fx *f)
{
	reconcile_result_free(&f->res);
	statement_free(&f->st);
}

static const struct reconcile_cause *find(const struct fx *f, const char *id,
					  enum reconcile_versus vs)
{
	for (size_t i = 0; i < f->res.ncauses; i++)
		if (!strcmp(f->res.causes[i].cause, id) && f->res.causes[i].vs == vs)
			return &f->res.causes[i];
	return NULL;
}

static const struct reconcile_cmp *nc(const struct fx *f)
{
	return &f->res.cmp[RECONCILE_NODE_CONTAINER];
}

START_TEST(loopback_is_explained_exactly_and_names_its_bucket)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	bucket(&f, "local", RECONCILE_LOCAL, 5000, 5000);
	fx_run(&f);
	c = find(&f, "loopback", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 5000);
	ck_assert_uint_eq(c->out_bytes, 5000);
	ck_assert_int_eq(c->in_a, 0);
	ck_assert_int_eq(c->bound, 0);
	ck_assert_msg(strstr(c->detail, "store bucket 'local': 5000 B in, 5000 B out") != NULL, "%s",
		      c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	ck_assert_int_eq(nc(&f)->unexplained_out, 0);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_CONSISTENT);
	fx_free(&f);
}
END_TEST

START_TEST(an_inflated_node_figure_is_node_higher_by_the_inflation)
{
	struct fx f;

	fx_init(&f, 100000 + 1000000, 200000);
	f.st.intervals[0].c.in_bytes += 1000000;
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	bucket(&f, "local", RECONCILE_LOCAL, 5000, 5000);
	f.in.tol_bytes = 8192;
	fx_run(&f);
	ck_assert_int_eq(nc(&f)->unexplained_in, 1000000);
	ck_assert_int_eq(nc(&f)->unexplained_out, 0);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_A_HIGHER);
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_NODE_CONTAINER, nc(&f)->verdict),
			 "node_higher");
	fx_free(&f);
}
END_TEST

START_TEST(a_container_counting_more_than_any_evidence_is_container_higher)
{
	struct fx f;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 260000);
	fx_run(&f);
	ck_assert_int_eq(nc(&f)->unexplained_out, -60000);
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_NODE_CONTAINER, nc(&f)->verdict),
			 "container_higher");
	fx_free(&f);
}
END_TEST

START_TEST(a_class_zero_bucket_is_class_excluded_and_only_with_the_flag)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	bucket(&f, "mgmt", RECONCILE_CLASS0, 30000, 70000);
	bucket(&f, "backup", 0, 0, 0);
	snprintf(f.b[1].why, sizeof(f.b[1].why), "peer=198.19.9.0/24, class 0 in classes");
	fx_run(&f);
	c = find(&f, "class_excluded", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 30000);
	ck_assert_uint_eq(c->out_bytes, 70000);
	ck_assert_msg(strstr(c->detail, "'mgmt' (peer=198.19.9.0/24, class 0 in classes)"), "%s",
		      c->detail);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_CONSISTENT);
	ck_assert_uint_eq(f.res.ncauses, 1); /* nothing claimed without evidence */
	fx_free(&f);
}
END_TEST

START_TEST(a_bound_explains_only_what_is_left_in_its_own_direction)
{
	struct fx f;
	const struct reconcile_cause *c;

	/* The node saw 6000 B more in; a 30 s reset window inside its one
	 * 60 s interval. The bound is that whole interval, not half of it
	 * by time: all of the minute's bytes may have come in those 30 s. */
	fx_init(&f, 106000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.g[0].from_ms = 1010000;
	f.g[0].to_ms = 1040000;
	snprintf(f.g[0].kind, sizeof(f.g[0].kind), "reset");
	snprintf(f.g[0].key, sizeof(f.g[0].key), "web");
	f.in.ngaps = 1;
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->bound, 1);
	ck_assert_uint_eq(c->bound_in, 106000);
	ck_assert_uint_eq(c->bound_out, 200000);
	ck_assert_uint_eq(c->in_bytes, 6000);  /* what was left */
	ck_assert_uint_eq(c->out_bytes, 0);    /* nothing left out */
	ck_assert_msg(strstr(c->detail, "up to 106000 B in") == c->detail, "%s", c->detail);
	ck_assert_msg(strstr(c->detail, "the 1 interval of its figure meeting those seconds, each "
			     "whole"), "%s", c->detail);
	ck_assert_msg(strstr(c->detail, "store event 'reset' of bucket 'web'"), "%s", c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	/* 6000 B of "up to" against no tolerance: not a verdict. */
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_INCONCLUSIVE);
	ck_assert_msg(strstr(nc(&f)->advice, "'counter_reset'"), "%s", nc(&f)->advice);
	ck_assert_uint_eq(nc(&f)->uncertain_in, 106000);
	ck_assert_uint_eq(nc(&f)->uncertain_out, 200000);
	fx_free(&f);
}
END_TEST

START_TEST(a_bound_never_explains_a_difference_of_the_other_sign)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 150000, 200000); /* the container is higher */
	f.g[0].from_ms = 1010000;
	f.g[0].to_ms = 1040000;
	snprintf(f.g[0].kind, sizeof(f.g[0].kind), "gap");
	f.in.ngaps = 1;
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 0);
	ck_assert_int_eq(nc(&f)->unexplained_in, -50000);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_B_HIGHER);
	fx_free(&f);
}
END_TEST

START_TEST(overlapping_reset_windows_are_counted_once)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 160000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	for (int i = 0; i < 3; i++) {
		f.g[i].from_ms = 1010000;
		f.g[i].to_ms = 1016000;
		snprintf(f.g[i].kind, sizeof(f.g[i].kind), "reset");
	}
	f.in.ngaps = 3;
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	/* The node interval those 6 s lie in, whole (a burst may have put
	 * all of its 160000 B there), once: not 3 x 160000. */
	ck_assert_uint_eq(c->bound_in, 160000);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	ck_assert_msg(strstr(c->detail, "(6.0 s)") && strstr(c->detail, "6.0 s unobserved"), "%s",
		      c->detail);
	fx_free(&f);
	/* Two windows apart in one node interval take it once; a window in
	 * another interval takes that one too. */
	for (int other = 0; other < 2; other++) {
		fx_init(&f, 160000, 200000);
		fx_split(&f, 2); /* [1000, 1030) and [1030, 1060): 80000 in each */
		bucket(&f, "web", RECONCILE_WEB, 0, 200000);
		gap(&f, 1010000, 1012000, "reset");
		gap(&f, other ? 1040000 : 1020000, other ? 1042000 : 1022000, "reset");
		fx_run(&f);
		c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
		ck_assert_uint_eq(c->bound_in, other ? 160000 : 80000);
		ck_assert_uint_eq(c->bound_out, other ? 200000 : 100000);
		ck_assert_msg(strstr(c->detail, other ? "the 2 intervals of its figure" :
						       "the 1 interval of its figure"), "%s", c->detail);
		fx_free(&f);
	}
}
END_TEST

START_TEST(a_reset_is_bounded_by_what_the_node_counted_in_those_seconds)
{
	struct fx f;
	struct statement_interval iv;
	const struct reconcile_cause *c;

	/* Node: 60 s idle, then 60 s with 120000 B in; the container missed
	 * 10 s of the busy minute. The average rate would say 10000. */
	fx_init(&f, 0, 0);
	f.st.to = 1120;
	f.st.totals.in_bytes = 120000;
	f.st.intervals[0].c.in_bytes = 0;
	memset(&iv, 0, sizeof(iv));
	iv.start = 1060;
	iv.end = 1120;
	iv.c.in_bytes = 120000;
	ck_assert_int_eq(statement_add_interval(&f.st, &iv), 0);
	f.in.to = 1120;
	f.spans[1].start_ms = 1060000;
	f.spans[1].end_ms = 1120000;
	f.in.nspans = 2;
	f.in.span_hi = 2;
	bucket(&f, "web", RECONCILE_WEB, 100000, 0);
	f.g[0].from_ms = 1070000;
	f.g[0].to_ms = 1080000;
	snprintf(f.g[0].kind, sizeof(f.g[0].kind), "gap");
	f.in.ngaps = 1;
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	/* The busy interval, whole (its 120000 B may all have come in the
	 * 10 s the container missed); not the idle one, not the average. */
	ck_assert_uint_eq(c->bound_in, 120000);
	ck_assert_uint_eq(c->in_bytes, 20000);
	ck_assert_msg(strstr(c->detail, "the 1 interval of its figure meeting those seconds"), "%s",
		      c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	fx_free(&f);
}
END_TEST

/* Node intervals [1000, 1030) with 100000 B in and [1030, 1060) with
 * 30000; the container's table gone from 1025 s to gap_end_ms, a 90000 B
 * burst in that time, all the rest counted. */
static void fx_burst(struct fx *f, int64_t gap_end_ms)
{
	fx_init(f, 130000, 200000);
	fx_split(f, 2);
	f->st.intervals[0].c.in_bytes = 100000;
	f->st.intervals[1].c.in_bytes = 30000;
	bucket(f, "web", RECONCILE_WEB, 10000 + 30000, 200000);
	gap(f, 1025000, gap_end_ms, "gap");
}

START_TEST(a_burst_in_the_unobserved_part_of_a_node_interval_is_within_the_reset_bound)
{
	struct fx f;
	const struct reconcile_cause *c;

	/* Node intervals [1000, 1030) with 100000 B in and [1030, 1060) with
	 * 30000. The container's table was gone from 1025 s to 1030.001 s:
	 * 5 s of the first interval, 1 ms of the second, and a 90000 B burst
	 * came in those 5 s. A share by time would bound the loss at
	 * 100000 x 5/30 + 30000 x 1/30000 = 16668 B and call the node 73332 B
	 * higher; the true bound is both intervals, whole. */
	fx_burst(&f, 1030001);
	f.in.tol_bytes = 8192;
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->bound_in, 130000);
	ck_assert_uint_ge(c->bound_in, 90000); /* the burst is inside the bound */
	ck_assert_uint_eq(c->in_bytes, 90000);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	/* 90000 B rest on an "up to" bound beyond the tolerance. */
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_INCONCLUSIVE);
	ck_assert_msg(strstr(nc(&f)->advice, "'counter_reset'"), "%s", nc(&f)->advice);
	fx_free(&f);
	/* Ending exactly where the second interval starts, the window does
	 * not meet it: the first alone, still holding the burst. */
	fx_burst(&f, 1030000);
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_uint_eq(c->bound_in, 100000);
	ck_assert_uint_eq(c->in_bytes, 90000);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	fx_free(&f);
}
END_TEST

START_TEST(a_reset_without_node_intervals_is_bounded_by_the_whole_figure)
{
	struct fx f;
	const struct reconcile_cause *c;

	/* One statement total, no intervals: nothing says when in the minute
	 * the node counted, so the whole minute bounds a 1 s loss. */
	fx_init(&f, 106000, 200000);
	f.st.has_intervals = 0;
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	gap(&f, 1010000, 1011000, "gap");
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->bound_in, 106000);
	ck_assert_uint_eq(c->bound_out, 200000);
	ck_assert_uint_eq(c->in_bytes, 6000);
	ck_assert_msg(strstr(c->detail, "its whole window (the statement has no intervals)"), "%s",
		      c->detail);
	f.st.has_intervals = 1;
	fx_free(&f);
}
END_TEST

START_TEST(window_skew_is_bounded_by_the_edge_interval_rate)
{
	struct fx f;
	const struct reconcile_cause *c;

	/* The container's first interval starts 10 s before the node's
	 * window: at its rate, 10/60 of its bytes may be outside. */
	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000 + 12000, 200000);
	f.spans[0].start_ms = 990000;
	f.spans[0].end_ms = 1050000;
	fx_run(&f);
	c = find(&f, "window_skew", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->in_a, 0);
	ck_assert_int_eq(c->bound, 1);
	ck_assert_uint_eq(c->bound_in, 18667); /* 112000 x 10/60, rounded */
	ck_assert_msg(strstr(c->detail, "10.000 s before"), "%s", c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	/* Both edges may be real: the container's extra start (all of its
	 * bound) less the node's extra end (what is left) is the residual. */
	ck_assert_uint_eq(c->in_bytes, 18667);
	/* The end edge: the node covers 10 s the container does not, at the
	 * node's interval rate. */
	c = NULL;
	for (size_t i = 0; i < f.res.ncauses; i++)
		if (!strcmp(f.res.causes[i].cause, "window_skew") && f.res.causes[i].in_a)
			c = &f.res.causes[i];
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->bound_out, 33333); /* 200000 x 10/60, rounded */
	ck_assert_uint_eq(c->in_bytes, 18667 - 12000);
	fx_free(&f);
}
END_TEST

START_TEST(counters_since_an_unknown_start_claim_no_skew_before_the_container)
{
	struct fx f;

	fx_init(&f, 300000, 200000);
	f.st.from = 0; /* vznetstat output: counting since boot, time unknown */
	f.st.has_intervals = 0;
	f.in.from = 0;
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	fx_run(&f);
	ck_assert_ptr_null(find(&f, "window_skew", RECONCILE_NODE_CONTAINER));
	ck_assert_int_eq(nc(&f)->unexplained_in, 200000);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_A_HIGHER);
	f.st.has_intervals = 1;
	fx_free(&f);
}
END_TEST

START_TEST(aligned_windows_claim_no_skew)
{
	struct fx f;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	fx_run(&f);
	ck_assert_ptr_null(find(&f, "window_skew", RECONCILE_NODE_CONTAINER));
	ck_assert_uint_eq(f.res.ncauses, 0);
	fx_free(&f);
}
END_TEST

START_TEST(interface_drops_are_bounded_by_the_mtu_on_their_side)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 103000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000 + 2000);
	f.in.has_drops = 1;
	f.in.rx_dropped = 2;
	f.in.tx_dropped = 1;
	f.in.mtu = 1500;
	strcpy(f.in.drop_ifaces, "eth0");
	fx_run(&f);
	c = find(&f, "pre_container_drop", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->in_a, 1);
	ck_assert_uint_eq(c->bound_in, 3000);
	ck_assert_uint_eq(c->in_bytes, 3000);
	c = find(&f, "container_qdisc_drop", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->in_a, 0);
	ck_assert_uint_eq(c->bound_out, 1500);
	ck_assert_uint_eq(c->out_bytes, 1500);
	ck_assert_msg(strstr(c->detail, "eth0 (tx_dropped)"), "%s", c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_out, -500);
	fx_free(&f);
}
END_TEST

START_TEST(bounds_of_both_signs_are_each_taken_as_far_as_the_residual_allows)
{
	struct fx f;
	const struct reconcile_cause *c;

	/* The container missed 50000 B out while its table was gone and a
	 * shaper dropped 20000 B out after counting them: node - container
	 * is +30000 out; both events are real and both are claimed. */
	fx_init(&f, 100000, 230000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.g[0].from_ms = 1010000;
	f.g[0].to_ms = 1023044; /* inside the node's one interval: up to all its 230000 B */
	snprintf(f.g[0].kind, sizeof(f.g[0].kind), "gap");
	f.in.ngaps = 1;
	f.in.has_snmp = 1;
	f.in.udp_sndbuf_errors = 20;
	f.in.mtu = 1500; /* bound 30000 */
	fx_run(&f);
	c = find(&f, "counter_reset", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	/* The whole interval bounds the reset: it reaches the residual plus
	 * the drops' whole bound (30000), so both take all they may. */
	ck_assert_uint_eq(c->bound_out, 230000);
	ck_assert_uint_eq(c->out_bytes, 60000);
	c = find(&f, "container_qdisc_drop", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->out_bytes, 30000);
	ck_assert_int_eq(nc(&f)->unexplained_out, 0);
	/* A residual beyond both: the bounds on its side all taken, the
	 * others as far as needed (none), the rest unexplained. */
	fx_free(&f);
	fx_init(&f, 100000, 300000);
	fx_split(&f, 6); /* 10 s node intervals of 50000 B out */
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.g[0].from_ms = 1010000;
	f.g[0].to_ms = 1016000; /* inside [1010, 1020): up to 50000 */
	snprintf(f.g[0].kind, sizeof(f.g[0].kind), "gap");
	f.in.ngaps = 1;
	f.in.has_snmp = 1;
	f.in.udp_sndbuf_errors = 20;
	f.in.mtu = 1500;
	fx_run(&f);
	ck_assert_uint_eq(find(&f, "counter_reset", RECONCILE_NODE_CONTAINER)->out_bytes, 50000);
	ck_assert_uint_eq(find(&f, "container_qdisc_drop", RECONCILE_NODE_CONTAINER)->out_bytes, 0);
	ck_assert_int_eq(nc(&f)->unexplained_out, 50000);
	fx_free(&f);
}
END_TEST

START_TEST(failed_udp_and_icmp_sends_bound_qdisc_drops_by_the_mtu)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000, 200000);
	bucket(&f, "dns-out", 0, 100000, 200000 + 4000);
	f.in.has_snmp = 1;
	f.in.udp_sndbuf_errors = 2;
	f.in.icmp_out_errors = 1;
	f.in.mtu = 1500;
	fx_run(&f);
	c = find(&f, "container_qdisc_drop", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->in_a, 0);
	ck_assert_int_eq(c->bound, 1);
	ck_assert_uint_eq(c->bound_out, 4500);
	ck_assert_uint_eq(c->out_bytes, 4000);
	ck_assert_msg(strstr(c->detail, "Udp.SndbufErrors"), "%s", c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_out, 0);
	fx_free(&f);
}
END_TEST

START_TEST(tolerance_is_the_larger_of_bytes_and_a_share_of_the_figure)
{
	struct fx f;

	fx_init(&f, 1000000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 1000000 - 900, 200000);
	f.in.tol_bytes = 500;
	f.in.tol_ppm = 1000; /* 0.1 %: 1000 B of 1 MB */
	fx_run(&f);
	ck_assert_uint_eq(nc(&f)->tol_in, 1000);
	ck_assert_uint_eq(nc(&f)->tol_out, 500);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_CONSISTENT);
	fx_free(&f);
	fx_init(&f, 1000000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 1000000 - 1001, 200000);
	f.in.tol_ppm = 1000;
	fx_run(&f);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_A_HIGHER);
	fx_free(&f);
}
END_TEST

START_TEST(the_router_figure_is_explained_by_frame_headers_and_neighbours)
{
	struct fx f;
	const struct reconcile_cause *c;
	const struct reconcile_cmp *r;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 90000, 150000);
	bucket(&f, "neigh", RECONCILE_NEIGHBOR, 10000, 50000);
	f.in.has_router = 1;
	f.in.router_l2 = RECONCILE_L2_FRAMES;
	/* The router sees no neighbour traffic and 14 B more per packet. */
	f.in.router_in = 90000 + 100 * 14;
	f.in.router_out = 150000 + 200 * 14;
	fx_run(&f);
	c = find(&f, "l2_overhead", RECONCILE_ROUTER_NODE);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 1400);
	ck_assert_uint_eq(c->out_bytes, 2800);
	ck_assert_msg(strstr(c->detail, "14 B Ethernet header"), "%s", c->detail);
	c = find(&f, "neighbor", RECONCILE_ROUTER_NODE);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->out_bytes, 50000);
	r = &f.res.cmp[RECONCILE_ROUTER_NODE];
	ck_assert_int_eq(r->unexplained_in, 0);
	ck_assert_int_eq(r->unexplained_out, 0);
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_ROUTER_NODE, r->verdict), "consistent");
	fx_free(&f);
}
END_TEST

START_TEST(a_router_counting_on_the_wire_adds_38_bytes_a_packet)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.in.has_router = 1;
	f.in.router_l2 = RECONCILE_L2_WIRE;
	f.in.router_in = 100000 + 3800;
	f.in.router_out = 200000 + 7600 + 50000;
	f.in.tol_bytes = 1000;
	fx_run(&f);
	c = find(&f, "l2_overhead", RECONCILE_ROUTER_NODE);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 3800);
	ck_assert_msg(strstr(c->detail, "on the wire"), "%s", c->detail);
	ck_assert_int_eq(f.res.cmp[RECONCILE_ROUTER_NODE].unexplained_out, 50000);
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_ROUTER_NODE,
						f.res.cmp[RECONCILE_ROUTER_NODE].verdict),
			 "router_higher");
	/* The main verdict is about node and container only. */
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_CONSISTENT);
	fx_free(&f);
}
END_TEST

START_TEST(without_node_packets_l2_overhead_counts_the_containers_and_says_so)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000, 200000);
	f.st.totals.has_packets = 0;
	f.st.intervals[0].c.has_packets = 0;
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);     /* 100 + 200 packets */
	bucket(&f, "local", RECONCILE_LOCAL, 50000, 50000);   /* not through the router */
	f.in.has_router = 1;
	f.in.router_in = 100000 + 100 * 14;
	f.in.router_out = 200000 + 200 * 14;
	fx_run(&f);
	c = find(&f, "l2_overhead", RECONCILE_ROUTER_NODE);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 1400);
	ck_assert_uint_eq(c->out_bytes, 2800);
	ck_assert_msg(strstr(c->detail, "the container's packet counts"), "%s", c->detail);
	ck_assert_int_eq(f.res.cmp[RECONCILE_ROUTER_NODE].unexplained_in, 0);
	fx_free(&f);
}
END_TEST

START_TEST(inexact_node_packets_make_l2_overhead_a_bound_that_says_so)
{
	struct fx f;
	const struct reconcile_cause *c;
	const struct reconcile_cmp *r;

	fx_init(&f, 100000, 200000);
	f.st.packets_inexact = 1;
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000); /* 100 + 200 packets, as the node's */
	f.in.has_router = 1;
	f.in.router_l2 = RECONCILE_L2_FRAMES;
	/* The router saw fewer headers than 14 B x packets would give. */
	f.in.router_in = 100000 + 1000;
	f.in.router_out = 200000 + 2800;
	fx_run(&f);
	c = find(&f, "l2_overhead", RECONCILE_ROUTER_NODE);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->bound, 1);
	ck_assert_uint_eq(c->bound_in, 1400);
	ck_assert_uint_eq(c->bound_out, 2800);
	/* A bound explains only what is there: 1000 of its 1400 in. */
	ck_assert_uint_eq(c->in_bytes, 1000);
	ck_assert_uint_eq(c->out_bytes, 2800);
	ck_assert_msg(!strncmp(c->detail, "up to 1400 B in, 2800 B out: 100 packets in, 200 out "
			       "(an estimate: the statement's packets are not exact", 100), "%s", c->detail);
	ck_assert_msg(strstr(c->detail, "the node counts L3 bytes"), "detail cut short: %s", c->detail);
	r = &f.res.cmp[RECONCILE_ROUTER_NODE];
	ck_assert_int_eq(r->unexplained_in, 0);
	ck_assert_int_eq(r->unexplained_out, 0);
	fx_free(&f);
	/* Exact packets: the same figures are measured, and over-explain. */
	fx_init(&f, 100000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.in.has_router = 1;
	f.in.router_in = 100000 + 1000;
	f.in.router_out = 200000 + 2800;
	fx_run(&f);
	c = find(&f, "l2_overhead", RECONCILE_ROUTER_NODE);
	ck_assert_int_eq(c->bound, 0);
	ck_assert_uint_eq(c->in_bytes, 1400);
	ck_assert_int_eq(f.res.cmp[RECONCILE_ROUTER_NODE].unexplained_in, -400);
	fx_free(&f);
}
END_TEST

START_TEST(a_bound_needed_within_the_tolerance_keeps_the_verdict_consistent)
{
	struct fx f;

	/* The same 6000 B, explained by a reset, with 8 KiB of tolerance. */
	fx_init(&f, 106000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.g[0].from_ms = 1010000;
	f.g[0].to_ms = 1040000;
	snprintf(f.g[0].kind, sizeof(f.g[0].kind), "reset");
	f.in.ngaps = 1;
	f.in.tol_bytes = 8192;
	fx_run(&f);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_CONSISTENT);
	ck_assert_str_eq(nc(&f)->advice, "");
	ck_assert_uint_eq(nc(&f)->bounded_in, 6000);
	fx_free(&f);
	/* 10000 B more with only a 100 ms edge to bound it (about 170 B at
	 * the edge interval's rate): higher, not excused by the skew. */
	fx_init(&f, 110000, 200000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 200000);
	f.spans[0].start_ms = 999900; /* the container's edge 100 ms early */
	f.in.tol_bytes = 8192;
	f.in.tol_ppm = 1000;
	f.in.nspans = 1;
	fx_run(&f);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_A_HIGHER);
	ck_assert_uint_lt(nc(&f)->uncertain_in, 200);
	fx_free(&f);
}
END_TEST

/* The node bills class 1 (100000 in, 200000 out) and class 2 (50000,
 * 80000); the container's services carry that plus 30000/40000 of class
 * 0 and 5000 of loopback each way; its class buckets mirror the node's. */
static void fx_classes(struct fx *f, int64_t class2_out_billed)
{
	fx_init(f, 150000, 200000 + class2_out_billed);
	f->st.has_classes = 1;
	f->st.nclasses = 2;
	f->st.classes[0] = (struct statement_class){ .id = 1, .c = { .in_bytes = 100000,
		.out_bytes = 200000 } };
	f->st.classes[1] = (struct statement_class){ .id = 2, .c = { .in_bytes = 50000,
		.out_bytes = class2_out_billed } };
	bucket(f, "local", RECONCILE_LOCAL, 5000, 5000);
	bucket(f, "web", RECONCILE_WEB, 180000, 320000);
	f->in.class_seen = 1u | 2u | 4u;
	f->in.class_c[0] = (struct reconcile_counts){ 30000, 30, 40000, 40 };
	f->in.class_c[1] = (struct reconcile_counts){ 100000, 100, 200000, 200 };
	f->in.class_c[2] = (struct reconcile_counts){ 50000, 50, 80000, 80 };
	f->in.tol_bytes = 1000;
}

START_TEST(with_the_classes_mirrored_class_0_is_measured_and_each_class_has_its_verdict)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_classes(&f, 80000);
	fx_run(&f);
	c = find(&f, "class_excluded", RECONCILE_NODE_CONTAINER);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->bound, 0);
	ck_assert_uint_eq(c->in_bytes, 30000);
	ck_assert_uint_eq(c->out_bytes, 40000);
	ck_assert_msg(strstr(c->detail, "'class:0'"), "%s", c->detail);
	ck_assert_int_eq(nc(&f)->unexplained_in, 0);
	ck_assert_int_eq(nc(&f)->unexplained_out, 0);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_CONSISTENT);
	ck_assert_int_eq(f.res.by_class, RECONCILE_CLASSES_COMPARED);
	ck_assert_uint_eq(f.res.nclasses, 3);
	ck_assert_int_eq(f.res.classes[0].cls, 0);
	/* Class 0: the node bills none, the container's 30000/40000 there
	 * are class_excluded, measured: nothing left, consistent. */
	ck_assert_int_eq(f.res.classes[0].not_billed, 1);
	ck_assert_int_eq(f.res.classes[0].verdict, RECONCILE_CONSISTENT);
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_NODE_CONTAINER, f.res.classes[0].verdict),
			 "consistent");
	ck_assert_msg(strstr(f.res.classes[0].detail, "not billed") &&
		      strstr(f.res.classes[0].detail, "30000 B in, 40000 B out there are the "
						     "class_excluded cause"),
		      "%s", f.res.classes[0].detail);
	ck_assert_str_eq(f.res.classes[1].detail, "");
	ck_assert_int_eq(f.res.classes[1].cls, 1);
	ck_assert_int_eq(f.res.classes[1].verdict, RECONCILE_CONSISTENT);
	ck_assert_int_eq(f.res.classes[2].cls, 2);
	ck_assert_int_eq(f.res.classes[2].diff_out, 0);
	ck_assert_int_eq(f.res.classes[2].verdict, RECONCILE_CONSISTENT);
	fx_free(&f);
}
END_TEST

START_TEST(a_class_billed_high_is_named_by_its_own_verdict)
{
	struct fx f;

	fx_classes(&f, 84000); /* 5% more class-2 out than the container saw */
	fx_run(&f);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_A_HIGHER);
	ck_assert_int_eq(f.res.classes[1].verdict, RECONCILE_CONSISTENT);
	ck_assert_int_eq(f.res.classes[2].verdict, RECONCILE_A_HIGHER);
	ck_assert_int_eq(f.res.classes[2].diff_out, 4000);
	fx_free(&f);
}
END_TEST

START_TEST(without_class_buckets_the_services_decide_class_0_and_the_result_says_so)
{
	struct fx f;

	fx_classes(&f, 80000);
	f.in.class_seen = 0;
	fx_run(&f);
	ck_assert_ptr_null(find(&f, "class_excluded", RECONCILE_NODE_CONTAINER));
	ck_assert_int_eq(f.res.by_class, RECONCILE_CLASSES_NOT_MIRRORED);
	ck_assert_uint_eq(f.res.nclasses, 0);
	ck_assert_int_eq(nc(&f)->verdict, RECONCILE_B_HIGHER);
	fx_free(&f);
	fx_classes(&f, 80000);
	f.st.has_classes = 0;
	fx_run(&f);
	ck_assert_int_eq(f.res.by_class, RECONCILE_CLASSES_NODE_WITHOUT);
	fx_free(&f);
}
END_TEST

START_TEST(a_saturated_node_packet_count_is_estimated_from_the_containers_when_larger)
{
	struct fx f;
	const struct reconcile_cause *c;

	fx_init(&f, 100000000, 200000);
	f.st.packets_inexact = 1;
	f.st.totals.in_packets = 50000; /* stopped short */
	f.st.intervals[0].c.in_packets = 50000;
	bucket(&f, "bulk", 0, 100000000, 200000);       /* 100000 + 200 packets */
	bucket(&f, "local", RECONCILE_LOCAL, 5000000, 0); /* never through the router */
	f.in.has_router = 1;
	f.in.router_in = 100000000 + 100000 * 14;
	f.in.router_out = 200000 + 200 * 14;
	fx_run(&f);
	c = find(&f, "l2_overhead", RECONCILE_ROUTER_NODE);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->bound, 1);
	ck_assert_uint_eq(c->bound_in, 100000 * 14);
	ck_assert_uint_eq(c->in_bytes, 100000 * 14);
	ck_assert_msg(strstr(c->detail, "100000 packets in, 200 out"), "%s", c->detail);
	ck_assert_int_eq(f.res.cmp[RECONCILE_ROUTER_NODE].unexplained_in, 0);
	/* An estimate explains it, and no verdict rests on an estimate. */
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_ROUTER_NODE,
						f.res.cmp[RECONCILE_ROUTER_NODE].verdict), "inconclusive");
	fx_free(&f);
}
END_TEST

START_TEST(plesk_misses_other_services_requests_headers_and_the_default_site)
{
	struct fx f;
	const struct reconcile_cmp *p;
	uint64_t sum = 0;
	size_t n = 0;

	fx_init(&f, 400000, 900000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 700000);
	bucket(&f, "mail", 0, 200000, 100000);
	bucket(&f, "web-user-out", RECONCILE_OWNER, 100000, 100000);
	f.in.has_weblog = 1;
	f.in.weblog_bytes = 650000;
	f.in.weblog_requests = 12;
	strcpy(f.in.weblog_files, "access_log");
	f.in.has_plesk = 1;
	f.in.plesk_bytes = 600000;
	fx_run(&f);
	for (size_t i = 0; i < f.res.ncauses; i++) {
		const struct reconcile_cause *c = &f.res.causes[i];

		if (c->vs != RECONCILE_CONTAINER_PLESK)
			continue;
		ck_assert_str_eq(c->cause, "weblog_unlogged");
		sum += c->in_bytes + c->out_bytes;
		n++;
	}
	/* mail, web-user-out, web in, web headers (700000 - 650000), default site (50000). */
	ck_assert_uint_eq(n, 5);
	p = &f.res.cmp[RECONCILE_CONTAINER_PLESK];
	ck_assert_uint_eq(p->a.out_bytes, 1300000);
	ck_assert_uint_eq(sum, 1300000 - 600000);
	ck_assert_int_eq(p->unexplained_out, 0);
	ck_assert_int_eq(p->verdict, RECONCILE_CONSISTENT);
	fx_free(&f);
}
END_TEST

START_TEST(without_web_logs_the_web_bucket_responses_are_not_claimed)
{
	struct fx f;

	fx_init(&f, 100000, 700000);
	bucket(&f, "web", RECONCILE_WEB, 100000, 700000);
	f.in.has_plesk = 1;
	f.in.plesk_bytes = 600000;
	f.in.tol_bytes = 1000;
	fx_run(&f);
	/* Only the requests are claimed; the 100000 B of headers stay
	 * unexplained without the logs. */
	ck_assert_int_eq(f.res.cmp[RECONCILE_CONTAINER_PLESK].unexplained_out, 100000);
	ck_assert_str_eq(reconcile_verdict_name(RECONCILE_CONTAINER_PLESK,
						f.res.cmp[RECONCILE_CONTAINER_PLESK].verdict),
			 "container_higher");
	fx_free(&f);
}
END_TEST

START_TEST(the_chosen_intervals_are_those_at_least_half_inside)
{
	struct reconcile_span s[5] = {
		{ 0, 60000, 0, 0 }, { 60000, 120000, 0, 0 }, { 120000, 180000, 0, 0 },
		{ 180000, 240000, 0, 0 }, { 240000, 300000, 0, 0 },
	};
	size_t lo, hi;

	reconcile_choose(s, 5, 35000, 205000, &lo, &hi); /* 25 s of the first, 25 of the fourth */
	ck_assert_uint_eq(lo, 1);
	ck_assert_uint_eq(hi, 3);
	reconcile_choose(s, 5, 29000, 211000, &lo, &hi);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 4);
	reconcile_choose(s, 5, 400000, 500000, &lo, &hi);
	ck_assert_uint_eq(lo, hi);
}
END_TEST

START_TEST(a_narrower_window_sums_the_statement_intervals_inside_it)
{
	struct statement st;
	struct statement_interval iv;
	struct reconcile_counts c;
	struct ctv_err err = { "" };
	int64_t f, t;
	int hp;

	statement_init(&st, STATEMENT_CTNODE);
	strcpy(st.ct, "101");
	st.from = 0;
	st.to = 180;
	st.totals.in_bytes = 6;
	for (int i = 0; i < 3; i++) {
		memset(&iv, 0, sizeof(iv));
		iv.start = i * 60;
		iv.end = i * 60 + 60;
		iv.c.in_bytes = i + 1;
		ck_assert_int_eq(statement_add_interval(&st, &iv), 0);
	}
	statement_fill_times(&st);
	ck_assert_int_eq(reconcile_node_figure(&st, 0, 180, &c, &hp, &f, &t, &err), 0);
	ck_assert_uint_eq(c.in_bytes, 6);
	ck_assert_int_eq(reconcile_node_figure(&st, 50, 180, &c, &hp, &f, &t, &err), 0);
	ck_assert_uint_eq(c.in_bytes, 5);
	ck_assert_int_eq(f, 60000);
	ck_assert_int_eq(t, 180000);
	ck_assert_int_eq(hp, 0);
	ck_assert_int_eq(reconcile_node_figure(&st, 70, 110, &c, &hp, &f, &t, &err), -1);
	ck_assert_msg(strstr(err.msg, "no interval"), "%s", err.msg);
	st.has_intervals = 0;
	ck_assert_int_eq(reconcile_node_figure(&st, 50, 180, &c, &hp, &f, &t, &err), -1);
	ck_assert_msg(strstr(err.msg, "has no intervals"), "%s", err.msg);
	st.has_intervals = 1;
	statement_free(&st);
}
END_TEST

START_TEST(a_network_lies_within_another_only_by_family_and_prefix)
{
	uint8_t a[16] = { 0 }, n[16] = { 0 };

	inet_pton(AF_INET, "198.19.9.128", a);
	inet_pton(AF_INET, "198.19.9.0", n);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET, a, 25, AF_INET, n, 24), 1);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET, a, 25, AF_INET, n, 25), 0);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET, n, 23, AF_INET, n, 24), 0);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET6, a, 25, AF_INET, n, 24), 0);
	inet_pton(AF_INET6, "2001:db8:209::1", a);
	inet_pton(AF_INET6, "2001:db8:209::", n);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET6, a, 128, AF_INET6, n, 48), 1);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET6, a, 128, AF_INET6, n, 0), 1);
	inet_pton(AF_INET6, "2001:db8:20a::1", a);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET6, a, 128, AF_INET6, n, 47), 0);
	ck_assert_int_eq(reconcile_cidr_within(AF_INET6, a, 128, AF_INET6, n, 48), 0);
}
END_TEST

void add_reconcile_tests(Suite *s)
{
	TCase *tc = tcase_create("reconcile");

	tcase_add_test(tc, loopback_is_explained_exactly_and_names_its_bucket);
	tcase_add_test(tc, an_inflated_node_figure_is_node_higher_by_the_inflation);
	tcase_add_test(tc, a_container_counting_more_than_any_evidence_is_container_higher);
	tcase_add_test(tc, a_class_zero_bucket_is_class_excluded_and_only_with_the_flag);
	tcase_add_test(tc, a_bound_explains_only_what_is_left_in_its_own_direction);
	tcase_add_test(tc, a_bound_never_explains_a_difference_of_the_other_sign);
	tcase_add_test(tc, overlapping_reset_windows_are_counted_once);
	tcase_add_test(tc, a_reset_is_bounded_by_what_the_node_counted_in_those_seconds);
	tcase_add_test(tc, a_burst_in_the_unobserved_part_of_a_node_interval_is_within_the_reset_bound);
	tcase_add_test(tc, a_reset_without_node_intervals_is_bounded_by_the_whole_figure);
	tcase_add_test(tc, window_skew_is_bounded_by_the_edge_interval_rate);
	tcase_add_test(tc, aligned_windows_claim_no_skew);
	tcase_add_test(tc, counters_since_an_unknown_start_claim_no_skew_before_the_container);
	tcase_add_test(tc, interface_drops_are_bounded_by_the_mtu_on_their_side);
	tcase_add_test(tc, bounds_of_both_signs_are_each_taken_as_far_as_the_residual_allows);
	tcase_add_test(tc, failed_udp_and_icmp_sends_bound_qdisc_drops_by_the_mtu);
	tcase_add_test(tc, tolerance_is_the_larger_of_bytes_and_a_share_of_the_figure);
	tcase_add_test(tc, the_router_figure_is_explained_by_frame_headers_and_neighbours);
	tcase_add_test(tc, a_router_counting_on_the_wire_adds_38_bytes_a_packet);
	tcase_add_test(tc, without_node_packets_l2_overhead_counts_the_containers_and_says_so);
	tcase_add_test(tc, inexact_node_packets_make_l2_overhead_a_bound_that_says_so);
	tcase_add_test(tc, a_bound_needed_within_the_tolerance_keeps_the_verdict_consistent);
	tcase_add_test(tc, a_saturated_node_packet_count_is_estimated_from_the_containers_when_larger);
	tcase_add_test(tc, with_the_classes_mirrored_class_0_is_measured_and_each_class_has_its_verdict);
	tcase_add_test(tc, a_class_billed_high_is_named_by_its_own_verdict);
	tcase_add_test(tc, without_class_buckets_the_services_decide_class_0_and_the_result_says_so);
	tcase_add_test(tc, plesk_misses_other_services_requests_headers_and_the_default_site);
	tcase_add_test(tc, without_web_logs_the_web_bucket_responses_are_not_claimed);
	tcase_add_test(tc, the_chosen_intervals_are_those_at_least_half_inside);
	tcase_add_test(tc, a_narrower_window_sums_the_statement_intervals_inside_it);
	tcase_add_test(tc, a_network_lies_within_another_only_by_family_and_prefix);
	suite_add_tcase(s, tc);
}
