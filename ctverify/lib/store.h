/* store.h - the minute-history store both programs use (SQLite).
 *
 * A series is a key and a small sub-key: a service name and 0 for
 * ctverify, a CTID and a network class for ctnode. The caller records
 * readings of absolute counter values; the store keeps the per-interval
 * differences, in one short BEGIN IMMEDIATE transaction per reading, so a
 * process killed at any instant loses nothing but the interval in flight
 * and never counts anything twice.
 *
 *  - A counter that went backwards is a reset: the new value counts from
 *    zero and a "reset" event records the unobserved window.
 *  - Each interval has a wall-clock end and an elapsed (monotonic) time;
 *    intervals are placed on a timeline that never runs backwards, so a
 *    stepped clock gives neither negative nor overlapping intervals.
 *  - Every interval is also added to an hour row (the local hour at
 *    record time) in the same transaction; minute rows older than the
 *    retention are pruned by whole hours. Reports read hour rows only.
 *
 * The file is opened in WAL mode with a busy timeout and retries, so a
 * reader never fails with "database is locked" while a writer records.
 *
 * Every time and duration the API takes or returns is in milliseconds
 * since the epoch (int64_t, names ending in _ms), except store_row.period,
 * which is a period.h period start (a time_t label, not a timeline time).
 */
#ifndef CTV_STORE_H
#define CTV_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "period.h"

#define STORE_KEY_MAX 64
#define STORE_BOOT_MAX 40
#define STORE_NAME_MAX 64
#define STORE_DETAIL_MAX 256

/* Default retention of minute rows; hour rows are kept for ever. */
#define STORE_MINUTE_KEEP_MS ((int64_t)7 * 86400 * 1000)

struct store;

/* The container's mirror of the node's classes (ctverify rules install
 * --classes): one series per class bucket, key "class:N" (N = 0..15), sub
 * 0, recorded like a service. Service names cannot contain ':', so the
 * keys never meet a service's (nor a CTID). Every sum over "all series"
 * leaves them out (store_intervals() and store_key_sums() with no key,
 * store_report() unless q->classes), so nothing is counted twice; they are
 * read by their key, by store_class_sums() or with q->classes. */
#define STORE_CLASS_PREFIX "class:"
#define STORE_CLASSES 16

/* The series key of class cls: "class:N" into buf (len >= 9). Returns buf. */
const char *store_class_series(int cls, char *buf, size_t len);

/* N when key is a class series key "class:N" (0..15, no leading zeros),
 * else -1. */
int store_series_is_class(const char *key);

struct store_counts {
	uint64_t in_bytes, in_packets, out_bytes, out_packets;
};

/* One series' absolute counter values in a reading. */
struct store_sample {
	const char *key; /* service name or CTID */
	int sub;         /* 0, or the network class */
	struct store_counts c;
};

/* An extra figure recorded with a reading (e.g. /proc/net/snmp's
 * Udp.SndbufErrors, uptime). Counters are kept as differences (with the
 * same reset rule as series), gauges as the value seen. */
struct store_scalar {
	const char *name;
	int gauge;
	uint64_t value;
};

struct store_reading {
	int64_t wall_ms; /* CLOCK_REALTIME */
	int64_t mono_ms; /* CLOCK_BOOTTIME: elapsed time within one boot */
	char boot_id[STORE_BOOT_MAX]; /* /proc/sys/kernel/random/boot_id */
	const struct store_sample *samples;
	size_t n_samples;
	const struct store_scalar *scalars;
	size_t n_scalars;
};

/* Fills wall_ms, mono_ms and boot_id from the running system. Returns 0,
 * or -1 if a clock or the boot id cannot be read. */
int store_reading_now(struct store_reading *r, struct ctv_err *err);

enum store_open_mode {
	STORE_READ,   /* the file must exist and be a store */
	STORE_WRITE,  /* creates the file and schema if missing */
};

/* Opens (and for STORE_WRITE creates, mode 0600) the store at path.
 * Refuses, without writing anything, a symbolic link or other non-regular
 * file, a file that is not a SQLite database, one of another program, or
 * a store with a damaged page (PRAGMA quick_check). Returns NULL with err set on failure; errno is ENOENT
 * when a STORE_READ store does not exist. */
struct store *store_open(const char *path, enum store_open_mode mode, struct ctv_err *err);

void store_close(struct store *st);

/* Claims the store for one writer (a collector), with flock(2) on the
 * file, until store_close(). Returns 0, or -1 with err set (errno EBUSY
 * when another process holds it). Snapshots do not claim: they may run
 * beside a collector (store_record's ESTALE rule). */
int store_claim(struct store *st, struct ctv_err *err);

/* Minute-row retention in milliseconds (at least one hour; whole seconds
 * are kept). Kept in the file with the next reading: later writers use it
 * unless they set their own. */
void store_set_minute_keep(struct store *st, int64_t keep_ms);

/* The delta rule, alone so it can be tested alone. Computes now - prev
 * per direction into *d. A direction whose bytes or packets went
 * backwards was reset: its delta is the new value (counted from zero).
 * Returns a mask of STORE_RESET_IN / STORE_RESET_OUT. */
#define STORE_RESET_IN 1u
#define STORE_RESET_OUT 2u
unsigned store_delta(const struct store_counts *prev, const struct store_counts *now,
		     struct store_counts *d);

/* Where the last reading left the clocks. */
struct store_clock {
	int valid; /* 0: no reading yet */
	int64_t wall_ms, mono_ms, timeline_ms;
	char boot_id[STORE_BOOT_MAX];
};

/* How an interval is placed on the timeline. */
struct store_span {
	int64_t start_ms, end_ms; /* timeline; end >= start */
	int64_t elapsed_ms;       /* monotonic time, -1 if unknown (new boot) */
	int64_t step_ms;          /* wall clock step seen in this interval, 0 if none */
	int new_boot;
};

/* The clock rule, alone so it can be tested alone. prev must be valid.
 * The timeline never goes back: start is the previous timeline end; a
 * forward step starts the interval at now - elapsed (a gap, nothing
 * overlaps), a backward step holds the interval at the timeline until the
 * wall clock passes it again. Steps smaller than 2 s + 1% are drift. */
void store_timeline(const struct store_clock *prev, const struct store_reading *r,
		    struct store_span *span);

/* What store_record did. */
struct store_result {
	int baseline;    /* first reading: nothing counted yet */
	size_t resets;   /* series (directions) that went backwards */
	struct store_span span;
};

/* Records a reading: per series, the difference to the last reading, in
 * one transaction with the new last values. Returns 0; -1 with errno
 * ESTALE if a newer reading was recorded meanwhile (read again and retry),
 * or -1 with err set on a database error. */
int store_record(struct store *st, const struct store_reading *r, struct store_result *res,
		 struct ctv_err *err);

/* Records an event the caller saw (e.g. "gap": our rules were gone and
 * were reinstalled). key may be NULL. Returns 0 or -1. */
int store_event_add(struct store *st, const char *kind, const char *key, int sub,
		    int64_t from_ms, int64_t to_ms, const char *detail, struct ctv_err *err);

/* Records a "gap" event about no series, from the last reading's timeline
 * end (now when there is none) to now: a window in which nothing was
 * counted. Returns 0 or -1. */
int store_gap_add(struct store *st, const char *detail, struct ctv_err *err);

/* The clocks of the last reading (valid == 0 if none). Returns 0 or -1. */
int store_last_clock(struct store *st, struct store_clock *clk, struct ctv_err *err);

struct store_row {
	time_t period; /* start of the period (period_floor) */
	char key[STORE_KEY_MAX];
	int sub;       /* -1 when subs were summed */
	struct store_counts c;
};

struct store_rows {
	struct store_row *v;
	size_t n;
};

struct store_query {
	enum period_by by;
	int64_t from_ms, to_ms; /* hour rows starting in [from_ms, to_ms) */
	const char *key; /* only this series key, or NULL for all */
	int by_sub;      /* one row per sub-key instead of their sum */
	int classes;     /* with key NULL: 0 every series but the class
			  * series (the default), 1 only the class series,
			  * each row's sub then being its class N */
};

/* Initialises q: everything, by month, subs summed. */
void store_query_init(struct store_query *q);

/* Sums per period and series, in period order and then series order (the
 * order series were first seen). Returns 0 or -1; free with
 * store_rows_free(). */
int store_report(struct store *st, const struct store_query *q, struct store_rows *out,
		 struct ctv_err *err);

void store_rows_free(struct store_rows *rows);

struct store_interval {
	int64_t start_ms, end_ms;
	int64_t elapsed_ms; /* -1 unknown; hour rows have 3600000 */
	int hourly;         /* an hour row (minutes already pruned) */
	struct store_counts c;
};

struct store_intervals {
	struct store_interval *v;
	size_t n;
};

/* The recorded intervals overlapping [from_ms, to_ms), summed over the
 * series with key (all when NULL) and sub-key sub (all when < 0): hour
 * rows where minutes were pruned, then minute intervals. Returns 0 or -1. */
int store_intervals(struct store *st, int64_t from_ms, int64_t to_ms, const char *key, int sub,
		    struct store_intervals *out, struct ctv_err *err);

/* store_intervals() without the sums (all zero): the same intervals in
 * the same order, reading no minute row (cost: the intervals, not the
 * intervals x series). Returns 0 or -1. */
int store_interval_times(struct store *st, int64_t from_ms, int64_t to_ms, const char *key,
			 int sub, struct store_intervals *out, struct ctv_err *err);

void store_intervals_free(struct store_intervals *iv);

struct store_event {
	int64_t t_ms;
	char kind[16];
	char key[STORE_KEY_MAX]; /* "" when not about one series */
	int sub;
	int64_t from_ms, to_ms;
	char detail[STORE_DETAIL_MAX];
};

struct store_events {
	struct store_event *v;
	size_t n;
};

/* Events recorded at times in [from_ms, to_ms) about key (or all, or
 * those about no series). Returns 0 or -1. */
int store_events(struct store *st, int64_t from_ms, int64_t to_ms, const char *key,
		 struct store_events *out, struct ctv_err *err);

void store_events_free(struct store_events *ev);

struct store_scalar_sum {
	char name[STORE_NAME_MAX];
	int gauge;
	uint64_t value; /* counters: the sum over the range; gauges: the last value */
};

struct store_scalar_sums {
	struct store_scalar_sum *v;
	size_t n;
};

/* Extra figures over hour rows starting in [from_ms, to_ms). Returns 0 or
 * -1. */
int store_scalars(struct store *st, int64_t from_ms, int64_t to_ms, struct store_scalar_sums *out,
		  struct ctv_err *err);

void store_scalar_sums_free(struct store_scalar_sums *s);

/* Per series key (subs summed), the sums over the recorded intervals lying
 * wholly inside [from_ms, to_ms]: minute intervals, and hour rows where
 * minutes were pruned (as store_intervals() returns them). Rows in series
 * order, period 0, sub -1; keys without a row in range are left out.
 * Returns 0 or -1. One pass, for windows of any length; an hour whose
 * intervals all lie inside is read from its hour row, so the cost is the
 * hours plus the minutes of the two edge hours. */
int store_key_sums(struct store *st, int64_t from_ms, int64_t to_ms, struct store_rows *out,
		   struct ctv_err *err);

/* The same for the class series only ("class:N"), in series order. */
int store_class_sums(struct store *st, int64_t from_ms, int64_t to_ms, struct store_rows *out,
		     struct ctv_err *err);

/* Both in one pass: every key's row, class series included, in series
 * order (the caller tells them apart with store_series_is_class() or the
 * STORE_CLASS_PREFIX). */
int store_all_key_sums(struct store *st, int64_t from_ms, int64_t to_ms, struct store_rows *out,
		       struct ctv_err *err);

/* Extra figures over the minute intervals lying wholly inside [from_ms,
 * to_ms] (counters summed, gauges the largest value seen), for windows
 * finer than an hour. Returns 0 or -1. */
int store_scalars_between(struct store *st, int64_t from_ms, int64_t to_ms,
			  struct store_scalar_sums *out, struct ctv_err *err);

/* The SQLite handle, for tests that need to interrupt a transaction. */
struct sqlite3 *store_sqlite(struct store *st);

#endif
