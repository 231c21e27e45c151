/* pva.h - reading a Virtuozzo agent database (VZAgentDB.sqldb) in place.
 *
 * The agent stores, every minute, the difference of each container's
 * network counters in log_def(id, eid, lclass, instance, counter) /
 * log_data(defid, startTime, avg): lclass 'counters_vz_net', instance ''
 * for the container total, counters 'counter_net_incoming_bytes' and
 * 'counter_net_outgoing_bytes'. Instances that are class ids ("0".."15")
 * are per-class rows where an agent keeps them.
 *
 * The database belongs to a running agent: it is opened read-only, never
 * written, never copied, with no journal-mode change, and read in short
 * read transactions of a bounded number of rows each, so the agent's
 * writer waits at most for one of them. Where an index on defid exists,
 * only the EID's rows are read.
 */
#ifndef CTV_PVA_H
#define CTV_PVA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "period.h"
#include "statement.h"

#define PVA_LCLASS "counters_vz_net"
#define PVA_COUNTER_IN "counter_net_incoming_bytes"
#define PVA_COUNTER_OUT "counter_net_outgoing_bytes"
#define PVA_NO_FROM INT64_MIN
#define PVA_NO_TO INT64_MAX

struct pva_db;

/* Opens path read-only and checks it is an agent database (tables log_def
 * and log_data with the columns above). Returns NULL with err saying why:
 * missing file, not SQLite, a table or column missing. */
struct pva_db *pva_open(const char *path, struct ctv_err *err);

void pva_close(struct pva_db *db);

/* Rows per read transaction (default 20000); tests make it small to show
 * that chunking changes nothing. */
void pva_set_chunk_rows(struct pva_db *db, unsigned rows);

/* How many read transactions the last pva_report()/pva_export() took. */
unsigned pva_transactions(const struct pva_db *db);

/* How log_data is read, as chosen from SQLite's query plan on first use:
 * "index (defid, startTime)", "index (defid)" (only the EID's rows, in
 * index order), "table by rowid" (no usable index: every row, in pages),
 * "whole table" (WITHOUT ROWID: one statement), or "unknown". */
const char *pva_scan_path(const struct pva_db *db);

struct pva_row {
	char period[32]; /* the reference query's label: "2013-01", ... */
	int64_t in_bytes;
	int64_t out_bytes;
};

struct pva_report {
	struct pva_row *rows; /* ordered by period */
	size_t nrows;
	size_t cap;
};

/* Sums the EID's total rows (instance '') with startTime in [from, to) per
 * local period, labelled exactly as the reference query's
 * strftime(FORMAT, datetime(startTime, 'unixepoch', 'localtime')) labels
 * them (SQLite computes the labels; an hour repeated by DST is one row, as
 * there). Returns 0, or -1 with err set: unknown EID, a non-numeric value,
 * an overflowing sum, a database error. */
int pva_report(struct pva_db *db, const char *eid, enum period_by by,
	       int64_t from, int64_t to, struct pva_report *out, struct ctv_err *err);

void pva_report_free(struct pva_report *r);

/* Fills st (source "pva", ct = ct or else eid) with the EID's totals,
 * per-class sums where the agent keeps per-class instances, and one interval
 * per stored minute: [startTime, startTime + the usual poll step), cut at
 * the next row's start and at to. from/to default to the first and last
 * rows. Returns 0, or -1 with err set (also for negative stored values,
 * which a statement cannot carry, and for no rows without a window). */
int pva_export(struct pva_db *db, const char *eid, const char *ct,
	       int64_t from, int64_t to, struct statement *st, struct ctv_err *err);

#endif
