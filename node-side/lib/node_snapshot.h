/* node_snapshot.h - ctnode's snapshot: every per-container, per-class
 * counter of the kernel accounting in one dump, IPv4 and IPv6 summed per
 * container and class, recorded in the store (series: CTID and class).
 *
 * Policy: our table gone is recorded as one "gap" event (not one per
 * snapshot while it stays gone), and nothing is reinstalled: setup and
 * teardown are the administrator's. A reading found stale is read again
 * (collect_record()). Nothing here prints.
 */
#ifndef CTNODE_NODE_SNAPSHOT_H
#define CTNODE_NODE_SNAPSHOT_H

#include "err.h"
#include "node_nft.h"
#include "store.h"

/* What one snapshot needs from one run to the next. Zero it, set st. */
struct node_snapshot {
	struct store *st;
	int gone; /* the table was found gone and the gap recorded */
	/* Tests: the counters (else node_nft_read()) and the clocks (else
	 * store_reading_now()). */
	int (*read)(struct node_counters *out, struct ctv_err *err);
	int (*now)(struct store_reading *r, struct ctv_err *err);
};

/* ctnode's state directory: $CTNODE_STATEDIR, else LOCALSTATEDIR/lib/ctnode. */
const char *node_snapshot_statedir(void);

/* The configuration directory: $CTNODE_CONFDIR, else SYSCONFDIR/ctverify. */
const char *ctnode_confdir(void);

/* The classes file when none is named: the configuration directory's
 * networks_classes (setup installs it, export carries it as "networks"). */
const char *node_snapshot_classes_file(void);

/* The store when no --db is given: the state directory's ctnode.db. */
const char *node_snapshot_default_db(void);

/* Opens db for writing (creating the state directory when db is the
 * default store). NULL with err on failure. */
struct store *node_snapshot_open_store(const char *db, struct ctv_err *err);

/* Sums a dump's rows (sorted by ct, class, family) per container and
 * class into smp (room for nc->n), keys pointing into nc. Returns the
 * number of samples. */
size_t node_snapshot_samples(const struct node_counters *nc, struct store_sample *smp);

/* One snapshot into ns->st. Returns 0, or -1 with err (the table gone:
 * errno ENOENT, the gap recorded the first time). */
int node_snapshot_take(struct node_snapshot *ns, struct store_result *res, struct ctv_err *err);

#endif
