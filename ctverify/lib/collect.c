/* collect.c - the collect loop and its stop signals (collect.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collect.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

void collect_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a sleep must end when we are told to stop. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int collect_stop_requested(void)
{
	return stop_signal;
}

void collect_sleep_to_boundary(unsigned long interval)
{
	struct timespec now, until;

	clock_gettime(CLOCK_REALTIME, &now);
	until.tv_sec = (now.tv_sec / (time_t)interval + 1) * (time_t)interval;
	until.tv_nsec = 0;
	/* An absolute wall-clock sleep also ends right when the clock is
	 * stepped past the boundary. */
	while (!stop_signal &&
	       clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

void collect_sleep(unsigned long seconds)
{
	struct timespec pause = { (time_t)seconds, 0 };

	while (!stop_signal && nanosleep(&pause, &pause) < 0 && errno == EINTR)
		;
}

int collect_run(unsigned long interval, collect_snap_fn snap, void *arg)
{
	int failed;

	collect_catch_stop();
	failed = snap(arg) < 0;
	while (!stop_signal) {
		collect_sleep_to_boundary(interval);
		/* Also after a stop signal: the interval in progress is kept. */
		failed = snap(arg) < 0;
	}
	return failed ? -1 : 0;
}

int64_t collect_mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* What one wait is for, in monotonic milliseconds (-1: nothing). */
struct watch_state {
	int64_t next_tick, repair_at, first_event;
	int off[COLLECT_FDS]; /* ready() failed on it: no longer polled */
};

/* Milliseconds to wait: to the boundary, the next tick or the repair,
 * at most a second (a stop signal between the check and poll() then
 * waits no longer than that). */
static int wait_ms(const struct watch_state *ws, int64_t boundary_wall)
{
	int64_t now = collect_mono_ms(), ms = boundary_wall - wall_ms();

	if (ws->next_tick >= 0 && ws->next_tick - now < ms)
		ms = ws->next_tick - now;
	if (ws->repair_at >= 0 && ws->repair_at - now < ms)
		ms = ws->repair_at - now;
	if (ms > 1000)
		ms = 1000;
	return ms < 0 ? 0 : (int)ms;
}

/* An event asked for a repair: in debounce_ms, unless more come, but no
 * later than COLLECT_DEBOUNCE_MAX_MS after the first. */
static void due(struct watch_state *ws, const struct collect_watch *w)
{
	int64_t now = collect_mono_ms();

	if (ws->repair_at < 0)
		ws->first_event = now;
	ws->repair_at = now + w->debounce_ms;
	if (ws->repair_at > ws->first_event + COLLECT_DEBOUNCE_MAX_MS)
		ws->repair_at = ws->first_event + COLLECT_DEBOUNCE_MAX_MS;
}

/* Waits for the next wall-clock boundary of interval, serving w. */
static void watch_until_boundary(unsigned long interval, const struct collect_watch *w,
				 struct watch_state *ws)
{
	int64_t boundary = (wall_ms() / 1000 / (int64_t)interval + 1) * (int64_t)interval * 1000;

	while (!stop_signal && wall_ms() < boundary) {
		struct pollfd pfd[COLLECT_FDS];
		int n = 0, idx[COLLECT_FDS];

		for (int i = 0; i < COLLECT_FDS; i++) {
			if (w->fd[i] < 0 || ws->off[i])
				continue;
			pfd[n].fd = w->fd[i];
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			idx[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, wait_ms(ws, boundary)) > 0) {
			for (int i = 0; i < n; i++) {
				int rc = pfd[i].revents ? w->ready(w->arg, idx[i]) : 0;

				if (rc > 0)
					due(ws, w);
				else if (rc < 0)
					ws->off[idx[i]] = 1; /* never a busy loop on a broken socket */
			}
		}
		if (ws->next_tick >= 0 && collect_mono_ms() >= ws->next_tick) {
			if (w->tick(w->arg))
				due(ws, w);
			ws->next_tick = collect_mono_ms() + (w->tick_next ? w->tick_next(w->arg) : w->tick_ms);
		}
		if (ws->repair_at >= 0 && collect_mono_ms() >= ws->repair_at) {
			ws->repair_at = -1;
			w->repair(w->arg);
		}
	}
}

int collect_watch(unsigned long interval, collect_snap_fn snap, const struct collect_watch *w,
		  void *arg)
{
	struct watch_state ws = { -1, -1, -1, { 0 } };
	int failed;

	collect_catch_stop();
	if (w->tick_ms && w->tick)
		ws.next_tick = collect_mono_ms() + w->tick_ms;
	failed = snap(arg) < 0;
	while (!stop_signal) {
		watch_until_boundary(interval, w, &ws);
		failed = snap(arg) < 0;
	}
	return failed ? -1 : 0;
}

int collect_record(struct store *st, const struct collect_reader *rd, struct store_result *res,
		   struct ctv_err *err)
{
	int rc = -1;

	for (int attempt = 0; attempt < 3; attempt++) {
		struct store_reading r;
		int saved;

		memset(&r, 0, sizeof(r));
		if (rd->read(rd->arg, &r, err) < 0)
			return -1;
		rc = (rd->now ? rd->now : store_reading_now)(&r, err);
		if (rc == 0)
			rc = store_record(st, &r, res, err);
		saved = errno;
		rd->done(rd->arg);
		errno = saved;
		if (rc == 0 || errno != ESTALE)
			break;
		/* Another process recorded a newer reading meanwhile: ours is
		 * stale, read the counters again. */
	}
	return rc;
}

struct store *collect_claim(struct store *st, unsigned long minute_days, struct ctv_err *err)
{
	if (store_claim(st, err) < 0) {
		int e = errno;

		store_close(st);
		errno = e;
		return NULL;
	}
	if (minute_days)
		store_set_minute_keep(st, (int64_t)minute_days * 86400 * 1000);
	return st;
}

const char *collect_say(struct collect_say *cs, int rc, const char *msg, int64_t now_ms,
			char *buf, size_t len)
{
	if (rc == 0) {
		if (!cs->failed)
			return NULL;
		snprintf(buf, len, "recorded again after %u failed snapshot%s (%" PRId64 " s); "
			 "the kernel's counters kept counting, nothing was lost", cs->failed,
			 cs->failed == 1 ? "" : "s", (now_ms - cs->first_ms + 500) / 1000);
		cs->failed = cs->held = 0;
		return buf;
	}
	if (!cs->failed++) {
		cs->first_ms = now_ms;
	} else if (now_ms - cs->last_said_ms < COLLECT_SAY_EVERY_MS) {
		cs->held++;
		return NULL;
	}
	cs->last_said_ms = now_ms;
	if (cs->held)
		snprintf(buf, len, "%s (still failing: %u snapshots in %" PRId64 " s; said once a "
			 "minute; the kernel's counters keep the interval)", msg, cs->failed,
			 (now_ms - cs->first_ms + 500) / 1000);
	else
		snprintf(buf, len, "%s", msg);
	cs->held = 0;
	return buf;
}

const char *collect_say_now(int rc, const char *msg, char *buf, size_t len)
{
	static struct collect_say cs;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return collect_say(&cs, rc, msg, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, buf, len);
}
