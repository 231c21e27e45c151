/* reconcile.h - why two traffic figures differ, in bytes, with evidence
 * (ARCHITECTURE.md, "Reconcile", a contract).
 *
 * Pure logic: the caller gathers the node's statement, the container's
 * per-service figures over the intervals that best match the node's
 * window, reset events, interface drop counters and the optional Plesk,
 * web-log and router figures; reconcile_run() decomposes
 *
 *   node - container     (always)
 *   router - node        (with a router figure)
 *   container - Plesk    (with a Plesk or web-log figure)
 *
 * into causes. A cause is either measured (the evidence counts exactly
 * those bytes, e.g. the 'local' bucket) or a bound (the evidence limits
 * the bytes, e.g. rate x unobserved time): a bound explains the residual
 * only up to its size and only in its own direction. What is left is
 * unexplained; within the tolerance the figures are consistent.
 */
#ifndef CTV_RECONCILE_H
#define CTV_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "statement.h"

struct reconcile_plesk;

#define RECONCILE_NAME_MAX 64
#define RECONCILE_WHY_MAX 192
#define RECONCILE_DETAIL_MAX 512

/* What the caller knows about a bucket from the installed rules. */
#define RECONCILE_LOCAL 1u     /* the loopback bucket */
#define RECONCILE_CLASS0 2u    /* all its peers are in class-0 networks */
#define RECONCILE_NEIGHBOR 4u  /* all its peers are containers of the same node */
#define RECONCILE_WEB 8u       /* the web server's own ports (80, 443) */
#define RECONCILE_OWNER 16u    /* connections opened by a local user (user=/group=/cgroup=) */

struct reconcile_counts {
	uint64_t in_bytes, in_packets, out_bytes, out_packets;
};

/* One container bucket summed over the chosen intervals. */
struct reconcile_bucket {
	char name[RECONCILE_NAME_MAX];
	unsigned flags;
	char why[RECONCILE_WHY_MAX]; /* evidence for the flags: "peer=198.19.9.0/24, class 0 in FILE" */
	struct reconcile_counts c;
};

/* One container interval, all buckets summed. */
struct reconcile_span {
	int64_t start_ms, end_ms;
	uint64_t in_bytes, out_bytes;
};

/* An unobserved window in the container's record (store events "reset",
 * "gap", "reboot"). */
struct reconcile_gap {
	int64_t from_ms, to_ms;
	char kind[16];
	char key[RECONCILE_NAME_MAX]; /* "" when about no one bucket */
};

enum reconcile_l2 {
	RECONCILE_L2_FRAMES, /* interface statistics: + 14 B Ethernet header per packet */
	RECONCILE_L2_WIRE,   /* on the wire: + 14 header + 4 FCS + 8 preamble + 12 gap */
	RECONCILE_L2_NONE,   /* the router counts L3 bytes like the node */
};

struct reconcile_input {
	const struct statement *node;
	int64_t from, to; /* the window, epoch seconds */

	/* The container's intervals overlapping the window, in time order;
	 * [span_lo, span_hi) are the ones the buckets were summed over
	 * (reconcile_choose()). */
	const struct reconcile_span *spans;
	size_t nspans, span_lo, span_hi;
	/* aligned (reconcile_align()): the node's figure is its intervals
	 * [node_lo, node_hi) (all of it without intervals), matched with
	 * [span_lo, span_hi) edge to edge */
	int aligned;
	size_t node_lo, node_hi;
	const struct reconcile_bucket *buckets;
	size_t nbuckets;
	const struct reconcile_gap *gaps;
	size_t ngaps;

	/* The container's mirror of the node's classes (store series
	 * "class:N") over the same intervals: class_seen has bit N for each
	 * class bucket recorded there, 0 when the classes were not mirrored. */
	unsigned class_seen;
	struct reconcile_counts class_c[STATEMENT_CLASSES];

	/* The container's interfaces' drop counters over the chosen
	 * intervals (packets) and the largest MTU. */
	int has_drops;
	char drop_ifaces[RECONCILE_WHY_MAX]; /* "eth0" */
	uint64_t rx_dropped, tx_dropped;
	unsigned mtu;
	/* /proc/net/snmp over the same intervals: sends that failed with
	 * ENOBUFS (a qdisc drop after our last hook, or a full send buffer
	 * before it). */
	int has_snmp;
	uint64_t udp_sndbuf_errors, icmp_out_errors;

	int has_plesk;
	uint64_t plesk_bytes;
	/* --plesk FILE: the rows and the container over their days
	 * (reconcile_plesk.h); NULL for --plesk BYTES. */
	const struct reconcile_plesk *plesk;
	int has_weblog;
	uint64_t weblog_bytes, weblog_requests;
	char weblog_files[RECONCILE_WHY_MAX];

	int has_router;
	uint64_t router_in, router_out; /* in = towards the container */
	enum reconcile_l2 router_l2;

	/* consistent when |unexplained| <= max(tol_bytes, tol_ppm of the
	 * larger figure) in each direction */
	uint64_t tol_bytes;
	unsigned tol_ppm;
};

enum reconcile_verdict {
	RECONCILE_CONSISTENT,
	RECONCILE_A_HIGHER, /* the first figure of the comparison is higher */
	RECONCILE_B_HIGHER,
	RECONCILE_INCONCLUSIVE, /* within tolerance only thanks to "up to" bounds wider than it */
};

enum reconcile_versus {
	RECONCILE_NODE_CONTAINER, /* a = node, b = container */
	RECONCILE_ROUTER_NODE,    /* a = router, b = node */
	RECONCILE_CONTAINER_PLESK,/* a = container, b = Plesk or web logs (one total: out holds it, in is 0) */
	RECONCILE_NCMP,
};

struct reconcile_cause {
	char cause[24];            /* contract id: "loopback", ... */
	enum reconcile_versus vs;
	int in_a;                  /* 1: the first figure includes these bytes, the second does not */
	int bound;                 /* 1: an upper bound ("up to"), 0: measured */
	uint64_t bound_in, bound_out; /* the bound (== the amount when measured) */
	uint64_t in_bytes, out_bytes; /* what it explains of this comparison */
	char detail[RECONCILE_DETAIL_MAX];
};

struct reconcile_cmp {
	int present;
	int64_t a_from_ms, a_to_ms, b_from_ms, b_to_ms; /* coverage, 0 when not known */
	struct reconcile_counts a, b;
	int64_t unexplained_in, unexplained_out; /* a - b - causes */
	uint64_t tol_in, tol_out;
	uint64_t uncertain_in, uncertain_out; /* the bounds' total size: the uncertainty */
	uint64_t bounded_in, bounded_out;     /* what bounds were needed to explain */
	enum reconcile_verdict verdict;
	char advice[RECONCILE_DETAIL_MAX];    /* inconclusive: which bound, what would help */
};

/* One class compared on its own: the node's statement class against the
 * container's class bucket. */
struct reconcile_class {
	int cls;
	int node_has, container_has; /* which side counts it */
	struct reconcile_counts node, container;
	int64_t diff_in, diff_out;   /* node - container */
	uint64_t tol_in, tol_out;
	/* Class 0 the node bills nothing of: the container's class-0 bytes
	 * are the class_excluded cause, measured, so the verdict is
	 * consistent; JSON "billed": false and detail say why. */
	int not_billed;
	enum reconcile_verdict verdict;
	char detail[RECONCILE_DETAIL_MAX / 2]; /* "" when there is nothing to add */
};

/* Whether the node-container comparison went class by class, and if not
 * why (RECONCILE_CLASSES_*). */
enum reconcile_by_class {
	RECONCILE_CLASSES_COMPARED,
	RECONCILE_CLASSES_NOT_MIRRORED,  /* the container has no class buckets */
	RECONCILE_CLASSES_NODE_WITHOUT,  /* the statement has no classes */
	RECONCILE_CLASSES_NARROWER,      /* the statement's classes cover its whole window only */
};

struct reconcile_result {
	enum reconcile_by_class by_class;
	struct reconcile_class classes[STATEMENT_CLASSES];
	size_t nclasses;
	struct reconcile_cmp cmp[RECONCILE_NCMP];
	struct reconcile_cause *causes;
	size_t ncauses, cap;
};

/* Picks the container intervals that best match [from_ms, to_ms): those
 * overlapping it by at least half their own length. Sets [*lo, *hi)
 * (empty, lo == hi, when none qualifies). spans must be in time order. */
void reconcile_choose(const struct reconcile_span *spans, size_t n, int64_t from_ms,
		      int64_t to_ms, size_t *lo, size_t *hi);

/* The node's figure for [from, to] from its statement: the totals when
 * the window is the statement's, else the sum of the intervals lying
 * wholly inside (their coverage in from_ms, to_ms). Returns 0, or -1 with err
 * when the window is narrower and the statement has no intervals, or no
 * interval lies inside. */
int reconcile_node_figure(const struct statement *st, int64_t from, int64_t to,
			  struct reconcile_counts *c, int *has_packets, int64_t *from_ms,
			  int64_t *to_ms, struct ctv_err *err);

/* 1 if the network addr/prefix (family AF_INET/AF_INET6, network order)
 * lies inside net/net_prefix, else 0. */
int reconcile_cidr_within(int family, const uint8_t *addr, unsigned prefix, int net_family,
			  const uint8_t *net, unsigned net_prefix);

/* Runs the comparisons. Returns 0, or -1 with err (bad node window, no
 * memory); free the result with reconcile_result_free() either way. */
int reconcile_run(const struct reconcile_input *in, struct reconcile_result *res,
		  struct ctv_err *err);

void reconcile_result_free(struct reconcile_result *res);

/* "consistent", "node_higher", "container_higher", "router_higher",
 * "plesk_higher", "inconclusive" for a comparison's verdict. */
const char *reconcile_verdict_name(enum reconcile_versus vs, enum reconcile_verdict v);

#endif
