/* snapshot.h - the container's snapshot: read every counter of our rules
 * in one pass through the backend, with the kernel's own figures, and
 * record the differences in the store; and the self-repair around it.
 *
 * Policy (docs/DESIGN.md, "History store"):
 *  - The saved spec is looked at every time: 'rules install' may change
 *    it. What was parsed is kept while the file stays the same (device,
 *    inode, size, mtime, ctime), so collect's guard parses it only when
 *    it changed.
 *  - Our rules gone (read says ENOENT: container restarted, table
 *    deleted): reinstalled from the saved spec, a "gap" event records the
 *    window since the last reading, then the counters are read again
 *    (they restart, and the store records the resets).
 *  - Nothing moved at all since the last reading (not even loopback): the
 *    chains may have been flushed while the counters stayed, so only then
 *    is the installed rule set compared with the saved spec (busy
 *    snapshots stay one dump); a difference is repaired the same way.
 *  - Before any reinstall the saved spec is read again: if 'rules install'
 *    or 'rules remove' changed it meanwhile, nothing is reinstalled.
 *  - A reading found stale (another writer recorded a newer one) is read
 *    again (collect_record()).
 * Nothing here prints: notices go through the warn callback, errors come
 * back in struct ctv_err.
 */
#ifndef CTV_SNAPSHOT_H
#define CTV_SNAPSHOT_H

#include <stdint.h>

#include "backend.h"
#include "collect.h"
#include "err.h"
#include "nfnl.h"
#include "store.h"
#include "svcspec.h"

/* Where the kernel's figures are read (tests point them at fixtures). */
struct snapshot_proc {
	const char *snmp;    /* /proc/net/snmp */
	const char *dev;     /* /proc/net/dev */
	const char *sysnet;  /* /sys/class/net */
	const char *uptime;  /* /proc/uptime */
};

/* The saved spec as last parsed (snapshot_saved_spec()), with what is
 * derived from it, and the file it came from. */
struct snapshot_saved {
	int valid;
	struct svcspec spec;
	const struct backend *b;
	const char **names; /* spec's names sorted (ctv_names_sort()), or NULL */
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	unsigned parses; /* how often the file was parsed (tests) */
};

/* What one snapshot needs from one run to the next. Zero it, then set
 * what applies; snapshot_free() after the last one. */
struct snapshot {
	struct store *st;  /* where readings go; NULL for snapshot_read() only */
	int no_repair;     /* rules about to change: never reinstall */
	/* Notices for people ("our nft rules were gone; reinstalled them
	 * ...") and warnings ("warning: ..."). */
	struct ctv_warn warn;
	/* Tests: the backend to use when the saved state names it (else
	 * backend_find()), the clocks (else store_reading_now()), the /proc
	 * files (else the system's). */
	const struct backend *backend;
	int (*now)(struct store_reading *r, struct ctv_err *err);
	const struct snapshot_proc *proc;
	/* Kept between snapshots. */
	int warned_snmp;
	int have_last;
	uint64_t last_packets; /* all buckets, both directions, last reading */
	/* collect's watch (snapshot_collect): the last reading known good,
	 * read every second, recorded before a repair so only the window from
	 * it to the reinstall is a gap. */
	int have_good;
	struct ctv_counters good;
	int64_t good_wall_ms, good_mono_ms;
	char good_boot[STORE_BOOT_MAX];
	char good_backend[16]; /* whose counters those are */
	int touched; /* the transaction in progress deleted something of ours */
	struct snapshot_saved saved;
};

/* The store when no --db is given: $CTVERIFY_STATEDIR/ctverify.db. */
const char *snapshot_default_db(void);

/* Opens db for writing, creating its parent directory (and that one's
 * parent) when missing. NULL with err on failure. */
struct store *snapshot_open_store(const char *db, struct ctv_err *err);

/* The saved spec (into spec, initialised here) and the backend that holds
 * it. Returns 0, or -1 with err ("no accounting rules installed ..." when
 * nothing is saved); spec is freed on failure. */
int snapshot_load_rules(const struct snapshot *sn, struct svcspec *spec,
			const struct backend **b, struct ctv_err *err);

/* The saved spec and its backend, as snapshot_load_rules(), but parsed
 * only when the file is not the one parsed last (kept in sn->saved until
 * snapshot_free(); *spec points there). Returns 0, or -1 with err (errno
 * ENOENT: nothing saved, and what was kept is forgotten). */
int snapshot_saved_spec(struct snapshot *sn, const struct svcspec **spec,
			const struct backend **b, struct ctv_err *err);

/* Reads our counters in one pass, in spec order, repairing our rules as
 * the policy above says. Returns 0, or -1 with err. */
int snapshot_read(struct snapshot *sn, const struct backend *b, const struct svcspec *spec,
		  struct ctv_counters *c, struct ctv_err *err);

/* One snapshot into sn->st: the saved spec, the counters (snapshot_read),
 * /proc/net/snmp's UDP and ICMP figures (a warning once when they cannot
 * be read), interface drops and MTUs, uptime. Returns 0, or -1 with err. */
int snapshot_take(struct snapshot *sn, struct store_result *res, struct ctv_err *err);

/* Before our rules change (install, remove): when history is kept in the
 * default store and rules of ours are saved, records a snapshot of the
 * rules still installed (never repairing them), so the traffic since the
 * last one is not lost with them. 0 also when there is nothing to record;
 * -1 with err if the snapshot failed. */
int snapshot_before_change(struct snapshot *sn, struct ctv_err *err);

/* How often collect's guard reads our counters: every SNAPSHOT_GUARD_MS
 * for a spec of at most SNAPSHOT_GUARD_SMALL services, whatever it costs
 * (measured: 0.04 % of a core at 10 services); a larger one when one
 * guard tick costs more CPU than SNAPSHOT_GUARD_PPM millionths of the
 * time between two (0.03 % of a core; measured, the guard's true cost is
 * about 1.35 times what it times of itself, wakeups included, and the
 * minute's snapshot adds about 0.015 % at 1,000 services:
 * docs/PERFORMANCE.md), never more often than every SNAPSHOT_GUARD_MS,
 * at least every SNAPSHOT_GUARD_MAX_MS. The widest gap a reload leaves is
 * that wait plus the repair. */
#define SNAPSHOT_GUARD_MS 500
#define SNAPSHOT_GUARD_SMALL 16
#define SNAPSHOT_GUARD_MAX_MS 15000
#define SNAPSHOT_GUARD_PPM 300

/* The wait before the next guard, in ms, for a spec of services services
 * whose guard tick costs cpu_ns of CPU: SNAPSHOT_GUARD_MS for a small
 * spec, else cpu_ns / SNAPSHOT_GUARD_PPM within [SNAPSHOT_GUARD_MS,
 * SNAPSHOT_GUARD_MAX_MS]. */
unsigned snapshot_guard_ms(uint64_t cpu_ns, size_t services);

/* collect's guard between snapshots: reads our counters (kept as the
 * last reading known good). Not repair: returns 1 when our rules are gone
 * or a counter went below the last good reading (rules replaced: a legacy
 * table restored, one family's chains gone). repair: in those cases, and
 * when the rules differ from the saved spec (backend->check), records the
 * last good reading, reinstalls the saved spec (replaced rules are
 * removed first, so every counter restarts and the store's reset rule
 * counts them right) and records a "gap" event from the last good reading
 * to the moment the rules are back, then the fresh counters. 0 also when
 * no rules of ours are saved; -1 with err. */
int snapshot_guard(struct snapshot *sn, int repair, struct ctv_err *err);

/* The process name (comm) of ctverify: its own rule changes are never
 * repaired. */
#define SNAPSHOT_PROG "ctverify"

/* Notes one nftables event; 1 when it ends a transaction that deleted
 * something of our table, made by another program than ctverify (neither
 * this process nor 'rules install|remove'), so a deep guard is due; else
 * 0. */
int snapshot_event(struct snapshot *sn, const struct nfnl_event *ev);

/* The collect loop with its guard (collect_watch()): snap at every
 * boundary; our counters read at snapshot_guard_ms() of the guard's own
 * CPU time, smoothed (the legacy iptables check: it sends no
 * notifications); nftables events about our table end, after
 * a short debounce, in one repairing guard. Guard errors go to sn->warn,
 * each once while it lasts. */
int snapshot_collect(struct snapshot *sn, unsigned long interval, collect_snap_fn snap);

/* Frees what the guard and the saved spec keep. */
void snapshot_free(struct snapshot *sn);

#endif
