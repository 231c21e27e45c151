#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "xtlock.h"

const char *xtlock_path(void)
{
	const char *p = getenv("XTABLES_LOCKFILE");

	return p && *p ? p : XTLOCK_DEFAULT_PATH;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int xtlock_take(const char *path, unsigned timeout_ms, struct ctv_err *err)
{
	long long until = now_ms() + timeout_ms;
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0) {
		ctv_err_sys(err, errno, "cannot open the xtables lock %s", path);
		return -1;
	}
	for (;;) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			ctv_err_sys(err, e, "cannot lock %s", path);
			close(fd);
			errno = e;
			return -1;
		}
		if (now_ms() >= until)
			break;
		nanosleep(&pause, NULL);
	}
	close(fd);
	ctv_err_set(err, "another program holds the xtables lock %s (an iptables command "
		    "still running?); gave up after %u.%03u s",
		    path, timeout_ms / 1000, timeout_ms % 1000);
	errno = ETIMEDOUT;
	return -1;
}

void xtlock_release(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}
