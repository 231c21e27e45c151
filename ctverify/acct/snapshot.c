/* snapshot.c - the container's snapshot and self-repair (snapshot.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "procnet.h"
#include "rulestate.h"
#include "snapshot.h"

#define DB_NAME "ctverify.db"

/* The kernel's own figures kept with each snapshot, for reconcile. */
static const char *const snmp_protos[] = { "Udp", "Icmp", NULL };

static const struct snapshot_proc system_proc = {
	"/proc/net/snmp", "/proc/net/dev", "/sys/class/net", "/proc/uptime"
};

const char *snapshot_default_db(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", rulestate_dir(), DB_NAME);
	return path;
}

/* Creates the parent directory of path (one level, and its parent when
 * that is missing too). */
static void make_parent(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno == ENOENT) {
		char *up = strrchr(dir, '/');

		if (up && up != dir) {
			*up = '\0';
			mkdir(dir, 0755);
			*up = '/';
			mkdir(dir, 0755);
		}
	}
}

struct store *snapshot_open_store(const char *db, struct ctv_err *err)
{
	make_parent(db);
	return store_open(db, STORE_WRITE, err);
}

static const struct backend *find_backend(const struct snapshot *sn, const char *name,
					  struct ctv_err *err)
{
	if (sn->backend && !strcmp(sn->backend->name, name))
		return sn->backend;
	return backend_find(name, err);
}

int snapshot_load_rules(const struct snapshot *sn, struct svcspec *spec,
			const struct backend **b, struct ctv_err *err)
{
	char name[64];

	svcspec_init(spec);
	if (rulestate_load(name, sizeof(name), spec, err) < 0) {
		if (errno == ENOENT)
			ctv_err_set(err, "no accounting rules installed (run 'ctverify rules install' first)");
		svcspec_free(spec);
		return -1;
	}
	*b = find_backend(sn, name, err);
	if (!*b) {
		svcspec_free(spec);
		return -1;
	}
	return 0;
}

/* Reinstalls the saved spec and records the gap since the last reading. */
static int reinstall(struct snapshot *sn, const struct backend *b, const struct svcspec *spec,
		     const char *why, struct ctv_err *err)
{
	char detail[STORE_DETAIL_MAX], name[64];
	struct svcspec now;
	int same;

	/* 'rules install' or 'rules remove' may be running right now: only
	 * put back what is still the saved spec of this backend. */
	svcspec_init(&now);
	same = rulestate_load(name, sizeof(name), &now, NULL) == 0 && !strcmp(name, b->name) &&
	       svcspec_equal(&now, spec);
	svcspec_free(&now);
	if (!same) {
		ctv_err_set(err, "our rules were %s while the saved spec changed; not reinstalling", why);
		errno = EAGAIN;
		return -1;
	}
	if (b->install(spec, err) < 0) {
		ctv_err_prefix(err, "our rules were %s and could not be reinstalled", why);
		return -1;
	}
	ctv_warn(&sn->warn, "our %s rules were %s; reinstalled them from the saved spec", b->name, why);
	snprintf(detail, sizeof(detail), "our rules were %s and were reinstalled from the saved "
		 "spec; traffic in between was not counted", why);
	if (sn->st) {
		struct ctv_err e2;

		store_gap_add(sn->st, detail, &e2);
	}
	return 0;
}

static uint64_t all_packets(const struct ctv_counters *c)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->c[i].in_packets + c->c[i].out_packets;
	return n;
}

int snapshot_read(struct snapshot *sn, const struct backend *b, const struct svcspec *spec,
		  struct ctv_counters *c, struct ctv_err *err)
{
	if (b->read(c, err) < 0) {
		if (errno != ENOENT || sn->no_repair || reinstall(sn, b, spec, "gone", err) < 0 ||
		    b->read(c, err) < 0)
			return -1;
	} else if (!sn->no_repair && sn->have_last && all_packets(c) == sn->last_packets && b->check) {
		char *diff = NULL;
		struct ctv_err e2 = { "" };
		int rc = b->check(spec, &diff, &e2);

		free(diff);
		if (rc == 1) {
			ctv_counters_free(c);
			if (reinstall(sn, b, spec, "changed or flushed", err) < 0 || b->read(c, err) < 0)
				return -1;
		}
	}
	ctv_counters_order(c, spec);
	sn->have_last = 1;
	sn->last_packets = all_packets(c);
	return 0;
}

/* One reading's buffers, between collect_record()'s read and done. */
struct reading {
	struct snapshot *sn;
	const struct backend *b;
	const struct svcspec *spec;
	struct ctv_counters c;
	struct procnet_figures fig, dev;
	struct store_sample *smp;
	struct store_scalar *sc;
};

static void reading_done(void *arg)
{
	struct reading *rd = arg;

	free(rd->smp);
	free(rd->sc);
	ctv_counters_free(&rd->c);
	procnet_figures_free(&rd->fig);
	procnet_figures_free(&rd->dev);
	rd->smp = NULL;
	rd->sc = NULL;
}

/* The kernel's figures as scalars after the counters' samples. */
static size_t fill_scalars(struct reading *rd, int have_up, uint64_t up)
{
	struct procnet_figures *fig = &rd->fig, *dev = &rd->dev;

	for (size_t i = 0; i < fig->n; i++) {
		rd->sc[i].name = fig->v[i].name;
		rd->sc[i].value = fig->v[i].value;
	}
	for (size_t i = 0; i < dev->n; i++) {
		size_t l = strlen(dev->v[i].name);

		rd->sc[fig->n + i].name = dev->v[i].name;
		rd->sc[fig->n + i].gauge = l > 4 && !strcmp(dev->v[i].name + l - 4, ".mtu");
		rd->sc[fig->n + i].value = dev->v[i].value;
	}
	if (have_up) {
		rd->sc[fig->n + dev->n].name = "uptime";
		rd->sc[fig->n + dev->n].gauge = 1;
		rd->sc[fig->n + dev->n].value = up;
	}
	return fig->n + dev->n + (size_t)have_up;
}

static int reading_read(void *arg, struct store_reading *r, struct ctv_err *err)
{
	struct reading *rd = arg;
	struct snapshot *sn = rd->sn;
	const struct snapshot_proc *proc = sn->proc ? sn->proc : &system_proc;
	struct ctv_err e2 = { "" };
	uint64_t up = 0;
	int have_up;

	if (snapshot_read(sn, rd->b, rd->spec, &rd->c, err) < 0)
		return -1;
	if (procnet_read_snmp(proc->snmp, snmp_protos, &rd->fig, &e2) < 0 && !sn->warned_snmp) {
		ctv_warn(&sn->warn, "warning: %s (UDP/ICMP figures not recorded)", e2.msg);
		sn->warned_snmp = 1;
	}
	/* Interface drops: reconcile's evidence for packets lost between
	 * the node's counters and ours. Optional. */
	procnet_read_dev(proc->dev, proc->sysnet, &rd->dev, NULL);
	have_up = procnet_read_uptime(proc->uptime, &up, NULL) == 0;
	rd->smp = calloc(rd->c.n + 1, sizeof(*rd->smp));
	rd->sc = calloc(rd->fig.n + rd->dev.n + 1, sizeof(*rd->sc));
	if (!rd->smp || !rd->sc) {
		reading_done(rd);
		ctv_err_set(err, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < rd->c.n; i++) {
		rd->smp[i].key = rd->c.c[i].name;
		rd->smp[i].c.in_bytes = rd->c.c[i].in_bytes;
		rd->smp[i].c.in_packets = rd->c.c[i].in_packets;
		rd->smp[i].c.out_bytes = rd->c.c[i].out_bytes;
		rd->smp[i].c.out_packets = rd->c.c[i].out_packets;
	}
	r->samples = rd->smp;
	r->n_samples = rd->c.n;
	r->scalars = rd->sc;
	r->n_scalars = fill_scalars(rd, have_up, up);
	return 0;
}

int snapshot_take(struct snapshot *sn, struct store_result *res, struct ctv_err *err)
{
	struct reading rd;
	struct collect_reader reader = { reading_read, reading_done, sn->now, &rd };
	const struct backend *b;
	struct svcspec spec;
	int rc;

	/* The spec is read every time: 'rules install' may have changed it. */
	if (snapshot_load_rules(sn, &spec, &b, err) < 0)
		return -1;
	memset(&rd, 0, sizeof(rd));
	rd.sn = sn;
	rd.b = b;
	rd.spec = &spec;
	rc = collect_record(sn->st, &reader, res, err);
	svcspec_free(&spec);
	return rc;
}

int snapshot_before_change(struct snapshot *sn, struct ctv_err *err)
{
	struct store_result res;
	struct svcspec spec;
	char name[64];
	const char *db = snapshot_default_db();
	int rc, installed;

	/* No history kept, or no rules of ours to read: nothing to save. */
	svcspec_init(&spec);
	installed = rulestate_load(name, sizeof(name), &spec, NULL) == 0;
	svcspec_free(&spec);
	if (!installed || access(db, F_OK) < 0)
		return 0;
	sn->no_repair = 1;
	sn->st = snapshot_open_store(db, err);
	if (!sn->st)
		return -1;
	rc = snapshot_take(sn, &res, err);
	store_close(sn->st);
	sn->st = NULL;
	return rc;
}
