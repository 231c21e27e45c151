/* quick.h - "ctverify quick": which firewall counters to show.
 *
 * A container may count in legacy iptables (x_tables: policy and rule
 * counters of filter INPUT/OUTPUT, IPv4 and IPv6), in nftables (an
 * unconditional counter rule at the top of a filter base chain), or in
 * both. Under --backend auto every backend is read and quick_choose()
 * keeps those with counts: a source that moved beats one that only
 * exists; when both moved both are shown, each labelled (a packet that
 * crosses both firewalls is counted by each: never add them).
 */
#ifndef CTV_QUICK_H
#define CTV_QUICK_H

#include <stddef.h>
#include <stdio.h>

#include "backend.h"
#include "err.h"

#define QUICK_MAX_SOURCES 4

struct quick_source {
	const char *backend;   /* "nft", "iptables" */
	const char *label;     /* "nftables", "legacy iptables" */
	int failed;            /* reading failed: error holds why */
	char error[CTV_ERR_MAX];
	struct ctv_quick q;
	int shown;             /* set by quick_choose() */
};

struct quick_view {
	struct quick_source src[QUICK_MAX_SOURCES];
	size_t n;
	size_t nshown;
};

/* Marks the sources to show: those with the best rank, where a source
 * that failed or found nothing ranks 0, one found with all counts zero 1,
 * one with counts 2; none when the best is 0. Returns how many. */
size_t quick_choose(struct quick_source *src, size_t n);

/* Reads the counters: only backend bname, or every backend when bname
 * is NULL or "auto" (a backend that fails is kept as failed). Then
 * chooses. Returns 0, or -1 with err when the named backend is unknown or
 * fails, or every backend failed (errno EINVAL for an unknown name). */
int quick_read(const char *bname, struct quick_view *v, struct ctv_err *err);

/* Prints the view: uptime (seconds, < 0 when unknown), then each shown
 * source, labelled when there are several; the no-counters text when none.
 * Returns 0 when something was shown, 1 when not. */
int quick_print(FILE *fp, const struct quick_view *v, double uptime);

#endif
