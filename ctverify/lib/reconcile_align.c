/* reconcile_align.c - the largest window of whole intervals present on
 * both sides (reconcile_align.h). */
#include "config.h"

#include <string.h>

#include "reconcile_align.h"

#define MATCH_SLACK_MS 100

void reconcile_window_ms(const struct statement *st, int64_t from, int64_t to, int64_t *from_ms,
			 int64_t *to_ms)
{
	*from_ms = from <= st->from ? st->from_ms : from * 1000;
	*to_ms = to >= st->to ? st->to_ms : to * 1000;
}

/* The node's interval i, or the whole statement when it has none. */
static void node_iv(const struct statement *st, size_t i, int64_t *s, int64_t *e)
{
	if (st->has_intervals && st->nintervals) {
		*s = st->intervals[i].start_ms;
		*e = st->intervals[i].end_ms;
	} else {
		*s = st->from_ms;
		*e = st->to_ms;
	}
}

/* The span whose start (ends: end) is nearest t; spans are in time order,
 * so both are sorted. */
static size_t nearest(const struct reconcile_span *spans, size_t n, int64_t t, int ends)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((ends ? spans[mid].end_ms : spans[mid].start_ms) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return n - 1;
	if (lo > 0) {
		int64_t a = ends ? spans[lo - 1].end_ms : spans[lo - 1].start_ms;
		int64_t b = ends ? spans[lo].end_ms : spans[lo].start_ms;

		if (t - a <= b - t)
			return lo - 1;
	}
	return lo;
}

/* Whether node boundary t of an interval of length nlen matches span j's
 * start (or end): closer than a tenth of the shorter of the two or 100 ms
 * (both snapshot on the same wall-clock boundaries; a collector's first,
 * partial interval does not match a whole one), and than half of it. */
static int matches(const struct reconcile_span *sp, int64_t t, int64_t nlen, int ends)
{
	int64_t len = sp->end_ms - sp->start_ms, d = (ends ? sp->end_ms : sp->start_ms) - t;

	if (len > nlen)
		len = nlen;
	if (d < 0)
		d = -d;
	/* A tenth of the interval, or scheduling latency (100 ms) for a
	 * short last interval, but never half of it. */
	return len > 0 && 2 * d < len && (10 * d < len || d <= MATCH_SLACK_MS);
}

int reconcile_align_outside(const struct statement *st, const struct reconcile_window *w,
			    uint64_t *in, uint64_t *out)
{
	*in = *out = 0;
	if (!w->aligned || !st->has_intervals)
		return 0;
	for (size_t i = 0; i < st->nintervals; i++) {
		if (i >= w->node_lo && i < w->node_hi)
			continue;
		*in += (uint64_t)st->intervals[i].c.in_bytes;
		*out += (uint64_t)st->intervals[i].c.out_bytes;
	}
	return *in || *out;
}

int reconcile_align(const struct statement *st, int64_t from_ms, int64_t to_ms,
		    const struct reconcile_span *spans, size_t n, struct reconcile_window *w)
{
	size_t nn = st->has_intervals && st->nintervals ? st->nintervals : 1;
	size_t ni = nn, nj = nn, si = 0, sj = 0;
	int64_t s, e;

	w->aligned = 0;
	if (!n)
		return 0;
	for (size_t i = 0; i < nn && ni == nn; i++) {
		node_iv(st, i, &s, &e);
		if (s < from_ms || e > to_ms)
			continue;
		si = nearest(spans, n, s, 0);
		if (matches(&spans[si], s, e - s, 0))
			ni = i;
	}
	for (size_t i = nn; i-- > 0 && ni < nn && nj == nn;) {
		node_iv(st, i, &s, &e);
		if (i < ni || s < from_ms || e > to_ms)
			continue;
		sj = nearest(spans, n, e, 1);
		if (matches(&spans[sj], e, e - s, 1) && sj >= si)
			nj = i;
	}
	if (ni == nn || nj == nn)
		return 0;
	w->aligned = 1;
	w->node_lo = ni;
	w->node_hi = nj + 1;
	w->span_lo = si;
	w->span_hi = sj + 1;
	node_iv(st, ni, &w->node_from_ms, &e);
	node_iv(st, nj, &s, &w->node_to_ms);
	w->cont_from_ms = spans[si].start_ms;
	w->cont_to_ms = spans[sj].end_ms;
	return 1;
}
