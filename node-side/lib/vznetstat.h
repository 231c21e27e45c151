/* vznetstat.h - saved vznetstat / pnetstat output, read back.
 *
 *   CTID  Net.Class  Input(bytes)  Input(pkts)  Output(bytes)  Output(pkts)
 *   101   1          2202          11           4404           22
 *
 * The first column is CTID or UUID (VEID in old OpenVZ). Columns are found
 * by their header names, so their order does not matter and the packet
 * columns may be missing. Lines before the header (a prompt, the command)
 * are skipped; blank lines are too. Values must be exact integers: output
 * of `vznetstat -r` (1.5K, 23M) is refused, because it is rounded.
 */
#ifndef CTV_VZNETSTAT_H
#define CTV_VZNETSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "statement.h"

struct vznetstat_row {
	char ct[STATEMENT_CT_MAX];
	int cls; /* 0-15 */
	int line;
	struct statement_counts c;
};

struct vznetstat {
	struct vznetstat_row *rows; /* in file order */
	size_t nrows;
	size_t cap;
	int has_packets;
};

/* Parses len bytes of saved output. Errors read "NAME:LINE: what". Returns
 * 0, or -1 with err set and v empty. */
int vznetstat_parse(const char *text, size_t len, const char *name,
		    struct vznetstat *v, struct ctv_err *err);

/* vznetstat_parse() on a file's contents; "-" reads standard input
 * (errors then name "(stdin)"). */
int vznetstat_read_file(const char *path, struct vznetstat *v, struct ctv_err *err);

void vznetstat_free(struct vznetstat *v);

/* How the listing's classes were counted. Virtuozzo 7 moved traffic
 * accounting to nftables in 2021 (libvzctl, scripts/vz-functions.in):
 * there every class has its own set and counter and a packet is counted
 * in every class whose networks hold its peer, so class 1 (0.0.0.0/0)
 * counts everything and classes 2-15 count subsets of it again. Before
 * (venet, the vznetstat kernel module) each packet was counted in one
 * class. The listing looks the same either way. */
enum vznetstat_semantics {
	VZNETSTAT_UNSTATED,    /* not said: refused where classes 2-15 carry traffic */
	VZNETSTAT_EXCLUSIVE,   /* venet era: totals = the sum of classes 1-15 */
	VZNETSTAT_OVERLAPPING, /* nft era: totals = class 1's; 2-15 are subsets of it */
};

/* Virtuozzo's packet counters are 32-bit; in the nft era they pass
 * through a signed 32-bit conversion and stop at 2^31-1. A packet value
 * at or above this may be cut short. */
#define VZNETSTAT_PACKETS_LIMIT 2147483647LL

/* "exclusive" or "overlapping" into *out. Returns 0, or -1 if s is
 * neither. */
int vznetstat_semantics_parse(const char *s, enum vznetstat_semantics *out);

/* The statement (source "vznetstat") of container ct, or of the only
 * container when ct is NULL: one class entry per row as listed (class 0
 * too), totals by sem (class 0 is never in them: not accounted, as on the
 * node). "packets_exact" is false (st->packets_inexact) with overlapping
 * semantics (the nft era's counters saturate) and wherever a packet
 * value of the container is at or above VZNETSTAT_PACKETS_LIMIT. The
 * counters are cumulative, so the window [from, to] comes from the
 * caller. Returns 0, or -1 with err naming the file (and the line where
 * there is one), errno EINVAL: ct absent, several containers and no ct,
 * no rows; classes 2-15 carrying traffic with VZNETSTAT_UNSTATED (the
 * message explains both semantics); with VZNETSTAT_OVERLAPPING a class
 * above class 1 in any column (not a subset). */
int vznetstat_statement(const struct vznetstat *v, const char *name, const char *ct,
			enum vznetstat_semantics sem, int64_t from, int64_t to,
			struct statement *st, struct ctv_err *err);

#endif
