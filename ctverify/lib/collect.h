/* collect.h - the collect loop both programs run: one snapshot at start,
 * then one at every multiple of the interval of the wall clock, and a
 * last one when a stop signal arrives.
 *
 * SIGTERM, SIGINT and SIGHUP set a flag and interrupt sleeps instead of
 * killing, so the loop finishes the snapshot in progress, takes the one
 * for the interval in progress and returns. The snapshot itself is the
 * caller's (a callback): ctverify reads its backend, ctnode its table.
 */
#ifndef CTV_COLLECT_H
#define CTV_COLLECT_H

#include "err.h"
#include "store.h"

/* Installs the stop handlers (no SA_RESTART). Idempotent. */
void collect_catch_stop(void);

/* The stop signal received, 0 if none. */
int collect_stop_requested(void);

/* Sleeps until the next multiple of interval seconds of the wall clock
 * (so minutes are minutes), or until a stop signal. */
void collect_sleep_to_boundary(unsigned long interval);

/* Sleeps seconds, or until a stop signal. */
void collect_sleep(unsigned long seconds);

/* One snapshot: 0, or -1 when it failed (the callback reports why). */
typedef int (*collect_snap_fn)(void *arg);

/* Catches the stop signals, takes a snapshot right away (after a restart
 * it closes the interval the previous run left open), then one at every
 * interval boundary until stopped, the last one after the stop signal
 * (the interval in progress is recorded). A failed snapshot does not end
 * the loop: the next one covers its interval. Returns 0 when the last
 * snapshot succeeded, -1 when it failed. */
int collect_run(unsigned long interval, collect_snap_fn snap, void *arg);

/* What collect_watch() follows between snapshots: up to COLLECT_FDS
 * descriptors (netlink event sockets), a check every tick_ms, and a
 * repair that a burst of events asks for once. */
#define COLLECT_FDS 2
struct collect_watch {
	int fd[COLLECT_FDS];   /* -1: unused */
	/* fd[i] is readable: read it; 1 when a repair is due, else 0; -1
	 * when the descriptor is broken (it is no longer polled). */
	int (*ready)(void *arg, int i);
	/* Every tick_ms (0: never): 1 when a repair is due, else 0. */
	int (*tick)(void *arg);
	unsigned tick_ms;
	/* The repair, once the events have been quiet for debounce_ms (at
	 * most COLLECT_DEBOUNCE_MAX_MS after the first one). */
	void (*repair)(void *arg);
	unsigned debounce_ms;
	void *arg;
	/* The wait after a tick to the next one, in ms, asked after each
	 * tick (the guard's cadence follows its cost); NULL: tick_ms. The
	 * first tick is tick_ms after the start. */
	unsigned (*tick_next)(void *arg);
};
#define COLLECT_DEBOUNCE_MAX_MS 250

/* collect_run(), and between snapshots: waits (poll) on w's descriptors
 * and ticks as well as on the interval boundary, and runs w->repair as
 * they ask. A stop signal ends the wait within a second. */
int collect_watch(unsigned long interval, collect_snap_fn snap, const struct collect_watch *w,
		  void *arg);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t collect_mono_ms(void);

/* Where one reading comes from, for collect_record(). */
struct collect_reader {
	/* Fills r->samples and r->scalars (kept by the reader until done()
	 * is called); 0, or -1 with err set. */
	int (*read)(void *arg, struct store_reading *r, struct ctv_err *err);
	void (*done)(void *arg);
	/* The clocks and boot id; NULL: store_reading_now() (tests pass
	 * their own). */
	int (*now)(struct store_reading *r, struct ctv_err *err);
	void *arg;
};

/* Reads the counters, stamps the reading right after and records it. A
 * reading found stale (ESTALE: another process recorded a newer one
 * meanwhile) is read again, up to three times in all. Returns 0, or -1
 * with err set (errno ESTALE when every attempt was stale). */
int collect_record(struct store *st, const struct collect_reader *rd, struct store_result *res,
		   struct ctv_err *err);

/* Claims st for this collector (store_claim: a second collector on the
 * same store is refused) and sets the minute-row retention (days, 0: keep
 * the store's). Returns st, or NULL with err set and st closed. */
struct store *collect_claim(struct store *st, unsigned long minute_days, struct ctv_err *err);

/* What a collect loop says about its snapshots: a failure is said when it
 * starts and then at most once a minute while it lasts (the store full or
 * read-only: nothing is lost, the kernel's counters keep counting and the
 * next snapshot that can be written covers the whole time); the first
 * success after failures says so. */
struct collect_say {
	int64_t last_said_ms; /* when a failure was last said */
	unsigned failed;      /* snapshots failed since the last success */
	unsigned held;        /* of those, not said */
	int64_t first_ms;     /* when the first of them failed */
};

#define COLLECT_SAY_EVERY_MS 60000

/* rc: the snapshot's result; msg: its error when rc < 0; now_ms: the
 * monotonic clock. Returns the line to print (in buf), or NULL for none. */
const char *collect_say(struct collect_say *cs, int rc, const char *msg, int64_t now_ms,
			char *buf, size_t len);

/* collect_say() with the process's own state and CLOCK_MONOTONIC. */
const char *collect_say_now(int rc, const char *msg, char *buf, size_t len);

#endif
