/* statement.h - the statement: what one side says a container sent and
 * received over a window (ARCHITECTURE.md, "Statement", a contract).
 *
 *   { "format": "ctverify-statement/1", "source": "ctnode|pva|vznetstat|ctverify",
 *     "ct": "101", "from": EPOCH, "to": EPOCH,
 *     "totals":    { "in_bytes": N, "in_packets": N, "out_bytes": N, "out_packets": N },
 *     "classes":   [ { "class": 1, "in_bytes": N, ... } ],          optional
 *     "intervals": [ { "start": EPOCH, "end": EPOCH, "in_bytes": N, ... } ] }   optional
 *
 * Packets may be absent (the reference database stores bytes only): that
 * is recorded as has_packets = 0, never as a count of 0. Keys this version
 * does not know are ignored, so writers may extend the format.
 *
 * "packets_exact": false (optional, after "totals") says the source's
 * packet counters wrap or saturate (Virtuozzo's are 32-bit), so readers
 * use packets only as estimates; a statement without the key is exact.
 *
 * "from_ms", "to_ms" and, per interval, "start_ms", "end_ms" (optional)
 * are the same instants in milliseconds, as the snapshots were taken; the
 * seconds are then their floors. Readers prefer them: without them they
 * are the seconds x 1000 (has_ms 0). "networks" (optional) carries the
 * node's networks_classes in file order.
 */
#ifndef CTV_STATEMENT_H
#define CTV_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define STATEMENT_FORMAT "ctverify-statement/1"
#define STATEMENT_CLASSES 16  /* class ids 0-15, as in networks_classes */
#define STATEMENT_CT_MAX 256  /* a CTID or a UUID fits with room to spare */

enum statement_source {
	STATEMENT_CTNODE,
	STATEMENT_PVA,
	STATEMENT_VZNETSTAT,
	STATEMENT_CTVERIFY,
};

/* Byte and packet counts; all non-negative and at most INT64_MAX, since
 * JSON readers (jansson among them) hold integers as signed 64 bits. */
struct statement_counts {
	int64_t in_bytes;
	int64_t out_bytes;
	int has_packets; /* 0: packets absent, in/out_packets meaningless */
	int64_t in_packets;
	int64_t out_packets;
};

struct statement_class {
	int id; /* 0-15 */
	struct statement_counts c;
};

/* One line of the node's networks_classes, as the statement's "networks"
 * carries it: the class and the network as text (ADDR/PREFIX, checked to
 * parse as one; host bits kept as written, masked where it is used). */
#define STATEMENT_CIDR_MAX 54
#define STATEMENT_NETWORKS_MAX 65536

struct statement_network {
	int class; /* 0-15 */
	char cidr[STATEMENT_CIDR_MAX];
};

struct statement_interval {
	int64_t start; /* [start, end), epoch seconds */
	int64_t end;
	int64_t start_ms, end_ms; /* the same in ms; start * 1000 etc. when not given */
	struct statement_counts c;
};

struct statement {
	enum statement_source source;
	char ct[STATEMENT_CT_MAX];
	int64_t from; /* the window [from, to], epoch seconds */
	int64_t to;
	int has_ms;            /* 1: from_ms/to_ms and the intervals' ms were given (written) */
	int64_t from_ms, to_ms; /* the window in ms; from * 1000 etc. when not given */
	struct statement_counts totals;
	int packets_inexact; /* 1: "packets_exact": false; 0 (key absent or true): exact */
	int has_classes; /* 0: no "classes" key */
	size_t nclasses;
	struct statement_class classes[STATEMENT_CLASSES];
	int has_networks; /* 0: no "networks" key */
	size_t n_networks;
	struct statement_network *networks; /* malloc'd, in file order */
	int has_intervals; /* 0: no "intervals" key */
	size_t nintervals;
	struct statement_interval *intervals; /* malloc'd, ordered, disjoint */
	size_t intervals_cap;
};

/* An empty statement (no classes, no intervals, packets absent). */
void statement_init(struct statement *st, enum statement_source source);

/* Frees the intervals and networks; st may be reused after
 * statement_init(). */
void statement_free(struct statement *st);

/* "ctnode" etc.; statement_source_parse() returns 0, or -1 if unknown. */
const char *statement_source_name(enum statement_source source);
int statement_source_parse(const char *s, enum statement_source *source);

/* Appends an interval (and sets has_intervals). Returns 0, or -1 with
 * errno ENOMEM. Order and ranges are checked by statement_check(). */
int statement_add_interval(struct statement *st, const struct statement_interval *iv);

/* Fills from_ms/to_ms and the intervals' ms from the seconds (has_ms 0),
 * or, with has_ms, the seconds from the ms (their floors). */
void statement_fill_times(struct statement *st);

/* Checks what the reader checks: ct printable and non-empty, counts
 * non-negative, from <= to (and with has_ms each second the floor of its
 * ms, the ms ordered like the seconds), class ids 0-15 and distinct, intervals within
 * [from, to], each start <= end and not before the previous end. Returns 0,
 * or -1 with err naming the JSON path ("intervals[3].start: ..."). */
int statement_check(const struct statement *st, struct ctv_err *err);

/* The statement as JSON text (one object, keys in the contract's order,
 * raw integers, a final newline), or NULL with err set if st does not pass
 * statement_check() or memory ran out. The caller frees it. */
char *statement_dump(const struct statement *st, struct ctv_err *err);

/* Reads a statement from len bytes of JSON text. name (a file name) starts
 * every error message: "NAME: intervals[3].in_bytes: expected a
 * non-negative integer", "NAME:4:12: JSON syntax: ...". Returns 0, or -1
 * with err set and st left initialised (statement_free() is still safe). */
int statement_parse(const char *text, size_t len, const char *name,
		    struct statement *st, struct ctv_err *err);

/* statement_parse() on a file's contents; "-" reads standard input. */
int statement_read_file(const char *path, struct statement *st, struct ctv_err *err);

#endif
