/* collect.c - the collect loop and its stop signals (collect.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
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
