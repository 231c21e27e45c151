/* reconcile.c - decomposing the difference between two traffic figures
 * into causes with evidence. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "reconcile.h"
#include "reconcile_int.h"
#include "reconcile_plesk.h"

#define ETH_HEADER 14
#define ETH_WIRE_EXTRA (4 + 8 + 12) /* FCS, preamble + start delimiter, inter-frame gap */

void reconcile_choose(const struct reconcile_span *spans, size_t n, int64_t from_ms,
		      int64_t to_ms, size_t *lo, size_t *hi)
{
	size_t first = n, last = n;

	for (size_t i = 0; i < n; i++) {
		int64_t s = spans[i].start_ms > from_ms ? spans[i].start_ms : from_ms;
		int64_t e = spans[i].end_ms < to_ms ? spans[i].end_ms : to_ms;
		int64_t len = spans[i].end_ms - spans[i].start_ms;

		/* At least half inside; a zero-length interval counts when it
		 * lies inside. */
		if (e < s || 2 * (e - s) < len || (len == 0 && (s >= to_ms || s < from_ms)))
			continue;
		if (first == n)
			first = i;
		last = i;
	}
	if (first == n) {
		*lo = *hi = 0;
		return;
	}
	*lo = first;
	*hi = last + 1;
}

int reconcile_node_figure(const struct statement *st, int64_t from, int64_t to,
			  struct reconcile_counts *c, int *has_packets, int64_t *from_ms,
			  int64_t *to_ms, struct ctv_err *err)
{
	int64_t f = -1, t = -1;

	memset(c, 0, sizeof(*c));
	*has_packets = st->totals.has_packets;
	if (from <= st->from && to >= st->to) {
		c->in_bytes = (uint64_t)st->totals.in_bytes;
		c->out_bytes = (uint64_t)st->totals.out_bytes;
		c->in_packets = st->totals.has_packets ? (uint64_t)st->totals.in_packets : 0;
		c->out_packets = st->totals.has_packets ? (uint64_t)st->totals.out_packets : 0;
		/* The intervals say what the node really covered. */
		if (st->has_intervals && st->nintervals) {
			*from_ms = st->intervals[0].start_ms;
			*to_ms = st->intervals[st->nintervals - 1].end_ms;
		} else {
			*from_ms = st->from_ms;
			*to_ms = st->to_ms;
		}
		return 0;
	}
	if (!st->has_intervals) {
		ctv_err_set(err, "the window is narrower than the statement's and the statement "
				 "has no intervals to narrow it with");
		return -1;
	}
	for (size_t i = 0; i < st->nintervals; i++) {
		const struct statement_interval *iv = &st->intervals[i];

		if (iv->start < from || iv->end > to)
			continue;
		if (f < 0)
			f = iv->start_ms;
		t = iv->end_ms;
		c->in_bytes += (uint64_t)iv->c.in_bytes;
		c->out_bytes += (uint64_t)iv->c.out_bytes;
		if (!iv->c.has_packets)
			*has_packets = 0;
		c->in_packets += iv->c.has_packets ? (uint64_t)iv->c.in_packets : 0;
		c->out_packets += iv->c.has_packets ? (uint64_t)iv->c.out_packets : 0;
	}
	if (f < 0) {
		ctv_err_set(err, "no interval of the statement lies wholly inside the window");
		return -1;
	}
	if (!*has_packets)
		c->in_packets = c->out_packets = 0;
	*from_ms = f;
	*to_ms = t;
	return 0;
}

/* The node's figure over its aligned intervals [node_lo, node_hi). */
static void node_aligned(const struct reconcile_input *in, struct reconcile_cmp *c,
			 int *has_packets)
{
	const struct statement *st = in->node;

	if (!st->has_intervals || !st->nintervals) {
		struct ctv_err e;

		reconcile_node_figure(st, st->from, st->to, &c->a, has_packets, &c->a_from_ms,
				      &c->a_to_ms, &e);
		return;
	}
	*has_packets = 1;
	c->a_from_ms = st->intervals[in->node_lo].start_ms;
	c->a_to_ms = st->intervals[in->node_hi - 1].end_ms;
	for (size_t i = in->node_lo; i < in->node_hi; i++) {
		const struct statement_interval *iv = &st->intervals[i];

		c->a.in_bytes += (uint64_t)iv->c.in_bytes;
		c->a.out_bytes += (uint64_t)iv->c.out_bytes;
		*has_packets = *has_packets && iv->c.has_packets;
		c->a.in_packets += iv->c.has_packets ? (uint64_t)iv->c.in_packets : 0;
		c->a.out_packets += iv->c.has_packets ? (uint64_t)iv->c.out_packets : 0;
	}
	if (!*has_packets)
		c->a.in_packets = c->a.out_packets = 0;
}

int reconcile_cidr_within(int family, const uint8_t *addr, unsigned prefix, int net_family,
			  const uint8_t *net, unsigned net_prefix)
{
	unsigned full, rest;

	if (family != net_family || prefix < net_prefix)
		return 0;
	full = net_prefix / 8;
	rest = net_prefix % 8;
	if (memcmp(addr, net, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((addr[full] & mask) != (net[full] & mask))
			return 0;
	}
	return 1;
}

const char *reconcile_verdict_name(enum reconcile_versus vs, enum reconcile_verdict v)
{
	static const char *const names[RECONCILE_NCMP][2] = {
		{ "node_higher", "container_higher" },
		{ "router_higher", "node_higher" },
		{ "container_higher", "plesk_higher" },
	};

	if (v == RECONCILE_INCONCLUSIVE)
		return "inconclusive";
	if (v == RECONCILE_CONSISTENT || vs >= RECONCILE_NCMP)
		return "consistent";
	return names[vs][v == RECONCILE_A_HIGHER ? 0 : 1];
}

void reconcile_result_free(struct reconcile_result *res)
{
	free(res->causes);
	res->causes = NULL;
	res->ncauses = res->cap = 0;
}

/* ---- building causes ------------------------------------------------------ */

static struct reconcile_cause *add_cause(struct reconcile_result *res, const char *id,
					 enum reconcile_versus vs, int in_a, int bound,
					 uint64_t in, uint64_t out, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static struct reconcile_cause *add_cause(struct reconcile_result *res, const char *id,
					 enum reconcile_versus vs, int in_a, int bound,
					 uint64_t in, uint64_t out, const char *fmt, ...)
{
	struct reconcile_cause *c;
	va_list ap;

	if (res->ncauses == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 16;
		struct reconcile_cause *v = realloc(res->causes, cap * sizeof(*v));

		if (!v)
			return NULL;
		res->causes = v;
		res->cap = cap;
	}
	c = &res->causes[res->ncauses++];
	memset(c, 0, sizeof(*c));
	snprintf(c->cause, sizeof(c->cause), "%s", id);
	c->vs = vs;
	c->in_a = in_a;
	c->bound = bound;
	c->bound_in = in;
	c->bound_out = out;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

/* Applies a measured cause to a residual (a - b) of one direction: it
 * explains all of itself. Returns that amount. */
static uint64_t apply(int64_t *residual, int in_a, uint64_t amount)
{
	uint64_t take = amount > (uint64_t)INT64_MAX / 4 ? (uint64_t)INT64_MAX / 4 : amount;

	*residual = in_a ? *residual - (int64_t)take : *residual + (int64_t)take;
	return take;
}

static uint64_t scale(uint64_t bytes, int64_t part_ms, int64_t whole_ms)
{
	if (whole_ms <= 0 || part_ms <= 0)
		return 0;
	if (part_ms >= whole_ms)
		return bytes;
	return (uint64_t)((long double)bytes * (long double)part_ms / (long double)whole_ms + 0.5L);
}

static void hms(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(buf, len, "@%lld", (long long)(ms / 1000));
}

/* Bytes in [f, t) of the container's chosen spans, pro rata. */
static void spans_part(const struct reconcile_input *in, int64_t f, int64_t t, uint64_t *bin,
		       uint64_t *bout)
{
	*bin = *bout = 0;
	for (size_t i = in->span_lo; i < in->span_hi; i++) {
		const struct reconcile_span *s = &in->spans[i];
		int64_t a = s->start_ms > f ? s->start_ms : f;
		int64_t b = s->end_ms < t ? s->end_ms : t;

		*bin += scale(s->in_bytes, b - a, s->end_ms - s->start_ms);
		*bout += scale(s->out_bytes, b - a, s->end_ms - s->start_ms);
	}
}

/* Bytes in [f, t) the node counted: its intervals pro rata, or (without
 * intervals) its average rate. */
static void node_part(const struct reconcile_input *in, const struct reconcile_counts *n,
		      int64_t nf, int64_t nt, int64_t f, int64_t t, uint64_t *bin, uint64_t *bout)
{
	const struct statement *st = in->node;

	*bin = *bout = 0;
	if (st->has_intervals && st->nintervals) {
		for (size_t i = 0; i < st->nintervals; i++) {
			const struct statement_interval *iv = &st->intervals[i];
			int64_t s = iv->start_ms, e = iv->end_ms;
			int64_t a = s > f ? s : f, b = e < t ? e : t;

			*bin += scale((uint64_t)iv->c.in_bytes, b - a, e - s);
			*bout += scale((uint64_t)iv->c.out_bytes, b - a, e - s);
		}
		return;
	}
	*bin = scale(n->in_bytes, t - f, nt - nf);
	*bout = scale(n->out_bytes, t - f, nt - nf);
}

static int window_skew(const struct reconcile_input *in, struct reconcile_result *res,
		       const struct reconcile_cmp *nc)
{
	/* Per side: [0] the container covers more, [1] the node covers more. */
	uint64_t bin[2] = { 0, 0 }, bout[2] = { 0, 0 };
	char what[2][RECONCILE_DETAIL_MAX] = { "", "" };
	int64_t nf = nc->a_from_ms, nt = nc->a_to_ms, cf = nc->b_from_ms, ct = nc->b_to_ms;
	char t1[32];

	if (cf == nf && ct == nt)
		return 0;
	for (int edge = 0; edge < 2; edge++) {
		/* start edge: the container extends earlier when cf < nf;
		 * end edge: when ct > nt. */
		int64_t f = edge ? (ct < nt ? ct : nt) : (cf < nf ? cf : nf);
		int64_t t = edge ? (ct < nt ? nt : ct) : (cf < nf ? nf : cf);
		int cont_more = edge ? ct > nt : cf < nf;
		int side = cont_more ? 0 : 1;
		uint64_t i = 0, o = 0;
		size_t used;

		if (t - f < 1)
			continue;
		/* A statement of counters since an unknown start (vznetstat
		 * output without --from says 0) has no rate to bound with. */
		if (!cont_more && !edge && nf <= 0 &&
		    !(in->node->has_intervals && in->node->nintervals))
			continue;
		if (cont_more)
			spans_part(in, f, t, &i, &o);
		else
			node_part(in, &nc->a, nf, nt, f, t, &i, &o);
		if (i == 0 && o == 0)
			continue;
		bin[side] += i;
		bout[side] += o;
		hms(edge ? (cont_more ? nt : ct) : (cont_more ? nf : cf), t1, sizeof(t1));
		used = strlen(what[side]);
		snprintf(what[side] + used, sizeof(what[side]) - used,
			 "%s%s %s %.3f s %s %s (%s); at the %s rate there: %" PRIu64 " B in, %" PRIu64
			 " B out",
			 used ? "; " : "", cont_more ? "the container's intervals" : "the node's window",
			 cont_more ? (edge ? "end" : "start") : (edge ? "ends" : "starts"),
			 (double)(t - f) / 1000.0, edge ? "after" : "before",
			 cont_more ? (edge ? "the node's end" : "the node's start") :
				     (edge ? "the container's end" : "the container's start"),
			 t1, cont_more ? "container interval's" : "node's", i, o);
	}
	for (int side = 0; side < 2; side++) {
		if (!bin[side] && !bout[side])
			continue;
		if (!add_cause(res, "window_skew", RECONCILE_NODE_CONTAINER, side, 1, bin[side],
			       bout[side], "up to %" PRIu64 " B in, %" PRIu64 " B out: %s", bin[side],
			       bout[side], what[side]))
			return -1;
	}
	return 0;
}

/* What the node counted in the intervals of its figure that meet [f, t)
 * (ms), each interval whole and once: those before *next were taken for
 * an earlier window (windows come in time order, disjoint). However the
 * traffic fell inside an interval, the node counted no more than that
 * there, so the container can have missed no more of what the node
 * bills: an upper bound, where a share of the interval by time would be
 * an estimate (a burst in the part that overlaps is not a share). A
 * statement without intervals is one interval. Adds to *bin, *bout and
 * *used (intervals taken). */
static void node_whole(const struct reconcile_input *in, const struct reconcile_cmp *nc,
		       int64_t f, int64_t t, size_t *next, uint64_t *bin, uint64_t *bout,
		       size_t *used)
{
	const struct statement *st = in->node;

	if (!st->has_intervals || !st->nintervals) {
		if (!*next && f < nc->a_to_ms && t > nc->a_from_ms) {
			*bin += nc->a.in_bytes;
			*bout += nc->a.out_bytes;
			*next = 1;
			++*used;
		}
		return;
	}
	for (; *next < st->nintervals; ++*next) {
		const struct statement_interval *iv = &st->intervals[*next];

		if (iv->start_ms >= t)
			break;
		if (iv->end_ms <= f || iv->start_ms < nc->a_from_ms || iv->end_ms > nc->a_to_ms)
			continue;
		*bin += (uint64_t)iv->c.in_bytes;
		*bout += (uint64_t)iv->c.out_bytes;
		++*used;
	}
}

static int cmp_by_from(const void *a, const void *b)
{
	const struct reconcile_gap *x = a, *y = b;

	return (x->from_ms > y->from_ms) - (x->from_ms < y->from_ms);
}

static int counter_reset(const struct reconcile_input *in, struct reconcile_result *res,
			 const struct reconcile_cmp *nc)
{
	struct reconcile_gap *g;
	int64_t cf = nc->b_from_ms, ct = nc->b_to_ms, covered = nc->a_to_ms - nc->a_from_ms;
	int64_t unobserved = 0, end = INT64_MIN;
	size_t n = 0, next = 0, taken = 0;
	char what[RECONCILE_DETAIL_MAX] = "", whole[128];
	uint64_t bi = 0, bo = 0;

	if (!in->ngaps || covered <= 0)
		return 0;
	g = malloc(in->ngaps * sizeof(*g));
	if (!g)
		return -1;
	memcpy(g, in->gaps, in->ngaps * sizeof(*g));
	qsort(g, in->ngaps, sizeof(*g), cmp_by_from);
	/* The union of the windows inside the container's coverage: several
	 * series reset in one interval lose that interval once. */
	for (size_t i = 0; i < in->ngaps; i++) {
		int64_t f = g[i].from_ms > cf ? g[i].from_ms : cf;
		int64_t t = g[i].to_ms < ct ? g[i].to_ms : ct;

		if (f < end)
			f = end;
		if (t <= f)
			continue;
		unobserved += t - f;
		end = t;
		node_whole(in, nc, f, t, &next, &bi, &bo, &taken);
		if (n++ < 3) {
			char t1[32];
			size_t used = strlen(what);

			hms(g[i].from_ms, t1, sizeof(t1));
			snprintf(what + used, sizeof(what) - used, "%sstore event '%s'%s%s%s at %s (%.1f s)",
				 used ? ", " : "", g[i].kind, g[i].key[0] ? " of bucket '" : "",
				 g[i].key, g[i].key[0] ? "'" : "", t1, (double)(t - f) / 1000.0);
		}
	}
	free(g);
	if (!unobserved)
		return 0;
	if (n > 3) {
		size_t len = strlen(what);

		snprintf(what + len, sizeof(what) - len, " and %zu more", n - 3);
	}
	if (in->node->has_intervals && in->node->nintervals)
		snprintf(whole, sizeof(whole), "the %zu interval%s of its figure meeting those "
			 "seconds, each whole (however the traffic fell inside)", taken,
			 taken == 1 ? "" : "s");
	else
		snprintf(whole, sizeof(whole), "its whole window (the statement has no intervals)");
	if (!add_cause(res, "counter_reset", RECONCILE_NODE_CONTAINER, 1, 1, bi, bo,
		       "up to %" PRIu64 " B in, %" PRIu64 " B out: %.1f s unobserved by the container's "
		       "counters (%s); what the node counted in %s",
		       bi, bo, (double)unobserved / 1000.0, what, whole))
		return -1;
	return 0;
}

/* What would make an inconclusive check conclusive, for the bound that
 * was needed most. */
static void advise(const struct reconcile_input *in, struct reconcile_result *res,
		   enum reconcile_versus vs)
{
	struct reconcile_cmp *c = &res->cmp[vs];
	const struct reconcile_cause *worst = NULL;
	uint64_t most = 0, tol = 0, fig = 0;
	int64_t len = c->a_to_ms - c->a_from_ms;
	const char *what;
	char longer[96] = "";

	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *x = &res->causes[i];
		uint64_t need = x->in_bytes > x->out_bytes ? x->in_bytes : x->out_bytes;

		if (x->vs == vs && x->bound && need > most) {
			most = need;
			worst = x;
		}
	}
	if (!worst)
		return;
	tol = worst->in_bytes > worst->out_bytes ? c->tol_in : c->tol_out;
	fig = worst->in_bytes > worst->out_bytes ? c->a.in_bytes : c->a.out_bytes;
	/* The tolerance grows with the figure, the edges' bound does not. */
	if (in->tol_ppm && fig && len > 0)
		snprintf(longer, sizeof(longer),
			 ", or a window longer than %.0f s (at this window's rate)", (double)len / 1000.0 * (double)most / ((double)fig * in->tol_ppm / 1e6) + 1);
	if (!strcmp(worst->cause, "window_skew"))
		what = "compare whole intervals present on both sides: keep 'ctnode collect' and "
		       "'ctverify collect' running over the window with the same --interval";
	else if (!strcmp(worst->cause, "counter_reset"))
		what = "choose a window the container observed throughout ('ctverify collect' "
		       "running, no reinstall or table loss inside it)";
	else
		what = "choose a window without these drops or estimates";
	snprintf(c->advice, sizeof(c->advice),
		 "the difference is within the tolerance (%" PRIu64 " B) only thanks to '%s', "
		 "an \"up to\" bound of which %" PRIu64 " B were needed: %s%s",
		 tol, worst->cause, most, what, longer);
}

static void tolerance(const struct reconcile_input *in, struct reconcile_cmp *c)
{
	uint64_t mi = c->a.in_bytes > c->b.in_bytes ? c->a.in_bytes : c->b.in_bytes;
	uint64_t mo = c->a.out_bytes > c->b.out_bytes ? c->a.out_bytes : c->b.out_bytes;
	uint64_t ti = (uint64_t)((long double)mi * in->tol_ppm / 1e6L);
	uint64_t to = (uint64_t)((long double)mo * in->tol_ppm / 1e6L);
	int64_t ui = c->unexplained_in < 0 ? -c->unexplained_in : c->unexplained_in;
	int64_t uo = c->unexplained_out < 0 ? -c->unexplained_out : c->unexplained_out;
	int64_t over_i, over_o;

	c->tol_in = ti > in->tol_bytes ? ti : in->tol_bytes;
	c->tol_out = to > in->tol_bytes ? to : in->tol_bytes;
	over_i = ui - (int64_t)(c->tol_in > INT64_MAX / 2 ? INT64_MAX / 2 : c->tol_in);
	over_o = uo - (int64_t)(c->tol_out > INT64_MAX / 2 ? INT64_MAX / 2 : c->tol_out);
	if (over_i <= 0 && over_o <= 0)
		c->verdict = c->bounded_in > c->tol_in || c->bounded_out > c->tol_out ?
				     RECONCILE_INCONCLUSIVE : RECONCILE_CONSISTENT;
	else if (over_i >= over_o)
		c->verdict = c->unexplained_in > 0 ? RECONCILE_A_HIGHER : RECONCILE_B_HIGHER;
	else
		c->verdict = c->unexplained_out > 0 ? RECONCILE_A_HIGHER : RECONCILE_B_HIGHER;
}

static int64_t diff(uint64_t a, uint64_t b)
{
	long double d = (long double)a - (long double)b;

	if (d > (long double)(INT64_MAX / 2))
		return INT64_MAX / 2;
	if (d < -(long double)(INT64_MAX / 2))
		return -(INT64_MAX / 2);
	return (int64_t)a - (int64_t)b;
}

static uint64_t capped(uint64_t v)
{
	return v > (uint64_t)INT64_MAX / 4 ? (uint64_t)INT64_MAX / 4 : v;
}

/* Bounds of one direction against what the measured causes left (r):
 * bounds raising the first figure (in_a) and bounds raising the second
 * may both be real (the container missed traffic while its table was
 * gone AND a shaper dropped other traffic after counting it), and only
 * their net shows in r. Each side is taken as far as the other side and
 * r allow, so that pos - neg = r whenever the bounds can reach it; what
 * they cannot reach stays unexplained. Within a side, bounds take their
 * share in list order. */
static void settle_bounds(struct reconcile_result *res, enum reconcile_versus vs, int out,
			  int64_t *r)
{
	uint64_t pos_max = 0, neg_max = 0, pos, neg;

	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *x = &res->causes[i];
		uint64_t b = capped(out ? x->bound_out : x->bound_in);

		if (x->vs != vs || !x->bound)
			continue;
		if (x->in_a)
			pos_max += b;
		else
			neg_max += b;
	}
	pos_max = capped(pos_max);
	neg_max = capped(neg_max);
	if (*r >= 0) {
		pos = (uint64_t)*r + neg_max < pos_max ? (uint64_t)*r + neg_max : pos_max;
		neg = pos > (uint64_t)*r ? pos - (uint64_t)*r : 0;
	} else {
		neg = (uint64_t)-*r + pos_max < neg_max ? (uint64_t)-*r + pos_max : neg_max;
		pos = neg > (uint64_t)-*r ? neg - (uint64_t)-*r : 0;
	}
	*r = *r - (int64_t)pos + (int64_t)neg;
	for (size_t i = 0; i < res->ncauses; i++) {
		struct reconcile_cause *x = &res->causes[i];
		uint64_t b = capped(out ? x->bound_out : x->bound_in);
		uint64_t *left = x->in_a ? &pos : &neg;
		uint64_t take;

		if (x->vs != vs || !x->bound)
			continue;
		take = b < *left ? b : *left;
		*left -= take;
		if (out)
			x->out_bytes = take;
		else
			x->in_bytes = take;
	}
}

/* Measured causes first, then bounds, so a bound only takes what the
 * evidence that counts exactly has not explained. */
static void settle(const struct reconcile_input *in, struct reconcile_result *res,
		   enum reconcile_versus vs)
{
	struct reconcile_cmp *c = &res->cmp[vs];

	c->unexplained_in = diff(c->a.in_bytes, c->b.in_bytes);
	c->unexplained_out = diff(c->a.out_bytes, c->b.out_bytes);
	for (size_t i = 0; i < res->ncauses; i++) {
		struct reconcile_cause *x = &res->causes[i];

		if (x->vs != vs || x->bound)
			continue;
		if (vs == RECONCILE_CONTAINER_PLESK) {
			/* One total: both directions explain the same residual. */
			x->in_bytes = apply(&c->unexplained_out, x->in_a, x->bound_in);
			x->out_bytes = apply(&c->unexplained_out, x->in_a, x->bound_out);
		} else {
			x->in_bytes = apply(&c->unexplained_in, x->in_a, x->bound_in);
			x->out_bytes = apply(&c->unexplained_out, x->in_a, x->bound_out);
		}
	}
	if (vs != RECONCILE_CONTAINER_PLESK) { /* that comparison has no bounds */
		settle_bounds(res, vs, 0, &c->unexplained_in);
		settle_bounds(res, vs, 1, &c->unexplained_out);
	}
	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *x = &res->causes[i];

		if (x->vs != vs || !x->bound)
			continue;
		c->uncertain_in = capped(c->uncertain_in + capped(x->bound_in));
		c->uncertain_out = capped(c->uncertain_out + capped(x->bound_out));
		c->bounded_in += x->in_bytes;
		c->bounded_out += x->out_bytes;
	}
	tolerance(in, c);
	if (c->verdict == RECONCILE_INCONCLUSIVE)
		advise(in, res, vs);
}

static int buckets_cause(const struct reconcile_input *in, struct reconcile_result *res,
			 unsigned flag, const char *id, enum reconcile_versus vs, int in_a, int bound,
			 const char *why)
{
	for (size_t i = 0; i < in->nbuckets; i++) {
		const struct reconcile_bucket *b = &in->buckets[i];

		if (!(b->flags & flag) || (!b->c.in_bytes && !b->c.out_bytes))
			continue;
		if (!add_cause(res, id, vs, in_a, bound, b->c.in_bytes, b->c.out_bytes,
			       "%sstore bucket '%s'%s%s%s: %" PRIu64 " B in, %" PRIu64 " B out (%" PRIu64
			       " + %" PRIu64 " packets); %s",
			       bound ? "up to: " : "", b->name, b->why[0] ? " (" : "", b->why,
			       b->why[0] ? ")" : "", b->c.in_bytes, b->c.out_bytes, b->c.in_packets,
			       b->c.out_packets, why))
			return -1;
	}
	return 0;
}

/* One class's verdict: within the tolerance; beyond it but within what
 * the whole comparison's bounds leave uncertain, inconclusive. */
static void class_verdict(const struct reconcile_input *in, const struct reconcile_cmp *nc,
			  struct reconcile_class *k)
{
	uint64_t mi = k->node.in_bytes > k->container.in_bytes ? k->node.in_bytes :
								 k->container.in_bytes;
	uint64_t mo = k->node.out_bytes > k->container.out_bytes ? k->node.out_bytes :
								   k->container.out_bytes;
	uint64_t ai = (uint64_t)(k->diff_in < 0 ? -k->diff_in : k->diff_in);
	uint64_t ao = (uint64_t)(k->diff_out < 0 ? -k->diff_out : k->diff_out);
	int64_t big;

	k->tol_in = (uint64_t)((long double)mi * in->tol_ppm / 1e6L);
	k->tol_out = (uint64_t)((long double)mo * in->tol_ppm / 1e6L);
	k->tol_in = k->tol_in > in->tol_bytes ? k->tol_in : in->tol_bytes;
	k->tol_out = k->tol_out > in->tol_bytes ? k->tol_out : in->tol_bytes;
	if (ai <= k->tol_in && ao <= k->tol_out) {
		k->verdict = RECONCILE_CONSISTENT;
		return;
	}
	/* What the node counted outside the window is in its classes too. */
	if (ai <= k->tol_in + nc->uncertain_in + ((uint64_t)in->node->totals.in_bytes - nc->a.in_bytes) &&
	    ao <= k->tol_out + nc->uncertain_out + ((uint64_t)in->node->totals.out_bytes - nc->a.out_bytes)) {
		k->verdict = RECONCILE_INCONCLUSIVE;
		return;
	}
	big = (int64_t)ai - (int64_t)capped(k->tol_in) >= (int64_t)ao - (int64_t)capped(k->tol_out) ?
		      k->diff_in : k->diff_out;
	k->verdict = big > 0 ? RECONCILE_A_HIGHER : RECONCILE_B_HIGHER;
}

/* Class by class, when the statement has classes for this window and the
 * container mirrors them: each class of either side, in class order. */
static void by_class(const struct reconcile_input *in, struct reconcile_result *res)
{
	const struct statement *st = in->node;
	const struct reconcile_cmp *nc = &res->cmp[RECONCILE_NODE_CONTAINER];

	if (!in->class_seen) {
		res->by_class = RECONCILE_CLASSES_NOT_MIRRORED;
		return;
	}
	if (!st->has_classes) {
		res->by_class = RECONCILE_CLASSES_NODE_WITHOUT;
		return;
	}
	/* The statement's classes are totals over its whole window: they
	 * stand for a narrower one only when what the node counted outside
	 * it is within the tolerance (idle edges). */
	if ((uint64_t)st->totals.in_bytes - nc->a.in_bytes > nc->tol_in ||
	    (uint64_t)st->totals.out_bytes - nc->a.out_bytes > nc->tol_out) {
		res->by_class = RECONCILE_CLASSES_NARROWER;
		return;
	}
	res->by_class = RECONCILE_CLASSES_COMPARED;
	for (int cls = 0; cls < STATEMENT_CLASSES; cls++) {
		struct reconcile_class *k = &res->classes[res->nclasses];

		memset(k, 0, sizeof(*k));
		k->cls = cls;
		for (size_t i = 0; i < st->nclasses; i++) {
			const struct statement_class *sc = &st->classes[i];

			if (sc->id != cls)
				continue;
			k->node_has = 1;
			k->node.in_bytes = (uint64_t)sc->c.in_bytes;
			k->node.out_bytes = (uint64_t)sc->c.out_bytes;
			k->node.in_packets = sc->c.has_packets ? (uint64_t)sc->c.in_packets : 0;
			k->node.out_packets = sc->c.has_packets ? (uint64_t)sc->c.out_packets : 0;
		}
		k->container_has = !!(in->class_seen & (1u << cls));
		if (!k->node_has && !k->container_has)
			continue;
		k->container = in->class_c[cls];
		k->diff_in = diff(k->node.in_bytes, k->container.in_bytes);
		k->diff_out = diff(k->node.out_bytes, k->container.out_bytes);
		/* Class 0 the node bills none of: what the container counted
		 * there is the class_excluded cause, measured, all of it. */
		k->not_billed = cls == 0 && (!k->node_has || (!k->node.in_bytes && !k->node.out_bytes));
		if (k->not_billed) {
			k->verdict = RECONCILE_CONSISTENT;
			snprintf(k->detail, sizeof(k->detail),
				 "not billed: the node accounts nothing of class 0 (%s); the container's "
				 "%" PRIu64 " B in, %" PRIu64 " B out there are the class_excluded cause, "
				 "measured", k->node_has ? "0 B in its statement" : "none in its statement",
				 k->container.in_bytes, k->container.out_bytes);
		} else {
			class_verdict(in, nc, k);
		}
		res->nclasses++;
	}
}

static int node_vs_container(const struct reconcile_input *in, struct reconcile_result *res,
			     struct ctv_err *err)
{
	struct reconcile_cmp *c = &res->cmp[RECONCILE_NODE_CONTAINER];
	int has_packets;

	if (in->aligned)
		node_aligned(in, c, &has_packets);
	else if (reconcile_node_figure(in->node, in->from, in->to, &c->a, &has_packets,
				       &c->a_from_ms, &c->a_to_ms, err) < 0)
		return -1;
	c->present = 1;
	for (size_t i = 0; i < in->nbuckets; i++) {
		c->b.in_bytes += in->buckets[i].c.in_bytes;
		c->b.in_packets += in->buckets[i].c.in_packets;
		c->b.out_bytes += in->buckets[i].c.out_bytes;
		c->b.out_packets += in->buckets[i].c.out_packets;
	}
	if (in->span_lo < in->span_hi) {
		c->b_from_ms = in->spans[in->span_lo].start_ms;
		c->b_to_ms = in->spans[in->span_hi - 1].end_ms;
	} else {
		c->b_from_ms = c->a_from_ms;
		c->b_to_ms = c->a_to_ms;
	}
	if (buckets_cause(in, res, RECONCILE_LOCAL, "loopback", RECONCILE_NODE_CONTAINER, 0, 0,
			  "traffic on lo never leaves the container, the node never sees it") < 0)
		return -1;
	/* With the classes mirrored, class 0 is measured by its own bucket;
	 * else by the services whose peers all lie in class 0. */
	if (in->class_seen & 1u) {
		const struct reconcile_counts *z = &in->class_c[0];

		if ((z->in_bytes || z->out_bytes) &&
		    !add_cause(res, "class_excluded", RECONCILE_NODE_CONTAINER, 0, 0, z->in_bytes,
			       z->out_bytes, "store bucket 'class:0' (the container's mirror of the "
			       "node's class 0): %" PRIu64 " B in, %" PRIu64 " B out (%" PRIu64 " + %"
			       PRIu64 " packets); class 0 is not accounted by the node", z->in_bytes,
			       z->out_bytes, z->in_packets, z->out_packets))
			return -1;
	} else if (buckets_cause(in, res, RECONCILE_CLASS0, "class_excluded",
				 RECONCILE_NODE_CONTAINER, 0, 0,
				 "class 0 is not accounted by the node") < 0) {
		return -1;
	}
	if (in->has_drops && in->tx_dropped &&
	    !add_cause(res, "container_qdisc_drop", RECONCILE_NODE_CONTAINER, 0, 1, 0,
		       in->tx_dropped * in->mtu,
		       "up to %" PRIu64 " B out: %" PRIu64 " packets dropped on transmit by %s "
		       "(tx_dropped) after the container's last hook counted them, at most %u B each (MTU)",
		       in->tx_dropped * in->mtu, in->tx_dropped, in->drop_ifaces, in->mtu))
		return -1;
	if (in->has_snmp && (in->udp_sndbuf_errors || in->icmp_out_errors) &&
	    !add_cause(res, "container_qdisc_drop", RECONCILE_NODE_CONTAINER, 0, 1, 0,
		       (in->udp_sndbuf_errors + in->icmp_out_errors) * in->mtu,
		       "up to %" PRIu64 " B out: %" PRIu64 " UDP datagrams and %" PRIu64 " ICMP messages "
		       "failed to send (Udp.SndbufErrors, Icmp.OutErrors): a qdisc drop after the "
		       "container's last hook counts there (so does a full send buffer, before it), "
		       "at most %u B each (MTU)",
		       (in->udp_sndbuf_errors + in->icmp_out_errors) * in->mtu, in->udp_sndbuf_errors,
		       in->icmp_out_errors, in->mtu))
		return -1;
	if (in->has_drops && in->rx_dropped &&
	    !add_cause(res, "pre_container_drop", RECONCILE_NODE_CONTAINER, 1, 1,
		       in->rx_dropped * in->mtu, 0,
		       "up to %" PRIu64 " B in: %" PRIu64 " packets dropped on receive by %s "
		       "(rx_dropped) before the container's first hook, at most %u B each (MTU)",
		       in->rx_dropped * in->mtu, in->rx_dropped, in->drop_ifaces, in->mtu))
		return -1;
	/* Bounds are applied in list order: the named unobserved windows
	 * before the edges' rate estimate. */
	if (counter_reset(in, res, c) < 0 || window_skew(in, res, c) < 0)
		return -1;
	settle(in, res, RECONCILE_NODE_CONTAINER);
	by_class(in, res);
	return 0;
}

/* The container's packets of what leaves it towards the router:
 * loopback, class-0 and neighbour buckets left out. */
static void container_packets(const struct reconcile_input *in, uint64_t *pin, uint64_t *pout)
{
	*pin = *pout = 0;
	for (size_t i = 0; i < in->nbuckets; i++) {
		if (in->buckets[i].flags & (RECONCILE_LOCAL | RECONCILE_CLASS0 | RECONCILE_NEIGHBOR))
			continue;
		*pin += in->buckets[i].c.in_packets;
		*pout += in->buckets[i].c.out_packets;
	}
}

static int router_vs_node(const struct reconcile_input *in, struct reconcile_result *res)
{
	struct reconcile_cmp *c = &res->cmp[RECONCILE_ROUTER_NODE];
	const struct reconcile_cmp *nc = &res->cmp[RECONCILE_NODE_CONTAINER];
	uint64_t pin = nc->a.in_packets, pout = nc->a.out_packets;
	const char *src = "the node's packet counts";
	unsigned per = in->router_l2 == RECONCILE_L2_WIRE ? ETH_HEADER + ETH_WIRE_EXTRA : ETH_HEADER;
	/* Packets that wrap or saturate (Virtuozzo's 32-bit counters) are
	 * an estimate: the cause becomes a bound, never a measurement. */
	int estimate = in->node->totals.has_packets && in->node->packets_inexact;
	char up_to[96] = "";

	c->present = 1;
	c->a.in_bytes = in->router_in;
	c->a.out_bytes = in->router_out;
	c->b = nc->a;
	c->b_from_ms = nc->a_from_ms;
	c->b_to_ms = nc->a_to_ms;
	if (!in->node->totals.has_packets) {
		/* The node gave bytes only: the container's packets of what
		 * leaves it are the next best evidence. */
		container_packets(in, &pin, &pout);
		src = "the container's packet counts (the statement has no packets), "
		      "loopback, class-0 and neighbour buckets left out";
	} else if (estimate) {
		uint64_t cin, cout;

		/* A saturated count is short of the truth; the container's
		 * own counters are exact for what crossed its edge. */
		container_packets(in, &cin, &cout);
		pin = cin > pin ? cin : pin;
		pout = cout > pout ? cout : pout;
		src = "an estimate: the statement's packets are not exact (packets_exact false; "
		      "Virtuozzo's 32-bit counters saturate at 2^31-1): per direction the larger "
		      "of the node's and the container's, loopback, class-0 and neighbour "
		      "buckets left out";
	}
	if (estimate)
		snprintf(up_to, sizeof(up_to), "up to %" PRIu64 " B in, %" PRIu64 " B out: ",
			 pin * per, pout * per);
	if (in->router_l2 != RECONCILE_L2_NONE && (pin || pout) &&
	    !add_cause(res, "l2_overhead", RECONCILE_ROUTER_NODE, 1, estimate, pin * per, pout * per,
		       "%s%" PRIu64 " packets in, %" PRIu64 " out (%s) x %u B: %s", up_to, pin, pout,
		       src, per,
		       in->router_l2 == RECONCILE_L2_WIRE ?
			       "the router counts on the wire: 14 B Ethernet header + 4 B FCS + 8 B "
			       "preamble + 12 B inter-frame gap per packet; the node counts L3 bytes" :
			       "the router counts frames as interface statistics do: 14 B Ethernet "
			       "header per packet, no FCS or preamble; the node counts L3 bytes"))
		return -1;
	if (buckets_cause(in, res, RECONCILE_NEIGHBOR, "neighbor", RECONCILE_ROUTER_NODE, 0, 0,
			  "between containers of the same node: the node counts it, it never "
			  "reaches the router") < 0)
		return -1;
	if (in->class_seen & 1u) {
		const struct reconcile_counts *z = &in->class_c[0];

		if ((z->in_bytes || z->out_bytes) &&
		    !add_cause(res, "class_excluded", RECONCILE_ROUTER_NODE, 1, 1, z->in_bytes,
			       z->out_bytes, "up to: store bucket 'class:0' (the container's mirror of "
			       "the node's class 0): %" PRIu64 " B in, %" PRIu64 " B out; class 0 is not "
			       "accounted by the node; the router counts it if those networks are "
			       "reached through it", z->in_bytes, z->out_bytes))
			return -1;
	} else if (buckets_cause(in, res, RECONCILE_CLASS0, "class_excluded", RECONCILE_ROUTER_NODE,
				 1, 1, "class 0 is not accounted by the node; the router counts it if "
				 "those networks are reached through it") < 0) {
		return -1;
	}
	settle(in, res, RECONCILE_ROUTER_NODE);
	return 0;
}

static int container_vs_plesk(const struct reconcile_input *in, struct reconcile_result *res)
{
	struct reconcile_cmp *c = &res->cmp[RECONCILE_CONTAINER_PLESK];
	const struct reconcile_cmp *nc = &res->cmp[RECONCILE_NODE_CONTAINER];
	uint64_t web_out = 0, web_in = 0;
	char webs[RECONCILE_WHY_MAX] = "";

	if (in->plesk) /* --plesk FILE: column by column */
		return reconcile_plesk_explain(in, res);
	c->present = 1;
	c->a.out_bytes = nc->b.in_bytes + nc->b.out_bytes;
	c->b.out_bytes = in->has_plesk ? in->plesk_bytes : in->weblog_bytes;
	c->a_from_ms = nc->b_from_ms;
	c->a_to_ms = nc->b_to_ms;
	for (size_t i = 0; i < in->nbuckets; i++) {
		const struct reconcile_bucket *b = &in->buckets[i];
		const char *why;

		if (b->flags & RECONCILE_WEB) {
			size_t used = strlen(webs);

			web_in += b->c.in_bytes;
			web_out += b->c.out_bytes;
			snprintf(webs + used, sizeof(webs) - used, "%s'%s'", used ? ", " : "", b->name);
			continue;
		}
		if (!b->c.in_bytes && !b->c.out_bytes)
			continue;
		if (b->flags & RECONCILE_LOCAL)
			why = "loopback: never a request to a site";
		else if (b->flags & RECONCILE_OWNER)
			why = "connections opened by a local user (the web user's outbound "
			      "connections: CGI, PHP, updates) are not requests to a site";
		else
			why = "not the web server's ports: web logs never see it";
		if (!add_cause(res, "weblog_unlogged", RECONCILE_CONTAINER_PLESK, 1, 0, b->c.in_bytes,
			       b->c.out_bytes,
			       "store bucket '%s'%s%s%s: %" PRIu64 " B in, %" PRIu64 " B out; %s", b->name,
			       b->why[0] ? " (" : "", b->why, b->why[0] ? ")" : "", b->c.in_bytes,
			       b->c.out_bytes, why))
			return -1;
	}
	if (web_in &&
	    !add_cause(res, "weblog_unlogged", RECONCILE_CONTAINER_PLESK, 1, 0, web_in, 0,
		       "web bucket(s) %s: %" PRIu64 " B in: requests, uploads and TCP/IP headers "
		       "towards the web server; logs record response sizes only", webs, web_in))
		return -1;
	if (in->has_weblog && web_out > in->weblog_bytes &&
	    !add_cause(res, "weblog_unlogged", RECONCILE_CONTAINER_PLESK, 1, 0, 0,
		       web_out - in->weblog_bytes,
		       "web bucket(s) %s: %" PRIu64 " B out, of which %" PRIu64 " B are response "
		       "bodies logged in %s (%" PRIu64 " requests); the rest is HTTP headers, TLS and "
		       "TCP/IP overhead", webs, web_out, in->weblog_bytes, in->weblog_files,
		       in->weblog_requests))
		return -1;
	if (in->has_weblog && in->has_plesk && in->weblog_bytes > in->plesk_bytes &&
	    !add_cause(res, "weblog_unlogged", RECONCILE_CONTAINER_PLESK, 1, 0, 0,
		       in->weblog_bytes - in->plesk_bytes,
		       "%s log %" PRIu64 " B of responses, the Plesk figure is %" PRIu64 " B: "
		       "requests to sites Plesk does not count (the default site, names without a "
		       "domain)", in->weblog_files, in->weblog_bytes, in->plesk_bytes))
		return -1;
	settle(in, res, RECONCILE_CONTAINER_PLESK);
	return 0;
}

int reconcile_run(const struct reconcile_input *in, struct reconcile_result *res,
		  struct ctv_err *err)
{
	memset(res, 0, sizeof(*res));
	if (node_vs_container(in, res, err) < 0)
		goto fail;
	if (in->has_router && router_vs_node(in, res) < 0)
		goto nomem;
	if ((in->has_plesk || in->has_weblog) && container_vs_plesk(in, res) < 0)
		goto nomem;
	return 0;
nomem:
	ctv_err_sys(err, ENOMEM, "reconcile");
	errno = ENOMEM;
fail:
	return -1;
}

/* ---- lent to reconcile_plesk.c (reconcile_int.h) ---------------------------- */

struct reconcile_cause *reconcile_cause_add(struct reconcile_result *res, const char *id,
					    enum reconcile_versus vs, int in_a, int bound,
					    uint64_t in, uint64_t out, const char *detail)
{
	return add_cause(res, id, vs, in_a, bound, in, out, "%s", detail);
}

void reconcile_settle(const struct reconcile_input *in, struct reconcile_result *res,
		      enum reconcile_versus vs)
{
	settle(in, res, vs);
}
