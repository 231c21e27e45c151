/* node_snapshot.h - ctnode's snapshot: every per-container, per-class
 * counter of the kernel accounting in one dump, IPv4 and IPv6 summed per
 * container and class, recorded in the store (series: CTID and class).
 *
 * Policy: a snapshot that finds our table gone records one "gap" event
 * (not one per snapshot while it stays gone). Under collect
 * (node_snapshot_collect()) the table is also guarded: when another
 * program deletes our table or anything in it (nft flush ruleset; not
 * 'ctnode teardown'), or a
 * container's device comes back after it went away (a restart), what
 * the last ctnode setup installed (the copies of its files it saved) is
 * installed again at once in one batch (counts of counters still there kept), with a "gap" event
 * of its true width (the table: from the last reading; a device: the
 * container's, from its going away). A reading found stale is read again
 * (collect_record()). Nothing here prints.
 */
#ifndef CTNODE_NODE_SNAPSHOT_H
#define CTNODE_NODE_SNAPSHOT_H

#include <net/if.h>
#include <stdint.h>

#include "collect.h"
#include "containers.h"
#include "err.h"
#include "nfnl.h"
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
	/* Tests: the reinstall (else the default configuration through
	 * node_nft_setup()). */
	int (*setup)(struct ctv_err *err);
	/* collect's guard: notices ("reinstalled ..."), warnings. */
	struct ctv_warn warn;
	int touched; /* the transaction in progress deleted something of ours */
	struct node_down *down; /* containers whose device went away */
	size_t n_down;
};

/* A container's device gone since since_ms (wall clock). */
struct node_down {
	char ct[CONTAINERS_ID_MAX + 1];
	char ifname[IF_NAMESIZE];
	int64_t since_ms;
};

/* Where ctnode setup reads its files: $CTNODE_CONFDIR, else
 * SYSCONFDIR/ctverify. */
const char *node_snapshot_confdir(void);

/* The process name (comm) of ctnode: 'ctnode setup' and 'teardown' are
 * the administrator's and never undone. */
#define NODE_SNAPSHOT_PROG "ctnode"

/* Notes one nftables event; 1 when it ends a transaction of another
 * program than ctnode that deleted something of our table (a reinstall
 * is due). */
int node_snapshot_event(struct node_snapshot *ns, const struct nfnl_event *ev);

/* Saves copies of the files a successful ctnode setup installed, in the
 * state directory (setup.networks_classes, setup.containers), for
 * collect's repairs. 0, or -1 with err. */
int node_snapshot_save_setup(const char *classes_file, const char *cts_file, struct ctv_err *err);

/* Notes one link event against the containers file: a container's device
 * gone is remembered with the time; 1 when a remembered device is back
 * (a reinstall is due). */
int node_snapshot_link(struct node_snapshot *ns, const struct containers *cts, int created,
		       const char *ifname, int64_t now_ms);

/* The guard's repair: installs what the last setup did (its saved
 * copies, else the default files) again when an object of ours was
 * deleted by another program (force; the table gone: a gap from the last
 * reading) or, the table there, a device came back (each such container's
 * gap from its going away); then records a reading so the store sees the
 * counters that restarted. The table gone without force (teardown) is
 * left alone. 0, or -1 with err. */
int node_snapshot_repair(struct node_snapshot *ns, int force, struct ctv_err *err);

/* The collect loop with the guard: nftables events and link events
 * (rtnetlink) between snapshots, a repair after a short debounce. */
int node_snapshot_collect(struct node_snapshot *ns, unsigned long interval, collect_snap_fn snap,
			  void *arg);

/* Frees what the guard keeps. */
void node_snapshot_free(struct node_snapshot *ns);

/* ctnode's state directory: $CTNODE_STATEDIR, else LOCALSTATEDIR/lib/ctnode. */
const char *node_snapshot_statedir(void);

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
