#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "pva.h"

/* A writer waits for at most one chunk: 20,000 rows is a few milliseconds. */
#define PVA_CHUNK_ROWS 20000
/* Our reads wait this long for the agent's commit before giving up. */
#define PVA_BUSY_MS 10000
#define PVA_MAX_DEFS 256

enum def_dir { DIR_IN, DIR_OUT };

struct pva_def {
	int64_t id;
	enum def_dir dir;
	int cls; /* -1: the total (instance ''), else the class id */
};

struct pva_db {
	sqlite3 *db;
	char path[512];
	unsigned chunk_rows;
	unsigned transactions;
	struct pva_def defs[PVA_MAX_DEFS];
	size_t ndefs;
	int path_kind; /* enum scan_path, chosen per scan */
};

static const char *const label_formats[] = {
	[PERIOD_HOUR] = "%Y-%m-%d %H:00",
	[PERIOD_DAY] = "%Y-%m-%d",
	[PERIOD_MONTH] = "%Y-%m",
	[PERIOD_YEAR] = "%Y",
};

/* Errors in what the database holds (or whether it is one) set errno to
 * EINVAL, so the command can tell input errors (exit 2) from the system
 * failing (a lock held too long, I/O: exit 1). */
#define bad(err, ...) (ctv_err_set((err), __VA_ARGS__), errno = EINVAL)

static void db_error(struct pva_db *p, struct ctv_err *err, const char *what)
{
	int code = sqlite3_errcode(p->db) & 0xff;

	if (code == SQLITE_NOTADB) {
		bad(err, "%s: not an SQLite database", p->path);
		return;
	}
	ctv_err_set(err, "%s: %s: %s", p->path, what, sqlite3_errmsg(p->db));
	errno = code == SQLITE_CORRUPT ? EINVAL : code == SQLITE_BUSY ? EBUSY : EIO;
}

/* ---- opening and recognising the database ----------------------------- */

static const char *const def_columns[] = { "id", "eid", "lclass", "instance", "counter", NULL };
static const char *const data_columns[] = { "defid", "startTime", "avg", NULL };

/* Checks that table exists (a table, not a view) with the columns. */
static int check_table(struct pva_db *p, const char *table, const char *const *cols,
		       struct ctv_err *err)
{
	char have[256] = "";
	sqlite3_stmt *st;
	int rc, found = 0;

	rc = sqlite3_prepare_v2(p->db, "SELECT type FROM sqlite_master WHERE name = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_error(p, err, "reading the schema");
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		found = strcmp((const char *)sqlite3_column_text(st, 0), "table") == 0 ? 1 : 2;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(p, err, "reading the schema");
		return -1;
	}
	if (!found) {
		bad(err, "%s: no table %s; not a Virtuozzo agent database (VZAgentDB.sqldb)?",
			    p->path, table);
		return -1;
	}
	if (found == 2) {
		bad(err, "%s: %s is not a table; not a Virtuozzo agent database?", p->path, table);
		return -1;
	}
	rc = sqlite3_prepare_v2(p->db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_error(p, err, "reading the schema");
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(have);

		if (name)
			snprintf(have + n, sizeof(have) - n, "%s%s", n ? ", " : "", name);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(p, err, "reading the schema");
		return -1;
	}
	for (const char *const *c = cols; *c; c++) {
		/* Column names compare case-insensitively in SQLite. */
		const char *s = have;
		size_t n = strlen(*c);
		int ok = 0;

		while (*s) {
			const char *e = strstr(s, ", ");
			size_t len = e ? (size_t)(e - s) : strlen(s);

			if (len == n && strncasecmp(s, *c, n) == 0)
				ok = 1;
			s += len + (e ? 2 : 0);
		}
		if (!ok) {
			bad(err, "%s: table %s has no column %s (it has: %s); not a "
				    "Virtuozzo agent database?", p->path, table, *c, have);
			return -1;
		}
	}
	return 0;
}

struct pva_db *pva_open(const char *path, struct ctv_err *err)
{
	struct pva_db *p;
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0) {
		ctv_err_sys(err, errno, "%s", path);
		errno = EINVAL;
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		bad(err, "%s: not a regular file", path);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ctv_err_sys(err, errno, "%s", path);
		return NULL;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->chunk_rows = PVA_CHUNK_ROWS;
	/* READONLY: never create, never write. No URI: a path with '?' or
	 * '#' stays a path. No immutable/nolock: the agent may be writing,
	 * so we take the ordinary shared locks, briefly. */
	rc = sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		bad(err, "%s: cannot open: %s", path,
		    p->db ? sqlite3_errmsg(p->db) : sqlite3_errstr(rc));
		pva_close(p);
		return NULL;
	}
	sqlite3_extended_result_codes(p->db, 1);
	sqlite3_busy_timeout(p->db, PVA_BUSY_MS);
	/* The file is someone else's: do not let its schema run functions
	 * with side effects, and refuse any write even by mistake. */
	sqlite3_db_config(p->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_db_config(p->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	if (sqlite3_exec(p->db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(p, err, "opening");
		goto fail;
	}
	if (check_table(p, "log_def", def_columns, err) < 0 ||
	    check_table(p, "log_data", data_columns, err) < 0)
		goto fail;
	return p;
fail:
	rc = errno;
	pva_close(p);
	errno = rc;
	return NULL;
}

void pva_close(struct pva_db *p)
{
	if (!p)
		return;
	sqlite3_close(p->db);
	free(p);
}

void pva_set_chunk_rows(struct pva_db *p, unsigned rows)
{
	p->chunk_rows = rows ? rows : 1;
}

unsigned pva_transactions(const struct pva_db *p)
{
	return p->transactions;
}

/* ---- the EID's counter definitions ------------------------------------ */

/* Says which EIDs the database does have, for the "unknown EID" error. */
static void unknown_eid(struct pva_db *p, const char *eid, struct ctv_err *err)
{
	char some[256] = "";
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(p->db, "SELECT DISTINCT eid FROM log_def WHERE lclass = '"
			       PVA_LCLASS "' AND instance = '' LIMIT 4", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *e = (const char *)sqlite3_column_text(st, 0);
			size_t len = strlen(some);

			if (!e)
				continue;
			if (n < 3)
				snprintf(some + len, sizeof(some) - len, "%s%s", n ? ", " : "", e);
			n++;
		}
		sqlite3_finalize(st);
	}
	if (n == 0)
		bad(err, "%s: EID %s not found: the database has no %s counters at all",
			    p->path, eid, PVA_LCLASS);
	else
		bad(err, "%s: EID %s not found among the %s counters (it has %s%s)",
			    p->path, eid, PVA_LCLASS, some, n > 3 ? ", ..." : "");
}

/* "0".."15" -> class id, else -1. */
static int instance_class(const char *s)
{
	if (!s || !*s || strlen(s) > 2 || s[0] < '0' || s[0] > '9')
		return -1;
	if (!s[1])
		return s[0] - '0';
	if (s[0] != '1' || s[1] < '0' || s[1] > '5')
		return -1;
	return 10 + s[1] - '0';
}

static int load_defs(struct pva_db *p, const char *eid, struct ctv_err *err)
{
	sqlite3_stmt *st;
	int rc, totals = 0;

	p->ndefs = 0;
	rc = sqlite3_prepare_v2(p->db, "SELECT id, instance, counter FROM log_def "
				"WHERE eid = ?1 AND lclass = '" PVA_LCLASS "'", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_error(p, err, "reading log_def");
		return -1;
	}
	sqlite3_bind_text(st, 1, eid, -1, SQLITE_STATIC);
	p->transactions++;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *inst = (const char *)sqlite3_column_text(st, 1);
		const char *counter = (const char *)sqlite3_column_text(st, 2);
		struct pva_def d;

		if (!counter)
			continue;
		if (strcmp(counter, PVA_COUNTER_IN) == 0)
			d.dir = DIR_IN;
		else if (strcmp(counter, PVA_COUNTER_OUT) == 0)
			d.dir = DIR_OUT;
		else
			continue;
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER) {
			sqlite3_finalize(st);
			bad(err, "%s: log_def: the id of %s for EID %s is not an integer",
				    p->path, counter, eid);
			return -1;
		}
		d.id = sqlite3_column_int64(st, 0);
		if (inst && !*inst)
			d.cls = -1;
		else if ((d.cls = instance_class(inst)) < 0)
			continue; /* another kind of instance: not ours to interpret */
		if (p->ndefs == PVA_MAX_DEFS) {
			sqlite3_finalize(st);
			bad(err, "%s: log_def: more than %d network counters for EID %s",
				    p->path, PVA_MAX_DEFS, eid);
			return -1;
		}
		totals += d.cls < 0;
		p->defs[p->ndefs++] = d;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(p, err, "reading log_def");
		return -1;
	}
	if (!totals) {
		unknown_eid(p, eid, err);
		return -1;
	}
	return 0;
}

static const struct pva_def *find_def(const struct pva_db *p, int64_t id)
{
	for (size_t i = 0; i < p->ndefs; i++)
		if (p->defs[i].id == id)
			return &p->defs[i];
	return NULL;
}

/* ---- scanning log_data in short read transactions ---------------------- */

struct scan_row {
	const struct pva_def *def;
	const char *label; /* NULL unless a label format was given */
	int64_t start;
	int is_real;
	int64_t ival;
	double rval;
};

typedef int (*scan_fn)(void *ctx, const struct scan_row *row, struct ctv_err *err);

/* How log_data is paged. Each page is one statement, hence one short read
 * transaction (autocommit), so the agent can commit between pages. The
 * keyset paths read only our rows, at most chunk_rows per page, through an
 * index whose first column is defid; the rowid path reads a range of
 * chunk_rows rowids per page and lets SQLite drop other EIDs' rows, so a
 * page is bounded whatever the indexes. */
enum scan_path {
	PATH_UNKNOWN,
	PATH_DEF_TIME, /* index (defid, startTime): per def, by (startTime, rowid) */
	PATH_DEF,      /* index (defid): per def, by rowid */
	PATH_ROWID,    /* no index worth it: the table in rowid ranges */
	PATH_WHOLE,    /* WITHOUT ROWID: one statement */
};

/* %s is the list of our def ids. */
static const char *const path_where[] = {
	[PATH_DEF_TIME] = "WHERE defid = :d AND (startTime, rowid) > (:t, :r) AND rowid <= :max "
			  "ORDER BY startTime, rowid LIMIT :n",
	[PATH_DEF] = "WHERE defid = :d AND rowid > :r AND rowid <= :max ORDER BY rowid LIMIT :n",
	[PATH_ROWID] = "WHERE rowid > :r AND rowid <= min(:r + :n, :max) AND +defid IN (%s)",
	[PATH_WHOLE] = "WHERE defid IN (%s)",
};

/* Whether SQLite would run the page query for path through an index on
 * defid without sorting: asked of the planner, not guessed from names. */
static int plan_is_indexed(struct pva_db *p, enum scan_path path)
{
	char sql[512];
	sqlite3_stmt *st;
	int index = 0, sorts = 0;

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN SELECT rowid, defid, startTime, avg "
		 "FROM log_data %s", path_where[path]);
	if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);

		if (d && strstr(d, " INDEX ") && strstr(d, "defid=?"))
			index = 1;
		if (d && strstr(d, "TEMP B-TREE"))
			sorts = 1;
	}
	sqlite3_finalize(st);
	return index && !sorts;
}

/* Through an index, each of our rows costs a lookup in the table; paging
 * the table in rowid order costs a sequential read of every row. The index
 * wins when our counters are a small share of all counters (a node with
 * many containers and counter classes), which log_def tells cheaply. */
#define PVA_INDEX_SHARE 8 /* use an index when ours are < 1/8 of the defs */

static enum scan_path choose_path(struct pva_db *p)
{
	sqlite3_stmt *st;
	int64_t all = 0;
	int rc;

	/* A WITHOUT ROWID table has no rowid to page by. */
	rc = sqlite3_prepare_v2(p->db, "SELECT rowid FROM log_data LIMIT 0", -1, &st, NULL);
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return PATH_WHOLE;
	if (sqlite3_prepare_v2(p->db, "SELECT count(*) FROM log_def", -1, &st, NULL) == SQLITE_OK) {
		p->transactions++;
		if (sqlite3_step(st) == SQLITE_ROW)
			all = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if ((int64_t)p->ndefs * PVA_INDEX_SHARE > all)
		return PATH_ROWID;
	if (plan_is_indexed(p, PATH_DEF_TIME))
		return PATH_DEF_TIME;
	if (plan_is_indexed(p, PATH_DEF))
		return PATH_DEF;
	return PATH_ROWID;
}

/* One row of a page: checks its values and hands it to fn. Returns 0, 1 to
 * stop this def's pages (past the window in time order), or -1. */
static int take_row(struct pva_db *p, sqlite3_stmt *st, const char *label_fmt,
		    int64_t from, int64_t to, int time_ordered, scan_fn fn, void *ctx,
		    struct ctv_err *err)
{
	long long rowid = (long long)sqlite3_column_int64(st, 0);
	struct scan_row r;
	int t;

	if (sqlite3_column_type(st, 1) != SQLITE_INTEGER)
		return 0;
	r.def = find_def(p, sqlite3_column_int64(st, 1));
	if (!r.def)
		return 0;
	t = sqlite3_column_type(st, 2);
	if (t == SQLITE_INTEGER) {
		r.start = sqlite3_column_int64(st, 2);
	} else if (t == SQLITE_FLOAT && fabs(sqlite3_column_double(st, 2)) < 9e15) {
		r.start = (int64_t)floor(sqlite3_column_double(st, 2));
	} else {
		bad(err, "%s: log_data row %lld: startTime is not a number", p->path, rowid);
		return -1;
	}
	if (r.start >= to)
		return time_ordered;
	if (r.start < from)
		return 0;
	t = sqlite3_column_type(st, 3);
	if (t == SQLITE_NULL)
		return 0; /* sum() skips NULLs too */
	r.is_real = t == SQLITE_FLOAT;
	r.ival = 0;
	r.rval = 0;
	if (t == SQLITE_INTEGER) {
		r.ival = sqlite3_column_int64(st, 3);
	} else if (t == SQLITE_FLOAT && isfinite(sqlite3_column_double(st, 3))) {
		r.rval = sqlite3_column_double(st, 3);
	} else {
		bad(err, "%s: log_data row %lld: avg is not a number", p->path, rowid);
		return -1;
	}
	r.label = (const char *)sqlite3_column_text(st, 4);
	if (label_fmt && !r.label) {
		bad(err, "%s: log_data row %lld: SQLite gives no local time for startTime %lld",
		    p->path, rowid, (long long)r.start);
		return -1;
	}
	if (fn(ctx, &r, err) < 0) {
		ctv_err_prefix(err, "%s: log_data row %lld", p->path, rowid);
		return -1;
	}
	return 0;
}

static void bind_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

/* The rowid path's next range starts after *r + chunk_rows, or at the next
 * existing rowid when rows were deleted in between (so gaps cost nothing).
 * Returns 1 to go on, 0 when past maxid (*r = INT64_MAX), -1 on error. */
static int next_range(struct pva_db *p, sqlite3_int64 *r, sqlite3_int64 maxid,
		      struct ctv_err *err)
{
	sqlite3_stmt *st;
	sqlite3_int64 next;
	int rc;

	if (__builtin_add_overflow(*r, (sqlite3_int64)p->chunk_rows, &next) || next >= maxid) {
		*r = INT64_MAX;
		return 0;
	}
	rc = sqlite3_prepare_v2(p->db, "SELECT min(rowid) FROM log_data WHERE rowid > ?1",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, next);
		p->transactions++;
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		db_error(p, err, "reading log_data");
		sqlite3_finalize(st);
		return -1;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL || sqlite3_column_int64(st, 0) > maxid) {
		sqlite3_finalize(st);
		*r = INT64_MAX;
		return 0;
	}
	*r = sqlite3_column_int64(st, 0) - 1;
	sqlite3_finalize(st);
	return 1;
}

/* Reads the pages of one def (or of the whole table for PATH_ROWID and
 * PATH_WHOLE) with the prepared page statement st. */
static int scan_pages(struct pva_db *p, sqlite3_stmt *st, enum scan_path path, int64_t defid,
		      sqlite3_int64 first_rowid, sqlite3_int64 maxid, const char *label_fmt,
		      int64_t from, int64_t to, scan_fn fn, void *ctx, struct ctv_err *err)
{
	sqlite3_value *last_t = NULL;
	sqlite3_int64 last_r = path == PATH_ROWID ? first_rowid : INT64_MIN;
	int rc = 0, t_index = sqlite3_bind_parameter_index(st, ":t");

	for (;;) {
		unsigned got = 0;
		int step, stop = 0;

		sqlite3_reset(st);
		bind_i64(st, ":d", defid);
		bind_i64(st, ":r", last_r);
		bind_i64(st, ":max", maxid);
		bind_i64(st, ":n", p->chunk_rows);
		if (t_index > 0) {
			/* The next page starts after the last key exactly as
			 * stored (a REAL startTime too), or at from. */
			if (last_t)
				sqlite3_bind_value(st, t_index, last_t);
			else
				sqlite3_bind_int64(st, t_index, from);
		}
		p->transactions++;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			got++;
			if (path != PATH_ROWID)
				last_r = sqlite3_column_int64(st, 0);
			if (t_index > 0) {
				sqlite3_value_free(last_t);
				last_t = sqlite3_value_dup(sqlite3_column_value(st, 2));
				if (!last_t) {
					bad(err, "out of memory");
					rc = -1;
					goto out;
				}
			}
			stop = take_row(p, st, label_fmt, from, to, path == PATH_DEF_TIME, fn, ctx, err);
			if (stop < 0) {
				rc = -1;
				goto out;
			}
			if (stop)
				break;
		}
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			db_error(p, err, "reading log_data");
			rc = -1;
			goto out;
		}
		if (stop || path == PATH_WHOLE)
			break;
		if (path != PATH_ROWID) {
			if (got < p->chunk_rows)
				break;
			continue;
		}
		if (next_range(p, &last_r, maxid, err) <= 0) {
			rc = last_r == INT64_MAX ? 0 : -1;
			break;
		}
	}
out:
	/* Ends the read transaction. */
	sqlite3_reset(st);
	sqlite3_value_free(last_t);
	return rc;
}

const char *pva_scan_path(const struct pva_db *p)
{
	static const char *const names[] = {
		[PATH_UNKNOWN] = "unknown",
		[PATH_DEF_TIME] = "index (defid, startTime)",
		[PATH_DEF] = "index (defid)",
		[PATH_ROWID] = "table by rowid",
		[PATH_WHOLE] = "whole table",
	};

	return names[p->path_kind];
}

/* Calls fn for every log_data row of the loaded defs with startTime in
 * [from, to), in pages (see enum scan_path). Rows the agent adds after we
 * started are left for the next run: pages stop at the largest rowid seen
 * at the start. */
static int scan(struct pva_db *p, const char *label_fmt, int64_t from, int64_t to,
		scan_fn fn, void *ctx, struct ctv_err *err)
{
	char ids[PVA_MAX_DEFS * 24], label[128], sql[PVA_MAX_DEFS * 24 + 640];
	sqlite3_stmt *st = NULL;
	sqlite3_int64 maxid = INT64_MAX;
	size_t n = 0;
	int rc = 0;

	sqlite3_int64 minid = 0;

	p->path_kind = choose_path(p);
	for (size_t i = 0; i < p->ndefs; i++)
		n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%lld", i ? "," : "",
				      (long long)p->defs[i].id);
	if (label_fmt)
		snprintf(label, sizeof(label), "strftime('%s', datetime(startTime, 'unixepoch', "
			 "'localtime'))", label_fmt);
	else
		snprintf(label, sizeof(label), "NULL");
	if (p->path_kind != PATH_WHOLE) {
		/* Two statements: min() and max() together would scan. */
		for (int k = 0; k < 2; k++) {
			rc = sqlite3_prepare_v2(p->db, k ? "SELECT max(rowid) FROM log_data" :
						"SELECT min(rowid) FROM log_data", -1, &st, NULL);
			if (rc == SQLITE_OK) {
				p->transactions++;
				rc = sqlite3_step(st);
			}
			if (rc != SQLITE_ROW) {
				db_error(p, err, "reading log_data");
				sqlite3_finalize(st);
				return -1;
			}
			if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
				sqlite3_finalize(st);
				return 0; /* empty table */
			}
			if (k)
				maxid = sqlite3_column_int64(st, 0);
			else
				minid = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
		rc = 0;
		/* The first range must include the smallest rowid. */
		if (minid == INT64_MIN) {
			bad(err, "%s: log_data has a rowid of -2^63", p->path);
			return -1;
		}
	}
	n = (size_t)snprintf(sql, sizeof(sql), "SELECT %s, defid, startTime, avg, %s FROM log_data ",
			     p->path_kind == PATH_WHOLE ? "0" : "rowid", label);
	snprintf(sql + n, sizeof(sql) - n, path_where[p->path_kind], ids);
	if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(p, err, "reading log_data");
		return -1;
	}
	if (p->path_kind == PATH_DEF_TIME || p->path_kind == PATH_DEF) {
		for (size_t i = 0; rc == 0 && i < p->ndefs; i++) {
			size_t j;

			for (j = 0; j < i && p->defs[j].id != p->defs[i].id; j++)
				;
			if (j == i) /* each def id once */
				rc = scan_pages(p, st, p->path_kind, p->defs[i].id, minid - 1, maxid,
						label_fmt, from, to, fn, ctx, err);
		}
	} else {
		rc = scan_pages(p, st, p->path_kind, 0, minid - 1, maxid, label_fmt, from, to,
				fn, ctx, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- report ------------------------------------------------------------ */

struct group_acc {
	double in_real; /* REAL values, rounded once at the end */
	double out_real;
};

struct report_ctx {
	struct pva_report *out;
	struct group_acc *acc;
	size_t acc_cap;
	size_t hint; /* rows arrive in time order: the last group is likely */
};

static int add64(int64_t *sum, int64_t v, struct ctv_err *err)
{
	if (__builtin_add_overflow(*sum, v, sum)) {
		bad(err, "the sum overflows 64 bits");
		return -1;
	}
	return 0;
}

static int report_row(void *vctx, const struct scan_row *r, struct ctv_err *err)
{
	struct report_ctx *c = vctx;
	struct pva_report *rep = c->out;
	size_t lo = 0, hi = rep->nrows, i;
	int cmp = 1;

	if (r->def->cls >= 0)
		return 0;
	if (c->hint < rep->nrows && strcmp(rep->rows[c->hint].period, r->label) == 0) {
		i = c->hint;
		cmp = 0;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			cmp = strcmp(rep->rows[mid].period, r->label);
			if (cmp == 0) {
				lo = mid;
				break;
			}
			if (cmp < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	if (cmp != 0) {
		if (rep->nrows == rep->cap) {
			size_t cap = rep->cap ? rep->cap * 2 : 64;
			struct pva_row *rows = realloc(rep->rows, cap * sizeof(*rows));
			struct group_acc *acc = realloc(c->acc, cap * sizeof(*acc));

			if (rows)
				rep->rows = rows;
			if (acc)
				c->acc = acc;
			if (!rows || !acc) {
				bad(err, "out of memory");
				return -1;
			}
			rep->cap = cap;
		}
		memmove(&rep->rows[i + 1], &rep->rows[i], (rep->nrows - i) * sizeof(*rep->rows));
		memmove(&c->acc[i + 1], &c->acc[i], (rep->nrows - i) * sizeof(*c->acc));
		memset(&rep->rows[i], 0, sizeof(rep->rows[i]));
		memset(&c->acc[i], 0, sizeof(c->acc[i]));
		snprintf(rep->rows[i].period, sizeof(rep->rows[i].period), "%s", r->label);
		rep->nrows++;
	}
	c->hint = i;
	if (r->is_real) {
		if (r->def->dir == DIR_IN)
			c->acc[i].in_real += r->rval;
		else
			c->acc[i].out_real += r->rval;
		return 0;
	}
	return add64(r->def->dir == DIR_IN ? &rep->rows[i].in_bytes : &rep->rows[i].out_bytes,
		     r->ival, err);
}

/* A REAL sum as an integer, or -1 if it does not fit. */
static int real_to_int(double v, int64_t *out)
{
	v = round(v);
	if (!(v > -9.2e18 && v < 9.2e18))
		return -1;
	*out = (int64_t)v;
	return 0;
}

int pva_report(struct pva_db *p, const char *eid, enum period_by by,
	       int64_t from, int64_t to, struct pva_report *out, struct ctv_err *err)
{
	struct report_ctx c = { .out = out };
	const char *fmt = by == PERIOD_TOTAL ? "total" : label_formats[by];
	int rc;

	memset(out, 0, sizeof(*out));
	p->transactions = 0;
	if (load_defs(p, eid, err) < 0)
		return -1;
	rc = scan(p, fmt, from, to, report_row, &c, err);
	for (size_t i = 0; rc == 0 && i < out->nrows; i++) {
		int64_t v;

		if (c.acc[i].in_real != 0 &&
		    (real_to_int(c.acc[i].in_real, &v) < 0 || add64(&out->rows[i].in_bytes, v, err) < 0))
			rc = -1;
		if (c.acc[i].out_real != 0 &&
		    (real_to_int(c.acc[i].out_real, &v) < 0 || add64(&out->rows[i].out_bytes, v, err) < 0))
			rc = -1;
		if (rc < 0)
			bad(err, "%s: %s: the sum overflows 64 bits", p->path, out->rows[i].period);
	}
	free(c.acc);
	if (rc < 0)
		pva_report_free(out);
	return rc;
}

void pva_report_free(struct pva_report *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

/* ---- export ------------------------------------------------------------ */

struct minute {
	int64_t start;
	int64_t in_bytes;
	int64_t out_bytes;
};

struct export_ctx {
	struct minute *m;
	size_t n, cap;
	int64_t cls_in[STATEMENT_CLASSES];
	int64_t cls_out[STATEMENT_CLASSES];
	unsigned cls_seen;
};

static int value_of(const struct scan_row *r, int64_t *v, struct ctv_err *err)
{
	if (r->is_real) {
		if (real_to_int(r->rval, v) < 0) {
			bad(err, "avg %g does not fit in 64 bits", r->rval);
			return -1;
		}
	} else {
		*v = r->ival;
	}
	if (*v < 0) {
		bad(err, "%s is negative (%lld); a statement cannot carry it",
			    r->def->dir == DIR_IN ? PVA_COUNTER_IN : PVA_COUNTER_OUT, (long long)*v);
		return -1;
	}
	return 0;
}

static int export_row(void *vctx, const struct scan_row *r, struct ctv_err *err)
{
	struct export_ctx *c = vctx;
	int64_t v;

	if (value_of(r, &v, err) < 0)
		return -1;
	if (r->def->cls >= 0) {
		c->cls_seen |= 1u << r->def->cls;
		return add64(r->def->dir == DIR_IN ? &c->cls_in[r->def->cls] :
			     &c->cls_out[r->def->cls], v, err);
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct minute *m = realloc(c->m, cap * sizeof(*m));

		if (!m) {
			bad(err, "out of memory");
			return -1;
		}
		c->m = m;
		c->cap = cap;
	}
	c->m[c->n].start = r->start;
	c->m[c->n].in_bytes = r->def->dir == DIR_IN ? v : 0;
	c->m[c->n].out_bytes = r->def->dir == DIR_OUT ? v : 0;
	c->n++;
	return 0;
}

static int cmp_minute(const void *a, const void *b)
{
	const struct minute *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_i64(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The agent's poll step: the median gap between stored rows (a missed
 * poll or a restart does not change it), 60 s when it cannot be told. */
static int64_t poll_step(const struct minute *m, size_t n)
{
	int64_t *gaps, step = 60;
	size_t k = 0;

	if (n < 2 || !(gaps = malloc((n - 1) * sizeof(*gaps))))
		return step;
	for (size_t i = 1; i < n; i++)
		gaps[k++] = m[i].start - m[i - 1].start;
	qsort(gaps, k, sizeof(*gaps), cmp_i64);
	if (gaps[k / 2] > 0)
		step = gaps[k / 2];
	free(gaps);
	return step;
}

int pva_export(struct pva_db *p, const char *eid, const char *ct,
	       int64_t from, int64_t to, struct statement *st, struct ctv_err *err)
{
	struct export_ctx c;
	struct statement_interval iv;
	int64_t step;
	size_t n = 0;

	memset(&c, 0, sizeof(c));
	statement_init(st, STATEMENT_PVA);
	p->transactions = 0;
	snprintf(st->ct, sizeof(st->ct), "%s", ct ? ct : eid);
	if (load_defs(p, eid, err) < 0)
		return -1;
	if (scan(p, NULL, from, to, export_row, &c, err) < 0)
		goto fail;
	/* In and out of one poll arrive as two rows: one interval. */
	if (c.n)
		qsort(c.m, c.n, sizeof(*c.m), cmp_minute);
	for (size_t i = 0; i < c.n; i++) {
		if (n && c.m[n - 1].start == c.m[i].start) {
			if (add64(&c.m[n - 1].in_bytes, c.m[i].in_bytes, err) < 0 ||
			    add64(&c.m[n - 1].out_bytes, c.m[i].out_bytes, err) < 0)
				goto fail_where;
		} else {
			c.m[n++] = c.m[i];
		}
	}
	if (n == 0 && (from == PVA_NO_FROM || to == PVA_NO_TO)) {
		bad(err, "%s: EID %s has no rows%s; give --from and --to to state an "
			    "empty window", p->path, eid,
			    from != PVA_NO_FROM || to != PVA_NO_TO ? " in that window" : "");
		goto fail;
	}
	if (from < 0 && from != PVA_NO_FROM) {
		bad(err, "%s: the window starts before 1970", p->path);
		goto fail;
	}
	step = poll_step(c.m, n);
	st->from = from != PVA_NO_FROM ? from : c.m[0].start;
	if (to != PVA_NO_TO)
		st->to = to;
	else if (__builtin_add_overflow(c.m[n - 1].start, step, &st->to))
		st->to = c.m[n - 1].start;
	for (size_t i = 0; i < n; i++) {
		iv.start = c.m[i].start;
		if (__builtin_add_overflow(iv.start, step, &iv.end))
			iv.end = INT64_MAX;
		if (i + 1 < n && iv.end > c.m[i + 1].start)
			iv.end = c.m[i + 1].start;
		if (iv.end > st->to)
			iv.end = st->to;
		iv.c = (struct statement_counts){ .in_bytes = c.m[i].in_bytes,
						  .out_bytes = c.m[i].out_bytes };
		if (add64(&st->totals.in_bytes, iv.c.in_bytes, err) < 0 ||
		    add64(&st->totals.out_bytes, iv.c.out_bytes, err) < 0)
			goto fail_where;
		if (statement_add_interval(st, &iv) < 0) {
			bad(err, "out of memory");
			goto fail;
		}
	}
	st->has_intervals = 1;
	for (int k = 0; k < STATEMENT_CLASSES; k++) {
		if (!(c.cls_seen & (1u << k)))
			continue;
		st->classes[st->nclasses].id = k;
		st->classes[st->nclasses].c.in_bytes = c.cls_in[k];
		st->classes[st->nclasses].c.out_bytes = c.cls_out[k];
		st->nclasses++;
		st->has_classes = 1;
	}
	free(c.m);
	if (statement_check(st, err) < 0) {
		ctv_err_prefix(err, "%s: EID %s", p->path, eid);
		statement_free(st);
		return -1;
	}
	return 0;
fail_where:
	ctv_err_prefix(err, "%s: EID %s", p->path, eid);
fail:
	free(c.m);
	statement_free(st);
	return -1;
}
