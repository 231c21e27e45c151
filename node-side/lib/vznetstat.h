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

/* The statement (source "vznetstat") of container ct, or of the only
 * container when ct is NULL: one class entry per row, totals = the sum of
 * classes 1-15 (class 0 is not accounted, as on the node). The counters
 * are cumulative, so the window [from, to] comes from the caller. Returns
 * 0, or -1 with err naming the file: ct absent, several containers and no
 * ct, no rows. */
int vznetstat_statement(const struct vznetstat *v, const char *name, const char *ct,
			int64_t from, int64_t to, struct statement *st, struct ctv_err *err);

#endif
