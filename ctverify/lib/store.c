#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

/* "CTVS" in the database header: a store is recognised by it, and any
 * other SQLite file is refused instead of being written into. */
#define STORE_APP_ID 0x43545653
#define STORE_SCHEMA 1
#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES 12

enum {
	S_STATE_GET,
	S_STATE_PUT,
	S_SERIES_GET,
	S_SERIES_NEW,
	S_SERIES_PUT,
	S_INTERVAL_NEW,
	S_MINUTE_PUT,
	S_HOUR_ADD,
	S_EVENT_NEW,
	S_SCALAR_GET,
	S_SCALAR_NEW,
	S_SCALAR_PUT,
	S_SMINUTE_PUT,
	S_SHOUR_ADD,
	S_SHOUR_SET,
	S_N
};

static const char *const stmt_sql[S_N] = {
	[S_STATE_GET] = "SELECT wall_ms, mono_ms, boot_id, timeline_ms, hour, minute_keep_s FROM state WHERE id = 1",
	[S_STATE_PUT] = "INSERT INTO state(id, wall_ms, mono_ms, boot_id, timeline_ms, hour, minute_keep_s) "
			"VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
			"wall_ms = ?1, mono_ms = ?2, boot_id = ?3, timeline_ms = ?4, hour = ?5, minute_keep_s = ?6",
	[S_SERIES_GET] = "SELECT id, in_bytes, in_packets, out_bytes, out_packets FROM series WHERE key = ?1 AND sub = ?2",
	[S_SERIES_NEW] = "INSERT INTO series(key, sub) VALUES (?1, ?2)",
	[S_SERIES_PUT] = "UPDATE series SET in_bytes = ?2, in_packets = ?3, out_bytes = ?4, out_packets = ?5 WHERE id = ?1",
	[S_INTERVAL_NEW] = "INSERT INTO interval(hour, start_ms, end_ms, wall_ms, elapsed_ms, boot_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_MINUTE_PUT] = "INSERT INTO minute(interval, series, in_bytes, in_packets, out_bytes, out_packets) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_HOUR_ADD] = "INSERT INTO hour(t, series, in_bytes, in_packets, out_bytes, out_packets) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		       "ON CONFLICT(t, series) DO UPDATE SET in_bytes = in_bytes + ?3, in_packets = in_packets + ?4, "
		       "out_bytes = out_bytes + ?5, out_packets = out_packets + ?6",
	[S_EVENT_NEW] = "INSERT INTO event(t_ms, kind, series, from_ms, to_ms, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_SCALAR_GET] = "SELECT id, gauge, value FROM scalar WHERE name = ?1",
	[S_SCALAR_NEW] = "INSERT INTO scalar(name, gauge, value) VALUES (?1, ?2, NULL)",
	[S_SCALAR_PUT] = "UPDATE scalar SET value = ?2, gauge = ?3 WHERE id = ?1",
	[S_SMINUTE_PUT] = "INSERT INTO scalar_minute(interval, scalar, value) VALUES (?1, ?2, ?3)",
	[S_SHOUR_ADD] = "INSERT INTO scalar_hour(t, scalar, value) VALUES (?1, ?2, ?3) "
			"ON CONFLICT(t, scalar) DO UPDATE SET value = value + ?3",
	[S_SHOUR_SET] = "INSERT INTO scalar_hour(t, scalar, value) VALUES (?1, ?2, ?3) "
			"ON CONFLICT(t, scalar) DO UPDATE SET value = ?3",
};

/* Minute rows and intervals are pruned by whole (attribution) hours, so an
 * hour is either all minutes or only its hour row: store_intervals() can
 * take hour rows up to the first remaining minute without counting twice. */
static const char schema_sql[] =
	"CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), wall_ms INTEGER NOT NULL, "
	"  mono_ms INTEGER NOT NULL, boot_id TEXT NOT NULL, timeline_ms INTEGER NOT NULL, "
	"  hour INTEGER NOT NULL, minute_keep_s INTEGER NOT NULL);\n"
	"CREATE TABLE series(id INTEGER PRIMARY KEY, key TEXT NOT NULL, sub INTEGER NOT NULL, "
	"  in_bytes INTEGER NOT NULL DEFAULT 0, in_packets INTEGER NOT NULL DEFAULT 0, "
	"  out_bytes INTEGER NOT NULL DEFAULT 0, out_packets INTEGER NOT NULL DEFAULT 0, "
	"  UNIQUE (key, sub));\n"
	"CREATE TABLE interval(id INTEGER PRIMARY KEY, hour INTEGER NOT NULL, "
	"  start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, wall_ms INTEGER NOT NULL, "
	"  elapsed_ms INTEGER, boot_id TEXT NOT NULL);\n"
	"CREATE INDEX interval_hour ON interval(hour);\n"
	"CREATE TABLE minute(interval INTEGER NOT NULL, series INTEGER NOT NULL, "
	"  in_bytes INTEGER NOT NULL, in_packets INTEGER NOT NULL, "
	"  out_bytes INTEGER NOT NULL, out_packets INTEGER NOT NULL, "
	"  PRIMARY KEY (interval, series)) WITHOUT ROWID;\n"
	"CREATE TABLE hour(t INTEGER NOT NULL, series INTEGER NOT NULL, "
	"  in_bytes INTEGER NOT NULL, in_packets INTEGER NOT NULL, "
	"  out_bytes INTEGER NOT NULL, out_packets INTEGER NOT NULL, "
	"  PRIMARY KEY (t, series)) WITHOUT ROWID;\n"
	"CREATE INDEX hour_series ON hour(series, t);\n"
	"CREATE TABLE event(id INTEGER PRIMARY KEY, t_ms INTEGER NOT NULL, kind TEXT NOT NULL, "
	"  series INTEGER, from_ms INTEGER, to_ms INTEGER, detail TEXT NOT NULL DEFAULT '');\n"
	"CREATE INDEX event_t ON event(t_ms);\n"
	"CREATE TABLE scalar(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
	"  gauge INTEGER NOT NULL, value INTEGER);\n"
	"CREATE TABLE scalar_minute(interval INTEGER NOT NULL, scalar INTEGER NOT NULL, "
	"  value INTEGER NOT NULL, PRIMARY KEY (interval, scalar)) WITHOUT ROWID;\n"
	"CREATE TABLE scalar_hour(t INTEGER NOT NULL, scalar INTEGER NOT NULL, "
	"  value INTEGER NOT NULL, PRIMARY KEY (t, scalar)) WITHOUT ROWID;\n";

struct store {
	sqlite3 *db;
	char *path;
	enum store_open_mode mode;
	int64_t minute_keep_s;
	int lock_fd; /* store_claim()'s flock, -1 when not claimed */
	sqlite3_stmt *stmt[S_N];
};

/* "disk I/O error" alone does not say why; the system call's error does
 * (EROFS on a filesystem the kernel made read-only, EIO, ...). SQLite
 * keeps it for some failures (sqlite3_system_errno()), not for a failed
 * COMMIT's write to the WAL: then os, errno right after the call that
 * failed (cleared before it), if the caller has it. */
static int db_fail_os(struct store *st, struct ctv_err *err, const char *what, int os)
{
	if (sqlite3_system_errno(st->db) > 0)
		os = sqlite3_system_errno(st->db);
	if ((sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_IOERR && os > 0)
		ctv_err_set(err, "%s: %s: %s (%s)", st->path, what, sqlite3_errmsg(st->db),
			    strerror(os));
	else
		ctv_err_set(err, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return -1;
}

static int db_fail(struct store *st, struct ctv_err *err, const char *what)
{
	return db_fail_os(st, err, what, 0);
}

static void nap(int attempt)
{
	struct timespec ts = { 0, (long)(10 + attempt * 20) * 1000000L };

	nanosleep(&ts, NULL);
}

static int is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Runs sql, retrying while another connection holds a lock. The busy
 * timeout already waits; the retries cover the cases where SQLite returns
 * SQLITE_BUSY without calling the busy handler (WAL recovery, a read
 * transaction that cannot be upgraded). */
static int exec_retry(struct store *st, const char *sql, struct ctv_err *err)
{
	int rc = SQLITE_OK, os = 0;

	for (int i = 0; i < BUSY_RETRIES; i++) {
		errno = 0;
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		os = errno;
		if (!is_busy(rc))
			break;
		nap(i);
	}
	if (rc != SQLITE_OK)
		return db_fail_os(st, err, sql, os);
	return 0;
}

/* First step of a read query, with the same retries. */
static int step_first(sqlite3_stmt *s)
{
	int rc = SQLITE_OK;

	for (int i = 0; i < BUSY_RETRIES; i++) {
		rc = sqlite3_step(s);
		if (!is_busy(rc))
			break;
		sqlite3_reset(s);
		nap(i);
	}
	return rc;
}

static sqlite3_stmt *prep(struct store *st, const char *sql, struct ctv_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_OK;

	for (int i = 0; i < BUSY_RETRIES; i++) {
		rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
		if (!is_busy(rc))
			break;
		nap(i);
	}
	if (rc != SQLITE_OK) {
		db_fail(st, err, "preparing a query");
		return NULL;
	}
	return s;
}

static sqlite3_stmt *stmt(struct store *st, int which, struct ctv_err *err)
{
	if (!st->stmt[which])
		st->stmt[which] = prep(st, stmt_sql[which], err);
	else
		sqlite3_reset(st->stmt[which]);
	if (st->stmt[which])
		sqlite3_clear_bindings(st->stmt[which]);
	return st->stmt[which];
}

/* Steps a write statement to completion. */
static int run(struct store *st, sqlite3_stmt *s, struct ctv_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "writing");
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static int pragma_int(struct store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sqlite3_errcode(st->db);
	rc = step_first(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* 1 ours, 0 empty, -1 refused (err set). Only reads. */
static int identify(struct store *st, struct ctv_err *err)
{
	int64_t app = 0, version = 0, objects = 0;
	int rc;

	rc = pragma_int(st, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = pragma_int(st, "SELECT count(*) FROM sqlite_master", &objects);
	if (rc == SQLITE_OK)
		rc = pragma_int(st, "PRAGMA user_version", &version);
	if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
		ctv_err_set(err, "%s: not a ctverify store (%s); refusing to touch it",
			    st->path, sqlite3_errstr(rc));
		return -1;
	}
	if (rc != SQLITE_OK) {
		ctv_err_set(err, "%s: cannot read the database header: %s", st->path,
			    sqlite3_errmsg(st->db));
		return -1;
	}
	if (app == STORE_APP_ID) {
		if (version > STORE_SCHEMA) {
			ctv_err_set(err, "%s: store schema %" PRId64 " is newer than this program's (%d)",
				    st->path, version, STORE_SCHEMA);
			return -1;
		}
		if (version < 1) {
			ctv_err_set(err, "%s: a ctverify store with a damaged header (schema %" PRId64 ")",
				    st->path, version);
			return -1;
		}
		return 1;
	}
	if (app == 0 && objects == 0)
		return 0;
	ctv_err_set(err, "%s: a SQLite database of another program (application_id 0x%08" PRIx64
		    ", %" PRId64 " objects), not a ctverify store; refusing to touch it",
		    st->path, (uint64_t)(uint32_t)app, objects);
	return -1;
}

static int create_schema(struct store *st, struct ctv_err *err)
{
	char sql[128];
	int who;

	/* journal_mode cannot change inside a transaction; on an empty file
	 * this is the first write. */
	if (exec_retry(st, "PRAGMA journal_mode=WAL", err) < 0)
		return -1;
	if (exec_retry(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	/* Another process may have created it while we waited. */
	who = identify(st, err);
	if (who != 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return who < 0 ? -1 : 0;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 STORE_APP_ID, STORE_SCHEMA);
	if (sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(st, err, "creating the store");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec_retry(st, "COMMIT", err);
}

/* A damaged page is found here, before anything is read or written, not
 * half-way through a transaction or never (a reader may not touch it). */
static int check_pages(struct store *st, struct ctv_err *err)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *first;
	int rc, ok;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, "damaged, refusing to touch it");
	rc = step_first(s);
	first = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	ok = first && !strcmp((const char *)first, "ok");
	if (!ok) {
		char what[200];

		/* "*** in database main ***\nOn tree page 2 ...": one line. */
		snprintf(what, sizeof(what), "%s", first ? (const char *)first : sqlite3_errstr(rc));
		for (char *p = what; *p; p++)
			if (*p == '\n')
				*p = ' ';
		ctv_err_set(err, "%s: a damaged ctverify store (%s); refusing to touch it "
			    "(restore a backup, or move it aside to start a new one)", st->path, what);
	}
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

/* The path itself must be a regular file, never a symbolic link someone
 * planted (in /var/lib or /run): checked by lstat for the message, and
 * again by O_NOFOLLOW/SQLITE_OPEN_NOFOLLOW against a race. A writer
 * creates a missing store 0600 itself (SQLite would create it 0644); the
 * -wal and -shm files take the store's mode. */
static int check_path(const char *path, enum store_open_mode mode, struct ctv_err *err)
{
	struct stat sb;
	int fd;

	if (lstat(path, &sb) == 0) {
		if (S_ISLNK(sb.st_mode)) {
			ctv_err_set(err, "%s: a symbolic link; refusing to follow it", path);
			errno = ELOOP;
			return -1;
		}
		if (!S_ISREG(sb.st_mode)) {
			ctv_err_set(err, "%s: not a regular file; refusing to touch it", path);
			errno = EINVAL;
			return -1;
		}
		if (mode == STORE_WRITE && access(path, W_OK) < 0) {
			int e = errno;

			ctv_err_sys(err, e, "%s: cannot write to the store", path);
			errno = e;
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT || mode != STORE_WRITE) {
		int e = errno;

		ctv_err_sys(err, e, "%s", path);
		errno = e;
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		int e = errno;

		ctv_err_sys(err, e, "%s: creating the store", path);
		errno = e;
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int store_claim(struct store *st, struct ctv_err *err)
{
	int fd;

	if (st->lock_fd >= 0)
		return 0;
	fd = open(st->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		ctv_err_sys(err, e, "%s: opening it to lock it", st->path);
		errno = e;
		return -1;
	}
	/* flock, not fcntl: SQLite's own POSIX locks neither see nor drop it.
	 * The fd stays open until store_close(), after SQLite's: closing any
	 * fd of the file would release SQLite's POSIX locks. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK)
			ctv_err_set(err, "%s: another collector is writing this store (it holds "
				    "its lock); refusing to start a second one", st->path);
		else
			ctv_err_sys(err, e, "%s: locking it", st->path);
		st->lock_fd = fd; /* closed by store_close(), after SQLite's */
		errno = e == EWOULDBLOCK ? EBUSY : e;
		return -1;
	}
	st->lock_fd = fd;
	return 0;
}

struct store *store_open(const char *path, enum store_open_mode mode, struct ctv_err *err)
{
	struct store *st;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	int who;

	if (check_path(path, mode, err) < 0)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		ctv_err_sys(err, ENOMEM, "%s", path);
		errno = ENOMEM;
		return NULL;
	}
	st->mode = mode;
	st->lock_fd = -1;
	st->minute_keep_s = STORE_MINUTE_KEEP_MS / 1000;
	if (mode == STORE_WRITE)
		flags |= SQLITE_OPEN_CREATE;
	/* Readers open read-write too: in WAL mode they must be able to
	 * maintain the -shm index; they never write the database. */
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		if (st->db)
			db_fail(st, err, "cannot open");
		else
			ctv_err_set(err, "%s: cannot open", path);
		store_close(st);
		errno = EIO;
		return NULL;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	errno = 0;
	who = identify(st, err);
	if (who < 0 || (who == 1 && check_pages(st, err) < 0)) {
		errno = EINVAL; /* not ENOENT left by SQLite's probes: not "no history yet" */
		goto refuse;
	}
	if (who == 0) {
		if (mode == STORE_READ) {
			ctv_err_set(err, "%s: empty, no history recorded yet", path);
			errno = ENOENT;
			goto refuse;
		}
		if (create_schema(st, err) < 0)
			goto refuse;
	} else if (mode == STORE_WRITE) {
		if (exec_retry(st, "PRAGMA journal_mode=WAL", err) < 0 ||
		    exec_retry(st, "CREATE INDEX IF NOT EXISTS hour_series ON hour(series, t)", err) < 0)
			goto refuse;
	}
	if (mode == STORE_WRITE &&
	    exec_retry(st, "PRAGMA synchronous=NORMAL", err) < 0)
		goto refuse;
	if (mode == STORE_READ)
		sqlite3_exec(st->db, "PRAGMA query_only=1", NULL, NULL, NULL);
	/* The retention the last writer chose stays until one chooses again. */
	{
		int64_t keep = 0;

		if (pragma_int(st, "SELECT minute_keep_s FROM state WHERE id = 1", &keep) == SQLITE_OK &&
		    keep >= 3600)
			st->minute_keep_s = keep;
	}
	return st;
refuse:
	who = errno;
	store_close(st);
	errno = who ? who : EINVAL;
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->path);
	free(st);
}

void store_set_minute_keep(struct store *st, int64_t keep_ms)
{
	int64_t seconds = keep_ms / 1000;

	st->minute_keep_s = seconds < 3600 ? 3600 : seconds;
}

/* Whole seconds for comparing with hour rows (kept in seconds in the
 * file): the last second at or before ms, and the first at or after. */
static int64_t floor_s(int64_t ms)
{
	return ms / 1000 - (ms % 1000 < 0);
}

static int64_t ceil_s(int64_t ms)
{
	return ms / 1000 + (ms % 1000 > 0);
}

struct sqlite3 *store_sqlite(struct store *st)
{
	return st->db;
}

/* ---- the rules ----------------------------------------------------------- */

unsigned store_delta(const struct store_counts *prev, const struct store_counts *now,
		     struct store_counts *d)
{
	unsigned reset = 0;

	if (now->in_bytes < prev->in_bytes || now->in_packets < prev->in_packets) {
		reset |= STORE_RESET_IN;
		d->in_bytes = now->in_bytes;
		d->in_packets = now->in_packets;
	} else {
		d->in_bytes = now->in_bytes - prev->in_bytes;
		d->in_packets = now->in_packets - prev->in_packets;
	}
	if (now->out_bytes < prev->out_bytes || now->out_packets < prev->out_packets) {
		reset |= STORE_RESET_OUT;
		d->out_bytes = now->out_bytes;
		d->out_packets = now->out_packets;
	} else {
		d->out_bytes = now->out_bytes - prev->out_bytes;
		d->out_packets = now->out_packets - prev->out_packets;
	}
	return reset;
}

void store_timeline(const struct store_clock *prev, const struct store_reading *r,
		    struct store_span *span)
{
	int64_t t0 = prev->timeline_ms;
	int64_t tol;

	memset(span, 0, sizeof(*span));
	span->start_ms = t0;
	span->new_boot = strcmp(prev->boot_id, r->boot_id) != 0;
	if (span->new_boot || r->mono_ms < prev->mono_ms) {
		/* Another boot: no common clock, only the wall clock. */
		span->elapsed_ms = -1;
		span->end_ms = r->wall_ms > t0 ? r->wall_ms : t0;
		return;
	}
	span->elapsed_ms = r->mono_ms - prev->mono_ms;
	tol = 2000 + span->elapsed_ms / 100;
	span->step_ms = (r->wall_ms - prev->wall_ms) - span->elapsed_ms;
	if (span->step_ms >= -tol && span->step_ms <= tol)
		span->step_ms = 0;
	if (span->step_ms > 0 && r->wall_ms - span->elapsed_ms > t0)
		/* Forward step: the new clock is the corrected one (NTP after
		 * a boot with a wrong RTC); the interval keeps its true length
		 * and leaves a gap behind it. */
		span->start_ms = r->wall_ms - span->elapsed_ms;
	/* Backward (or still behind the timeline after a backward step):
	 * hold at the timeline, which never goes back. */
	span->end_ms = r->wall_ms > span->start_ms ? r->wall_ms : span->start_ms;
}

/* ---- recording ----------------------------------------------------------- */

static void bind_counts(sqlite3_stmt *s, int first, const struct store_counts *c)
{
	sqlite3_bind_int64(s, first, (sqlite3_int64)c->in_bytes);
	sqlite3_bind_int64(s, first + 1, (sqlite3_int64)c->in_packets);
	sqlite3_bind_int64(s, first + 2, (sqlite3_int64)c->out_bytes);
	sqlite3_bind_int64(s, first + 3, (sqlite3_int64)c->out_packets);
}

static void column_counts(sqlite3_stmt *s, int first, struct store_counts *c)
{
	c->in_bytes = (uint64_t)sqlite3_column_int64(s, first);
	c->in_packets = (uint64_t)sqlite3_column_int64(s, first + 1);
	c->out_bytes = (uint64_t)sqlite3_column_int64(s, first + 2);
	c->out_packets = (uint64_t)sqlite3_column_int64(s, first + 3);
}

static int counts_zero(const struct store_counts *c)
{
	return !c->in_bytes && !c->in_packets && !c->out_bytes && !c->out_packets;
}

static void copy_str(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src ? (const char *)src : "");
}

struct state {
	struct store_clock clk;
	time_t hour;
	int64_t keep_s;
};

static int state_get(struct store *st, struct state *s, struct ctv_err *err)
{
	sqlite3_stmt *q = stmt(st, S_STATE_GET, err);
	int rc;

	memset(s, 0, sizeof(*s));
	if (!q)
		return -1;
	rc = step_first(q);
	if (rc == SQLITE_ROW) {
		s->clk.valid = 1;
		s->clk.wall_ms = sqlite3_column_int64(q, 0);
		s->clk.mono_ms = sqlite3_column_int64(q, 1);
		copy_str(s->clk.boot_id, sizeof(s->clk.boot_id), sqlite3_column_text(q, 2));
		s->clk.timeline_ms = sqlite3_column_int64(q, 3);
		s->hour = (time_t)sqlite3_column_int64(q, 4);
		s->keep_s = sqlite3_column_int64(q, 5);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "reading the last reading's clocks");
	return 0;
}

static int event_put(struct store *st, int64_t t_ms, const char *kind, int64_t series,
		     int64_t from_ms, int64_t to_ms, const char *detail, struct ctv_err *err)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_NEW, err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, t_ms);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	if (series > 0)
		sqlite3_bind_int64(s, 3, series);
	sqlite3_bind_int64(s, 4, from_ms);
	sqlite3_bind_int64(s, 5, to_ms);
	sqlite3_bind_text(s, 6, detail ? detail : "", -1, SQLITE_STATIC);
	return run(st, s, err);
}

/* Finds or creates the series; *last gets its last absolute values and
 * *is_new says whether it was never seen. */
static int64_t series_get(struct store *st, const char *key, int sub, struct store_counts *last,
			  int *is_new, struct ctv_err *err)
{
	sqlite3_stmt *s = stmt(st, S_SERIES_GET, err);
	int64_t id = -1;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, sub);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		column_counts(s, 1, last);
		*is_new = 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return id;
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "reading a series");
	s = stmt(st, S_SERIES_NEW, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, sub);
	if (run(st, s, err) < 0)
		return -1;
	memset(last, 0, sizeof(*last));
	*is_new = 1;
	return sqlite3_last_insert_rowid(st->db);
}

static int record_sample(struct store *st, const struct store_sample *smp, int baseline,
			 int64_t interval, time_t hour, const struct store_span *span,
			 int64_t now_ms, size_t *resets, struct ctv_err *err)
{
	struct store_counts last, d;
	int is_new = 0;
	unsigned reset = 0;
	int64_t id;
	sqlite3_stmt *s;

	if (!smp->key || !smp->key[0] || strlen(smp->key) >= STORE_KEY_MAX) {
		ctv_err_set(err, "%s: series key '%s' is empty or too long", st->path,
			    smp->key ? smp->key : "");
		return -1;
	}
	id = series_get(st, smp->key, smp->sub, &last, &is_new, err);
	if (id < 0)
		return -1;
	if (baseline) {
		memset(&d, 0, sizeof(d));
	} else if (is_new) {
		/* A series that appears after the first reading was created
		 * since the last one (rules installed, container added): its
		 * counter started from zero within this interval. */
		d = smp->c;
	} else {
		reset = store_delta(&last, &smp->c, &d);
	}
	if (reset) {
		char detail[STORE_DETAIL_MAX];

		snprintf(detail, sizeof(detail),
			 "%s%s counter went back (in %" PRIu64 " -> %" PRIu64 " bytes, out %" PRIu64
			 " -> %" PRIu64 " bytes); counted from zero, traffic between the readings "
			 "before the reset is unobserved",
			 reset & STORE_RESET_IN ? "in" : "",
			 reset == (STORE_RESET_IN | STORE_RESET_OUT) ? "+out" :
			 reset & STORE_RESET_OUT ? "out" : "",
			 last.in_bytes, smp->c.in_bytes, last.out_bytes, smp->c.out_bytes);
		if (event_put(st, now_ms, "reset", id, span->start_ms, span->end_ms, detail, err) < 0)
			return -1;
		(*resets)++;
	}
	if (!(s = stmt(st, S_SERIES_PUT, err)))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_counts(s, 2, &smp->c);
	if (run(st, s, err) < 0)
		return -1;
	if (baseline || counts_zero(&d))
		return 0;
	if (!(s = stmt(st, S_MINUTE_PUT, err)))
		return -1;
	sqlite3_bind_int64(s, 1, interval);
	sqlite3_bind_int64(s, 2, id);
	bind_counts(s, 3, &d);
	if (run(st, s, err) < 0)
		return -1;
	if (!(s = stmt(st, S_HOUR_ADD, err)))
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)hour);
	sqlite3_bind_int64(s, 2, id);
	bind_counts(s, 3, &d);
	return run(st, s, err);
}

static int record_scalar(struct store *st, const struct store_scalar *x, int baseline,
			 int64_t interval, time_t hour, struct ctv_err *err)
{
	sqlite3_stmt *s = stmt(st, S_SCALAR_GET, err);
	int64_t id = -1;
	int has_last = 0, rc;
	uint64_t last = 0, v;

	if (!s)
		return -1;
	if (!x->name || !x->name[0] || strlen(x->name) >= STORE_NAME_MAX) {
		ctv_err_set(err, "%s: figure name '%s' is empty or too long", st->path,
			    x->name ? x->name : "");
		return -1;
	}
	sqlite3_bind_text(s, 1, x->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		has_last = sqlite3_column_type(s, 2) != SQLITE_NULL;
		last = (uint64_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, err, "reading a figure");
	if (id < 0) {
		if (!(s = stmt(st, S_SCALAR_NEW, err)))
			return -1;
		sqlite3_bind_text(s, 1, x->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, x->gauge);
		if (run(st, s, err) < 0)
			return -1;
		id = sqlite3_last_insert_rowid(st->db);
	}
	if (!(s = stmt(st, S_SCALAR_PUT, err)))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)x->value);
	sqlite3_bind_int(s, 3, x->gauge);
	if (run(st, s, err) < 0)
		return -1;
	if (baseline)
		return 0;
	if (x->gauge)
		v = x->value;
	else if (!has_last)
		v = 0; /* first seen: a baseline, whatever came before is unknown */
	else
		v = x->value >= last ? x->value - last : x->value;
	if (!(s = stmt(st, S_SMINUTE_PUT, err)))
		return -1;
	sqlite3_bind_int64(s, 1, interval);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)v);
	if (run(st, s, err) < 0)
		return -1;
	if (!(s = stmt(st, x->gauge ? S_SHOUR_SET : S_SHOUR_ADD, err)))
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)hour);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)v);
	return run(st, s, err);
}

/* Drops minute rows of hours older than the retention, whole hours only. */
static int prune(struct store *st, time_t hour, struct ctv_err *err)
{
	char sql[512];
	time_t cutoff = period_floor(hour - (time_t)st->minute_keep_s, PERIOD_HOUR);

	snprintf(sql, sizeof(sql),
		 "DELETE FROM minute WHERE interval IN (SELECT id FROM interval WHERE hour < %lld);"
		 "DELETE FROM scalar_minute WHERE interval IN (SELECT id FROM interval WHERE hour < %lld);"
		 "DELETE FROM interval WHERE hour < %lld;",
		 (long long)cutoff, (long long)cutoff, (long long)cutoff);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, err, "pruning minute rows");
	return 0;
}

static int record_in_txn(struct store *st, const struct store_reading *r, struct store_result *res,
			 struct ctv_err *err)
{
	struct state prev;
	struct store_span span;
	int64_t interval = 0;
	time_t hour = 0;
	sqlite3_stmt *s;
	int baseline;

	if (state_get(st, &prev, err) < 0)
		return -1;
	baseline = !prev.clk.valid;
	if (!baseline && !strcmp(prev.clk.boot_id, r->boot_id) && r->mono_ms < prev.clk.mono_ms) {
		ctv_err_set(err, "%s: a newer reading was recorded meanwhile", st->path);
		errno = ESTALE;
		return -1;
	}
	if (baseline) {
		memset(&span, 0, sizeof(span));
		span.start_ms = span.end_ms = r->wall_ms;
		span.elapsed_ms = -1;
	} else {
		store_timeline(&prev.clk, r, &span);
	}
	res->baseline = baseline;
	res->span = span;
	if (!baseline) {
		/* The interval is attributed to the local hour of its middle. */
		hour = period_floor((time_t)((span.start_ms + span.end_ms) / 2000), PERIOD_HOUR);
		if (!(s = stmt(st, S_INTERVAL_NEW, err)))
			return -1;
		sqlite3_bind_int64(s, 1, (sqlite3_int64)hour);
		sqlite3_bind_int64(s, 2, span.start_ms);
		sqlite3_bind_int64(s, 3, span.end_ms);
		sqlite3_bind_int64(s, 4, r->wall_ms);
		if (span.elapsed_ms >= 0)
			sqlite3_bind_int64(s, 5, span.elapsed_ms);
		sqlite3_bind_text(s, 6, r->boot_id, -1, SQLITE_STATIC);
		if (run(st, s, err) < 0)
			return -1;
		interval = sqlite3_last_insert_rowid(st->db);
		if (span.new_boot) {
			char d[STORE_DETAIL_MAX];

			snprintf(d, sizeof(d), "boot id changed from %s to %s", prev.clk.boot_id,
				 r->boot_id);
			if (event_put(st, r->wall_ms, "reboot", 0, span.start_ms, span.end_ms, d, err) < 0)
				return -1;
		}
		if (span.step_ms) {
			char d[STORE_DETAIL_MAX];

			snprintf(d, sizeof(d), "wall clock stepped %s by %" PRId64 " ms within %" PRId64
				 " ms of elapsed time", span.step_ms > 0 ? "forward" : "back",
				 span.step_ms > 0 ? span.step_ms : -span.step_ms, span.elapsed_ms);
			if (event_put(st, r->wall_ms, "clock_step", 0, span.start_ms, span.end_ms, d, err) < 0)
				return -1;
		}
	}
	res->resets = 0;
	for (size_t i = 0; i < r->n_samples; i++)
		if (record_sample(st, &r->samples[i], baseline, interval, hour, &span, r->wall_ms,
				  &res->resets, err) < 0)
			return -1;
	for (size_t i = 0; i < r->n_scalars; i++)
		if (record_scalar(st, &r->scalars[i], baseline, interval, hour, err) < 0)
			return -1;
	if (!(s = stmt(st, S_STATE_PUT, err)))
		return -1;
	sqlite3_bind_int64(s, 1, r->wall_ms);
	sqlite3_bind_int64(s, 2, r->mono_ms);
	sqlite3_bind_text(s, 3, r->boot_id, -1, SQLITE_STATIC);
	/* A forward step moved the timeline to the wall clock; a backward one
	 * leaves it ahead until the wall clock passes it. */
	sqlite3_bind_int64(s, 4, span.end_ms);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)(baseline ? prev.hour : hour));
	sqlite3_bind_int64(s, 6, st->minute_keep_s);
	if (run(st, s, err) < 0)
		return -1;
	if (!baseline && hour != prev.hour && prune(st, hour, err) < 0)
		return -1;
	return 0;
}

int store_record(struct store *st, const struct store_reading *r, struct store_result *res,
		 struct ctv_err *err)
{
	struct store_result dummy;
	int e;

	if (st->mode != STORE_WRITE) {
		ctv_err_set(err, "%s: opened for reading only", st->path);
		errno = EBADF;
		return -1;
	}
	if (exec_retry(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	errno = 0;
	if (record_in_txn(st, r, res ? res : &dummy, err) < 0) {
		e = errno;
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		errno = e ? e : EIO;
		return -1;
	}
	if (exec_retry(st, "COMMIT", err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		errno = EIO;
		return -1;
	}
	return 0;
}

int store_event_add(struct store *st, const char *kind, const char *key, int sub,
		    int64_t from_ms, int64_t to_ms, const char *detail, struct ctv_err *err)
{
	struct store_counts last;
	int64_t series = 0;
	int is_new;
	struct timespec ts;

	if (st->mode != STORE_WRITE) {
		ctv_err_set(err, "%s: opened for reading only", st->path);
		errno = EBADF;
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (exec_retry(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if ((key && (series = series_get(st, key, sub, &last, &is_new, err)) < 0) ||
	    event_put(st, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, kind, series, from_ms,
		      to_ms, detail, err) < 0 ||
	    exec_retry(st, "COMMIT", err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int store_gap_add(struct store *st, const char *detail, struct ctv_err *err)
{
	struct store_clock clk;
	struct timespec ts;
	int64_t now;

	if (store_last_clock(st, &clk, err) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return store_event_add(st, "gap", NULL, 0, clk.valid ? clk.timeline_ms : now, now, detail, err);
}

int store_last_clock(struct store *st, struct store_clock *clk, struct ctv_err *err)
{
	struct state s;

	if (state_get(st, &s, err) < 0)
		return -1;
	*clk = s.clk;
	return 0;
}

static int read_boot_id(char *buf, size_t len, struct ctv_err *err)
{
	const char *path = "/proc/sys/kernel/random/boot_id";
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0]) {
		ctv_err_set(err, "%s: empty", path);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The fault-injection hook for a stepped wall clock (docs/RELIABILITY.md):
 * stepping the real clock of a shared machine disturbs everything else on
 * it, so with CTV_TEST_CLOCK_STEP_FILE set, the file's first line (seconds,
 * may be negative; missing or unreadable: 0) is added to the wall clock of
 * every reading. The monotonic clock is left alone, as a real step does. */
static int64_t test_clock_step_ms(void)
{
	const char *path = getenv("CTV_TEST_CLOCK_STEP_FILE");
	long long s = 0;
	FILE *f;

	if (!path || !*path || !(f = fopen(path, "re")))
		return 0;
	if (fscanf(f, "%lld", &s) != 1 || s < -86400LL * 366 || s > 86400LL * 366)
		s = 0;
	fclose(f);
	return (int64_t)s * 1000;
}

int store_reading_now(struct store_reading *r, struct ctv_err *err)
{
	struct timespec w, m;

	if (clock_gettime(CLOCK_REALTIME, &w) < 0 || clock_gettime(CLOCK_BOOTTIME, &m) < 0) {
		ctv_err_sys(err, errno, "clock_gettime");
		return -1;
	}
	r->wall_ms = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000 + test_clock_step_ms();
	r->mono_ms = (int64_t)m.tv_sec * 1000 + m.tv_nsec / 1000000;
	return read_boot_id(r->boot_id, sizeof(r->boot_id), err);
}

/* ---- reading ------------------------------------------------------------- */

void store_query_init(struct store_query *q)
{
	memset(q, 0, sizeof(*q));
	q->by = PERIOD_MONTH;
	q->from_ms = INT64_MIN;
	q->to_ms = INT64_MAX;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	p = realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static void counts_add(struct store_counts *a, const struct store_counts *b)
{
	a->in_bytes += b->in_bytes;
	a->in_packets += b->in_packets;
	a->out_bytes += b->out_bytes;
	a->out_packets += b->out_packets;
}

/* Reads run inside one deferred transaction so the rows come from one
 * snapshot of the WAL, whatever the writer commits meanwhile. */
static int read_begin(struct store *st, struct ctv_err *err)
{
	return exec_retry(st, "BEGIN", err);
}

static void read_end(struct store *st)
{
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_report(struct store *st, const struct store_query *q, struct store_rows *out,
		 struct ctv_err *err)
{
	/* Series ids grow in first-seen order, so ordering by id within an
	 * hour keeps the caller's order (local, services..., other). */
	static const char sql_all[] =
		"SELECT h.t, h.series, s.key, s.sub, h.in_bytes, h.in_packets, h.out_bytes, h.out_packets "
		"FROM hour h JOIN series s ON s.id = h.series "
		"WHERE h.t >= ?1 AND h.t < ?2 AND (s.key GLOB 'class:*') = ?4 ORDER BY h.t, h.series";
	/* One key among many (one container on a node): through the series
	 * index, not a scan of every series' hours. */
	static const char sql_key[] =
		"SELECT h.t, h.series, s.key, s.sub, h.in_bytes, h.in_packets, h.out_bytes, h.out_packets "
		"FROM series s JOIN hour h INDEXED BY hour_series ON h.series = s.id "
		"WHERE s.key = ?3 AND h.t >= ?1 AND h.t < ?2 ORDER BY h.t, h.series";
	const char *sql = q->key ? sql_key : sql_all;
	sqlite3_stmt *s;
	struct store_rows rows = { NULL, 0 };
	size_t cap = 0, period_first = 0;
	time_t cur = 0, cur_next = 0;
	int have = 0, rc;

	out->v = NULL;
	out->n = 0;
	if (read_begin(st, err) < 0)
		return -1;
	if (!(s = prep(st, sql, err))) {
		read_end(st);
		return -1;
	}
	/* An hour row starts at h.t seconds: h.t * 1000 in [from, to). */
	sqlite3_bind_int64(s, 1, (sqlite3_int64)ceil_s(q->from_ms));
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ceil_s(q->to_ms));
	if (q->key)
		sqlite3_bind_text(s, 3, q->key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(s, 4, q->classes ? 1 : 0);
	for (rc = step_first(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		time_t t = (time_t)sqlite3_column_int64(s, 0);
		const char *key = (const char *)sqlite3_column_text(s, 2);
		int sub = q->by_sub ? sqlite3_column_int(s, 3) : -1;

		if (q->classes && !q->key)
			sub = store_series_is_class(key);
		struct store_counts c;
		size_t i;

		column_counts(s, 4, &c);
		/* Rows come in time order: the local period (mktime, slow) is
		 * computed once per period, not once per row. */
		if (!have || t < cur || t >= cur_next) {
			cur = period_floor(t, q->by);
			cur_next = period_next(cur, q->by);
			have = 1;
			period_first = rows.n;
		}
		/* Few series per period: a linear look-up within it. */
		for (i = period_first; i < rows.n; i++)
			if (rows.v[i].sub == sub && !strcmp(rows.v[i].key, key ? key : ""))
				break;
		if (i == rows.n) {
			if (grow((void **)&rows.v, &cap, rows.n, sizeof(*rows.v)) < 0) {
				rc = SQLITE_NOMEM;
				break;
			}
			memset(&rows.v[i], 0, sizeof(rows.v[i]));
			rows.v[i].period = cur;
			copy_str(rows.v[i].key, sizeof(rows.v[i].key), (const unsigned char *)key);
			rows.v[i].sub = sub;
			rows.n++;
		}
		counts_add(&rows.v[i].c, &c);
	}
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_NOMEM)
			ctv_err_sys(err, ENOMEM, "%s: report", st->path);
		else
			db_fail(st, err, "reading hour rows");
		sqlite3_finalize(s);
		read_end(st);
		free(rows.v);
		return -1;
	}
	sqlite3_finalize(s);
	read_end(st);
	*out = rows;
	return 0;
}

void store_rows_free(struct store_rows *rows)
{
	free(rows->v);
	rows->v = NULL;
	rows->n = 0;
}

/* Hours before the first remaining minute interval come from hour rows;
 * the rest from minute intervals (pruning is by whole hours). sel: the
 * series asked for, as a list the joins below seek by. [0] with the sums,
 * [1] the same rows without them (no minute row read). */
#define IV_WITH                                                                              \
	"WITH first(h) AS (SELECT coalesce(min(hour), 9223372036854775807) FROM interval), "  \
	"  sel(id) AS (SELECT id FROM series WHERE (?3 IS NULL AND key NOT GLOB 'class:*' OR " \
	"    key = ?3) AND (?4 < 0 OR sub = ?4)) "
#define IV_HOURS                                                                     \
	"FROM sel JOIN hour h INDEXED BY hour_series ON h.series = sel.id, first "   \
	"WHERE h.t < first.h AND h.t + 3600 > ?1 AND h.t < ?2 GROUP BY h.t UNION ALL "
static const char *const intervals_sql[2] = {
	IV_WITH
	"SELECT 1, h.t * 1000, h.t * 1000 + 3600000, 3600000, sum(h.in_bytes), sum(h.in_packets), "
	"  sum(h.out_bytes), sum(h.out_packets), h.t " IV_HOURS
	"SELECT 0, i.start_ms, i.end_ms, coalesce(i.elapsed_ms, -1), "
	"  coalesce(sum(m.in_bytes), 0), coalesce(sum(m.in_packets), 0), "
	"  coalesce(sum(m.out_bytes), 0), coalesce(sum(m.out_packets), 0), i.id "
	"FROM interval i LEFT JOIN minute m ON m.interval = i.id AND m.series IN (SELECT id FROM sel) "
	"WHERE i.end_ms > ?5 AND i.start_ms < ?6 GROUP BY i.id ORDER BY 1 DESC, 9",
	IV_WITH "SELECT 1, h.t * 1000, h.t * 1000 + 3600000, 3600000, 0, 0, 0, 0, h.t " IV_HOURS
	"SELECT 0, i.start_ms, i.end_ms, coalesce(i.elapsed_ms, -1), 0, 0, 0, 0, i.id "
	"FROM interval i WHERE i.end_ms > ?5 AND i.start_ms < ?6 ORDER BY 1 DESC, 9",
};

static int intervals_query(struct store *st, int64_t from_ms, int64_t to_ms, const char *key,
			   int sub, int times_only, struct store_intervals *out, struct ctv_err *err)
{
	const char *sql = intervals_sql[times_only ? 1 : 0];
	struct store_intervals iv = { NULL, 0 };
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (read_begin(st, err) < 0)
		return -1;
	if (!(s = prep(st, sql, err))) {
		read_end(st);
		return -1;
	}
	/* Hour rows (h.t in seconds) overlap when h.t * 1000 + 3600000 >
	 * from_ms and h.t * 1000 < to_ms. */
	sqlite3_bind_int64(s, 1, (sqlite3_int64)floor_s(from_ms));
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ceil_s(to_ms));
	if (key)
		sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, sub);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)from_ms);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)to_ms);
	for (rc = step_first(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		struct store_interval *v;

		if (grow((void **)&iv.v, &cap, iv.n, sizeof(*iv.v)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = &iv.v[iv.n++];
		v->hourly = sqlite3_column_int(s, 0);
		v->start_ms = sqlite3_column_int64(s, 1);
		v->end_ms = sqlite3_column_int64(s, 2);
		v->elapsed_ms = sqlite3_column_int64(s, 3);
		column_counts(s, 4, &v->c);
	}
	sqlite3_finalize(s);
	read_end(st);
	if (rc != SQLITE_DONE) {
		free(iv.v);
		if (rc == SQLITE_NOMEM) {
			ctv_err_sys(err, ENOMEM, "%s: intervals", st->path);
			return -1;
		}
		return db_fail(st, err, "reading intervals");
	}
	*out = iv;
	return 0;
}

int store_intervals(struct store *st, int64_t from_ms, int64_t to_ms, const char *key, int sub,
		    struct store_intervals *out, struct ctv_err *err)
{
	return intervals_query(st, from_ms, to_ms, key, sub, 0, out, err);
}

int store_interval_times(struct store *st, int64_t from_ms, int64_t to_ms, const char *key,
			 int sub, struct store_intervals *out, struct ctv_err *err)
{
	return intervals_query(st, from_ms, to_ms, key, sub, 1, out, err);
}

void store_intervals_free(struct store_intervals *iv)
{
	free(iv->v);
	iv->v = NULL;
	iv->n = 0;
}

int store_events(struct store *st, int64_t from_ms, int64_t to_ms, const char *key,
		 struct store_events *out, struct ctv_err *err)
{
	static const char sql[] =
		"SELECT e.t_ms, e.kind, s.key, s.sub, e.from_ms, e.to_ms, e.detail "
		"FROM event e LEFT JOIN series s ON s.id = e.series "
		"WHERE e.t_ms >= ?1 AND e.t_ms < ?2 "
		"  AND (?3 IS NULL OR s.key IS NULL OR s.key = ?3) ORDER BY e.id";
	struct store_events ev = { NULL, 0 };
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (read_begin(st, err) < 0)
		return -1;
	if (!(s = prep(st, sql, err))) {
		read_end(st);
		return -1;
	}
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	if (key)
		sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC);
	for (rc = step_first(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		struct store_event *e;

		if (grow((void **)&ev.v, &cap, ev.n, sizeof(*ev.v)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		e = &ev.v[ev.n++];
		e->t_ms = sqlite3_column_int64(s, 0);
		copy_str(e->kind, sizeof(e->kind), sqlite3_column_text(s, 1));
		copy_str(e->key, sizeof(e->key), sqlite3_column_text(s, 2));
		e->sub = sqlite3_column_int(s, 3);
		e->from_ms = sqlite3_column_int64(s, 4);
		e->to_ms = sqlite3_column_int64(s, 5);
		copy_str(e->detail, sizeof(e->detail), sqlite3_column_text(s, 6));
	}
	sqlite3_finalize(s);
	read_end(st);
	if (rc != SQLITE_DONE) {
		free(ev.v);
		if (rc == SQLITE_NOMEM) {
			ctv_err_sys(err, ENOMEM, "%s: events", st->path);
			return -1;
		}
		return db_fail(st, err, "reading events");
	}
	*out = ev;
	return 0;
}

void store_events_free(struct store_events *ev)
{
	free(ev->v);
	ev->v = NULL;
	ev->n = 0;
}

/* Runs a figures query with two bound integers (a window) into *out:
 * rows of (name, gauge, value). Both store_scalars() and
 * store_scalars_between() are this with their own window and SQL. */
static int scalar_query(struct store *st, const char *sql, int64_t a, int64_t b,
			struct store_scalar_sums *out, struct ctv_err *err)
{
	struct store_scalar_sums v = { NULL, 0 };
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (read_begin(st, err) < 0)
		return -1;
	if (!(s = prep(st, sql, err))) {
		read_end(st);
		return -1;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
	for (rc = step_first(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		struct store_scalar_sum *x;

		if (grow((void **)&v.v, &cap, v.n, sizeof(*v.v)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		x = &v.v[v.n++];
		copy_str(x->name, sizeof(x->name), sqlite3_column_text(s, 0));
		x->gauge = sqlite3_column_int(s, 1);
		x->value = (uint64_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	read_end(st);
	if (rc != SQLITE_DONE) {
		free(v.v);
		if (rc == SQLITE_NOMEM) {
			ctv_err_sys(err, ENOMEM, "%s: figures", st->path);
			return -1;
		}
		return db_fail(st, err, "reading figures");
	}
	*out = v;
	return 0;
}

int store_scalars(struct store *st, int64_t from_ms, int64_t to_ms, struct store_scalar_sums *out,
		  struct ctv_err *err)
{
	/* Gauges: the value of the latest hour in range. */
	static const char sql[] =
		"SELECT x.name, x.gauge, CASE WHEN x.gauge THEN "
		"  (SELECT h2.value FROM scalar_hour h2 WHERE h2.scalar = x.id AND h2.t >= ?1 AND h2.t < ?2 "
		"   ORDER BY h2.t DESC LIMIT 1) "
		"  ELSE (SELECT sum(h.value) FROM scalar_hour h WHERE h.scalar = x.id AND h.t >= ?1 AND h.t < ?2) END "
		"FROM scalar x ORDER BY x.id";
	/* Hour rows (seconds) starting in [from_ms, to_ms). */
	return scalar_query(st, sql, ceil_s(from_ms), ceil_s(to_ms), out, err);
}

void store_scalar_sums_free(struct store_scalar_sums *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int store_scalars_between(struct store *st, int64_t from_ms, int64_t to_ms,
			  struct store_scalar_sums *out, struct ctv_err *err)
{
	static const char sql[] =
		"SELECT x.name, x.gauge, CASE WHEN x.gauge THEN max(m.value) ELSE sum(m.value) END "
		"FROM scalar x JOIN scalar_minute m ON m.scalar = x.id "
		"JOIN interval i ON i.id = m.interval "
		"WHERE i.start_ms >= ?1 AND i.end_ms <= ?2 GROUP BY x.id ORDER BY x.id";
	return scalar_query(st, sql, from_ms, to_ms, out, err);
}

/* store_key_sums() of the services (classes 0), of the class series (1)
 * or of both (-1). */
static int key_sums(struct store *st, int64_t from_ms, int64_t to_ms, int classes,
		    struct store_rows *out, struct ctv_err *err)
{
	/* Same split as store_intervals(): hour rows before the first
	 * remaining minute interval, minute intervals after; but an hour all
	 * of whose intervals lie inside is read from its hour row (the same
	 * transaction added each of them to it), so only the two edge hours
	 * read minute rows. CROSS JOIN keeps SQLite (3.22 on) from scanning
	 * the minute rows first. */
	static const char sql[] =
		"WITH first(h) AS (SELECT coalesce(min(hour), 9223372036854775807) FROM interval), "
		"whole(h) AS (SELECT hour FROM interval GROUP BY hour "
		"  HAVING min(start_ms) >= ?1 AND max(end_ms) <= ?2), "
		"edge(id) AS (SELECT id FROM interval WHERE start_ms >= ?1 AND end_ms <= ?2 "
		"  AND hour NOT IN (SELECT h FROM whole)), "
		"parts(series, ib, ip, ob, op) AS ("
		"  SELECT h.series, h.in_bytes, h.in_packets, h.out_bytes, h.out_packets "
		"  FROM hour h, first WHERE h.t < first.h AND h.t * 1000 >= ?1 "
		"    AND h.t * 1000 + 3600000 <= ?2 "
		"  UNION ALL "
		"  SELECT h.series, h.in_bytes, h.in_packets, h.out_bytes, h.out_packets "
		"  FROM whole w CROSS JOIN hour h ON h.t = w.h "
		"  UNION ALL "
		"  SELECT m.series, m.in_bytes, m.in_packets, m.out_bytes, m.out_packets "
		"  FROM edge e CROSS JOIN minute m ON m.interval = e.id) "
		"SELECT s.key, sum(p.ib), sum(p.ip), sum(p.ob), sum(p.op), min(s.id) AS o "
		"FROM parts p CROSS JOIN series s ON s.id = p.series WHERE ?3 < 0 OR (s.key GLOB 'class:*') = ?3 "
		"GROUP BY s.key ORDER BY o";
	struct store_rows rows = { NULL, 0 };
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (read_begin(st, err) < 0)
		return -1;
	if (!(s = prep(st, sql, err))) {
		read_end(st);
		return -1;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)from_ms);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)to_ms);
	sqlite3_bind_int(s, 3, classes);
	for (rc = step_first(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		struct store_row *r;

		if (grow((void **)&rows.v, &cap, rows.n, sizeof(*rows.v)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		r = &rows.v[rows.n++];
		memset(r, 0, sizeof(*r));
		copy_str(r->key, sizeof(r->key), sqlite3_column_text(s, 0));
		r->sub = -1;
		column_counts(s, 1, &r->c);
	}
	sqlite3_finalize(s);
	read_end(st);
	if (rc != SQLITE_DONE) {
		free(rows.v);
		if (rc == SQLITE_NOMEM) {
			ctv_err_sys(err, ENOMEM, "%s: sums", st->path);
			return -1;
		}
		return db_fail(st, err, "reading sums");
	}
	*out = rows;
	return 0;
}

int store_key_sums(struct store *st, int64_t from_ms, int64_t to_ms, struct store_rows *out,
		   struct ctv_err *err)
{
	return key_sums(st, from_ms, to_ms, 0, out, err);
}

int store_class_sums(struct store *st, int64_t from_ms, int64_t to_ms, struct store_rows *out,
		     struct ctv_err *err)
{
	return key_sums(st, from_ms, to_ms, 1, out, err);
}

int store_all_key_sums(struct store *st, int64_t from_ms, int64_t to_ms, struct store_rows *out,
		       struct ctv_err *err)
{
	return key_sums(st, from_ms, to_ms, -1, out, err);
}

const char *store_class_series(int cls, char *buf, size_t len)
{
	snprintf(buf, len, STORE_CLASS_PREFIX "%d", cls);
	return buf;
}

int store_series_is_class(const char *key)
{
	const char *d;
	int v = 0;

	if (!key || strncmp(key, STORE_CLASS_PREFIX, sizeof(STORE_CLASS_PREFIX) - 1))
		return -1;
	d = key + sizeof(STORE_CLASS_PREFIX) - 1;
	if (!*d || (d[0] == '0' && d[1]) || strlen(d) > 2)
		return -1;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		v = v * 10 + (*d - '0');
	}
	return v < STORE_CLASSES ? v : -1;
}
