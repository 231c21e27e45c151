/* promtext.c - Prometheus text exposition and atomic textfile writes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "promtext.h"

int promtext_open(struct promtext_file *pf, const char *dir, const char *name,
		  struct ctv_err *err)
{
	int fd;

	memset(pf, 0, sizeof(*pf));
	if ((size_t)snprintf(pf->dir, sizeof(pf->dir), "%s", dir) >= sizeof(pf->dir) ||
	    (size_t)snprintf(pf->path, sizeof(pf->path), "%s/%s.prom", dir, name) >= sizeof(pf->path) ||
	    (size_t)snprintf(pf->tmp, sizeof(pf->tmp), "%s.tmp", pf->path) >= sizeof(pf->tmp)) {
		ctv_err_set(err, "%s: path too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(pf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ctv_err_sys(err, errno, "%s", pf->tmp);
		return -1;
	}
	pf->f = fdopen(fd, "w");
	if (!pf->f) {
		ctv_err_sys(err, errno, "%s", pf->tmp);
		close(fd);
		unlink(pf->tmp);
		return -1;
	}
	return 0;
}

void promtext_abort(struct promtext_file *pf)
{
	if (pf->f)
		fclose(pf->f);
	pf->f = NULL;
	unlink(pf->tmp);
}

int promtext_commit(struct promtext_file *pf, struct ctv_err *err)
{
	int saved, dfd;

	if (fflush(pf->f) != 0 || ferror(pf->f) || fsync(fileno(pf->f)) < 0) {
		saved = errno;
		ctv_err_sys(err, saved, "%s", pf->tmp);
		promtext_abort(pf);
		errno = saved;
		return -1;
	}
	if (fclose(pf->f) != 0) {
		saved = errno;
		pf->f = NULL;
		ctv_err_sys(err, saved, "%s", pf->tmp);
		unlink(pf->tmp);
		errno = saved;
		return -1;
	}
	pf->f = NULL;
	if (rename(pf->tmp, pf->path) < 0) {
		saved = errno;
		ctv_err_sys(err, saved, "rename %s to %s", pf->tmp, pf->path);
		unlink(pf->tmp);
		errno = saved;
		return -1;
	}
	/* The rename itself must survive a crash too. */
	dfd = open(pf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void promtext_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int promtext_store_figures(FILE *out, const char *prefix, struct store *st, struct ctv_err *err)
{
	struct store_clock clk;
	struct store_events ev;
	char name[128];
	uint64_t gaps = 0;

	if (store_last_clock(st, &clk, err) < 0)
		return -1;
	if (!clk.valid)
		return 0;
	if (store_events(st, 0, (time_t)(INT64_MAX / 1000), NULL, &ev, err) < 0)
		return -1;
	for (size_t i = 0; i < ev.n; i++)
		if (!strcmp(ev.v[i].kind, "gap"))
			gaps++;
	store_events_free(&ev);
	snprintf(name, sizeof(name), "%s_last_snapshot_timestamp_seconds", prefix);
	promtext_family(out, name, "gauge",
			"Wall-clock time of the last snapshot recorded in the history store.");
	fprintf(out, "%s %" PRId64 ".%03d\n", name, clk.wall_ms / 1000, (int)(clk.wall_ms % 1000));
	snprintf(name, sizeof(name), "%s_gap_events_total", prefix);
	promtext_family(out, name, "counter",
			"Gap events in the history store: windows in which the counters were not observed.");
	fprintf(out, "%s %" PRIu64 "\n", name, gaps);
	return 0;
}

/* The store's figures; a store that does not exist yet prints none. */
static int store_part(FILE *out, const char *name, const char *db, struct ctv_err *err)
{
	struct store *st;
	int rc;

	if (access(db, F_OK) < 0 && errno == ENOENT)
		return 0;
	st = store_open(db, STORE_READ, err);
	if (!st)
		return -1;
	rc = promtext_store_figures(out, name, st, err);
	store_close(st);
	return rc;
}

int promtext_write(FILE *out, const char *dir, const char *name, const char *db,
		   promtext_body_fn body, const void *arg, struct ctv_err *err)
{
	struct promtext_file pf;

	if (!dir) {
		body(out, arg);
		return store_part(out, name, db, err);
	}
	if (promtext_open(&pf, dir, name, err) < 0)
		return -1;
	body(pf.f, arg);
	if (store_part(pf.f, name, db, err) < 0) {
		promtext_abort(&pf);
		return -1;
	}
	return promtext_commit(&pf, err);
}
