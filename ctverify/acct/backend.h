/* backend.h - the one small interface between ctverify and the firewall.
 * Everything above it (snapshot, report, reconcile) sees only named
 * counters; it never knows whether nftables or legacy iptables counts.
 *
 * Counters come as buckets: "local" first, then each service in spec
 * order, then "other", then the class buckets of a mirror of the node's
 * classes ("class:N", store_class_series(), by class; spec->classes). in = received by the container, out = sent by it;
 * bytes are L3 lengths (IP header included).
 */
#ifndef CTV_BACKEND_H
#define CTV_BACKEND_H

#include <stdint.h>

#include "err.h"
#include "strbuf.h"
#include "svcspec.h"

struct ctv_counter {
	char name[SVC_NAME_MAX + 1];
	uint64_t in_bytes, in_packets, out_bytes, out_packets;
};

struct ctv_counters {
	struct ctv_counter *c;
	size_t n;
};

/* What "ctverify quick" reads: the firewall's own INPUT/OUTPUT counters
 * (policy and rules), which include loopback. */
struct ctv_quick {
	uint64_t in_bytes, in_packets, out_bytes, out_packets;
	int found;       /* 0: there were no such counters to read */
	char what[512];  /* which chains/counters were read, for the user */
};

struct backend {
	const char *name; /* "nft" or "iptables" */

	/* 1 if the container already uses this firewall (rules, or ours
	 * installed), 0 if not, -1 on error. Used by "auto". */
	int (*in_use)(struct ctv_err *err);

	/* Atomically replaces our rules with spec (nothing installed on any
	 * error). Never touches rules it did not create. */
	int (*install)(const struct svcspec *spec, struct ctv_err *err);

	/* Removes everything of ours; 0 also when nothing was installed. */
	int (*remove)(struct ctv_err *err);

	/* Reads all our counters in one pass (one netlink dump): "local"
	 * first, "other" last, the services in between in the order the
	 * backend keeps them (nft: the order they were first installed; use
	 * ctv_counters_order() for spec order). Returns -1 with errno ENOENT
	 * when our rules are not installed. */
	int (*read)(struct ctv_counters *out, struct ctv_err *err);

	/* Compares installed rules with spec: 0 equal, 1 different (a
	 * readable, malloc'ed description in *diff), -1 error. */
	int (*check)(const struct svcspec *spec, char **diff, struct ctv_err *err);

	/* Reads the counters that exist without ctverify: the built-in
	 * INPUT/OUTPUT chains (iptables: policy counters and rules; nft: the
	 * filter base chains at the input/output hooks of other tables). 0 with
	 * out->found = 0 when there are none. */
	int (*quick)(struct ctv_quick *out, struct ctv_err *err);

	/* What install would create for spec, as text for people (--dry-run),
	 * without touching the system. malloc'ed, or NULL with err. May be
	 * NULL in a backend that cannot tell. */
	char *(*describe)(const struct svcspec *spec, struct ctv_err *err);
};

/* What every backend's check() says, the same way: one line per
 * difference, at most BACKEND_DIFF_LINES of them, then "... N more
 * lines". */
#define BACKEND_DIFF_LINES 40
#define BACKEND_DIFF_MAX (1 << 20) /* bytes; 40 lines never come near */

struct backend_diff {
	struct strbuf text;
	size_t lines; /* all of them, shown or not */
};

/* Empties d. Never fails. */
void backend_diff_init(struct backend_diff *d);

/* Adds one line (fmt without the newline). A failure is kept for
 * backend_diff_finish(). */
void backend_diff_add(struct backend_diff *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Ends d: 0 and *diff NULL when no line was added, 1 and the text in
 * *diff (malloc'ed), or -1 with err when memory ran out. d is freed. */
int backend_diff_finish(struct backend_diff *d, char **diff, struct ctv_err *err);

extern const struct backend backend_nft;
extern const struct backend backend_iptables;

void ctv_counters_free(struct ctv_counters *c);

/* Puts the service buckets of c in spec order (local first, other after
 * the services, buckets the spec does not name after the spec's), the
 * class buckets after other, by class. */
void ctv_counters_order(struct ctv_counters *c, const struct svcspec *spec);

/* ctv_counters_order() with the spec's names already sorted
 * (ctv_names_sort() of spec->svcs' names; NULL: a linear search each),
 * for a caller that keeps them. */
void ctv_counters_order_names(struct ctv_counters *c, const struct svcspec *spec,
			      const char **names);

/* The n names of an array (the first at first, one every stride bytes)
 * sorted (equal names in array order), for ctv_names_find(); NULL when out
 * of memory. The caller frees it. An entry's index is (v[k] - first) /
 * stride. */
const char **ctv_names_sort(const char *first, size_t stride, size_t n);

/* Where name first is in sorted (n names), or n when it is not. */
size_t ctv_names_find(const char **sorted, size_t n, const char *name);

/* The backend called name ("nft", "iptables"), or NULL with a message in
 * err when there is none or it is not built into this program. */
const struct backend *backend_find(const char *name, struct ctv_err *err);

/* The backend to use: name if it is not "auto" (or NULL); else saved,
 * the backend the saved state says holds our rules (may be NULL); else the
 * first non-nft backend whose firewall is already in use (legacy iptables
 * with rules); else nft. NULL with err when the named one is absent. */
const struct backend *backend_choose(const char *name, const char *saved, struct ctv_err *err);

/* The backends built into this program, NULL-terminated, in the order
 * "auto" probes them. */
extern const struct backend *const backend_list[];

#endif
