/* reconcile_input.h - the container's side of a reconcile: what the store,
 * the /proc figures recorded with each snapshot, the installed rules and
 * the web logs say, gathered into struct reconcile_input for the pure
 * reconcile_run().
 *
 * Policy (docs/DESIGN.md, "Reconcile"):
 *  - the container's intervals around the node's window, of which
 *    reconcile_choose() picks those at least half inside it; buckets are
 *    each key's sums over exactly those intervals (whole hours from hour
 *    rows); a span's own bytes are filled in only where it reaches past
 *    the node's figure (the window edges reconcile_run() reads), else 0;
 *  - events "reset", "gap" and "reboot" recorded up to an hour after the
 *    chosen span are its unobserved windows;
 *  - Udp.SndbufErrors, Icmp.OutErrors, interface drops (not lo) and the
 *    largest MTU (65535 when none was recorded) over the same intervals;
 *  - which bucket is what comes from the installed spec: "local" is
 *    loopback; a service whose peer= networks all lie in class-0 networks
 *    is class_excluded, all in the neighbours' networks a neighbour;
 *    user=/group=/cgroup= a local user's; lport 80 or 443 alone the web
 *    server.
 */
#ifndef CTV_RECONCILE_INPUT_H
#define CTV_RECONCILE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "classes.h"
#include "err.h"
#include "reconcile.h"
#include "store.h"
#include "svcspec.h"
#include "weblog.h"

/* The arrays reconcile_input points into. */
struct reconcile_gathered {
	struct reconcile_span *spans;
	size_t nspans;
	struct reconcile_bucket *buckets;
	size_t nbuckets;
	struct reconcile_gap *gaps;
	size_t ngaps;
};

void reconcile_gathered_free(struct reconcile_gathered *g);

/* Fills in's spans, chosen span, buckets, gaps, drops, SNMP figures and
 * MTU from the store for the node's window [nf_ms, nt_ms] (g owns the
 * arrays). Returns 0, or -1 with err (no interval matching the window is
 * an error naming the likely causes). */
int reconcile_input_gather(struct store *st, struct reconcile_input *in, int64_t nf_ms,
			   int64_t nt_ms, struct reconcile_gathered *g, struct ctv_err *err);

/* What is known about the buckets. */
struct reconcile_knowledge {
	const struct svcspec *spec;  /* the installed spec, NULL if none */
	const struct classes *cls;   /* the node's classes, NULL if not given */
	const char *classes_path;    /* named in the evidence */
	const struct svc_cidr *neighbors;
	size_t nneighbors;
	const char *neighbors_text;  /* as given, named in the evidence */
};

/* Sets each bucket's flags and evidence from what is known. */
void reconcile_input_flag(struct reconcile_bucket *buckets, size_t n,
			  const struct reconcile_knowledge *k);

/* Sums the web logs over in's window into in (weblog_bytes, _requests,
 * _files, has_weblog when n > 0) and *wl (malformed lines: the caller
 * warns). Returns 0, or -1 with err. */
int reconcile_input_weblogs(struct reconcile_input *in, const char *const *files, size_t n,
			    struct weblog_sum *wl, struct ctv_err *err);

#endif
