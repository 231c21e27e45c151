/* reconcile_align.h - the window reconcile compares: the largest one made
 * of whole intervals present on both sides (docs/DESIGN.md, "Reconcile").
 *
 * Both collectors snapshot on interval boundaries of the wall clock, a few
 * milliseconds apart. A node boundary and a container boundary match when
 * they are closer than a tenth of the shorter of the two intervals they
 * open (or close), or than 100 ms, and than half of it. The window starts at the earliest matching start and ends
 * at the latest matching end inside [from_ms, to_ms] (the node's side
 * wholly inside; the container's may stick out by those milliseconds),
 * so window_skew is only what is really left at each edge.
 */
#ifndef CTV_RECONCILE_ALIGN_H
#define CTV_RECONCILE_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "reconcile.h"
#include "statement.h"

struct reconcile_window {
	int aligned;             /* 1: both edges matched */
	size_t node_lo, node_hi; /* the node's intervals [lo, hi) */
	size_t span_lo, span_hi; /* the container's spans [lo, hi) */
	int64_t node_from_ms, node_to_ms, cont_from_ms, cont_to_ms;
};

/* The window in ms that --from/--to (seconds) mean for statement st: its
 * own from_ms/to_ms at or beyond its edges, else the seconds x 1000. */
void reconcile_window_ms(const struct statement *st, int64_t from, int64_t to, int64_t *from_ms,
			 int64_t *to_ms);

/* Aligns st's intervals (a statement without intervals is one interval,
 * [from_ms, to_ms]) with the container's spans (in time order) inside
 * [from_ms, to_ms]. Returns 1 and fills w when both edges match, else 0
 * (w->aligned 0, the rest untouched). */
int reconcile_align(const struct statement *st, int64_t from_ms, int64_t to_ms,
		    const struct reconcile_span *spans, size_t n, struct reconcile_window *w);

/* What the node counted in its intervals outside the aligned window, into
 * *in and *out. Returns 1 when that is anything. The caller compares the
 * whole statement instead when it is more than the tolerance: a bill is
 * never verified by leaving out what it charges. */
int reconcile_align_outside(const struct statement *st, const struct reconcile_window *w,
			    uint64_t *in, uint64_t *out);

#endif
