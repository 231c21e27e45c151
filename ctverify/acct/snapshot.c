/* snapshot.c - the container's snapshot and self-repair (snapshot.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "nft_int.h"
#include "procnet.h"
#include "rulestate.h"
#include "snapshot.h"

#define DB_NAME "ctverify.db"
#define NO_RULES "no accounting rules installed (run 'ctverify rules install' first)"

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
			ctv_err_set(err, NO_RULES);
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

/* ---- the saved spec, kept while its file stays the same ----------------- */

static void saved_forget(struct snapshot_saved *s)
{
	unsigned parses = s->parses;

	if (s->valid)
		svcspec_free(&s->spec);
	free(s->names);
	memset(s, 0, sizeof(*s));
	s->parses = parses;
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int saved_same(const struct snapshot_saved *s, const struct stat *st)
{
	return s->valid && s->dev == (uint64_t)st->st_dev && s->ino == (uint64_t)st->st_ino &&
	       s->size == (uint64_t)st->st_size && s->mtime_ns == ts_ns(&st->st_mtim) &&
	       s->ctime_ns == ts_ns(&st->st_ctim);
}

int snapshot_saved_spec(struct snapshot *sn, const struct svcspec **spec,
			const struct backend **b, struct ctv_err *err)
{
	struct snapshot_saved *s = &sn->saved;
	struct stat st;

	if (rulestate_stat(&st, err) < 0) {
		int e = errno;

		saved_forget(s);
		if (e == ENOENT)
			ctv_err_set(err, NO_RULES);
		errno = e;
		return -1;
	}
	if (!saved_same(s, &st)) {
		/* Stat before the parse: a file replaced meanwhile is not
		 * the one stat saw, so it is parsed again next time. */
		saved_forget(s);
		s->parses++;
		if (snapshot_load_rules(sn, &s->spec, &s->b, err) < 0)
			return -1;
		s->names = s->spec.n ? ctv_names_sort(s->spec.svcs[0].name, sizeof(s->spec.svcs[0]),
						      s->spec.n) : NULL;
		s->dev = (uint64_t)st.st_dev;
		s->ino = (uint64_t)st.st_ino;
		s->size = (uint64_t)st.st_size;
		s->mtime_ns = ts_ns(&st.st_mtim);
		s->ctime_ns = ts_ns(&st.st_ctim);
		s->valid = 1;
	}
	*spec = &s->spec;
	*b = s->b;
	return 0;
}

/* c in spec order, through the kept names index when spec is the kept
 * spec. */
static void order(const struct snapshot *sn, struct ctv_counters *c, const struct svcspec *spec)
{
	if (spec == &sn->saved.spec && sn->saved.names)
		ctv_counters_order_names(c, spec, sn->saved.names);
	else
		ctv_counters_order(c, spec);
}

static int64_t wall_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Reinstalls the saved spec and records the gap: from from_ms (the last
 * reading known good; -1: the store's last reading) to the moment the
 * rules are back. */
static int reinstall(struct snapshot *sn, const struct backend *b, const struct svcspec *spec,
		     const char *why, int64_t from_ms, struct ctv_err *err)
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

		if (from_ms < 0)
			store_gap_add(sn->st, detail, &e2);
		else
			store_event_add(sn->st, "gap", NULL, 0, from_ms, wall_now_ms(), detail, &e2);
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
		if (errno != ENOENT || sn->no_repair || reinstall(sn, b, spec, "gone", -1, err) < 0 ||
		    b->read(c, err) < 0)
			return -1;
	} else if (!sn->no_repair && sn->have_last && all_packets(c) == sn->last_packets && b->check) {
		char *diff = NULL;
		struct ctv_err e2 = { "" };
		int rc = b->check(spec, &diff, &e2);

		free(diff);
		if (rc == 1) {
			ctv_counters_free(c);
			if (reinstall(sn, b, spec, "changed or flushed", -1, err) < 0 || b->read(c, err) < 0)
				return -1;
		}
	}
	order(sn, c, spec);
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
	const struct svcspec *spec;

	/* Looked at every time: 'rules install' may have changed it. */
	if (snapshot_saved_spec(sn, &spec, &b, err) < 0)
		return -1;
	memset(&rd, 0, sizeof(rd));
	rd.sn = sn;
	rd.b = b;
	rd.spec = spec;
	return collect_record(sn->st, &reader, res, err);
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
	snapshot_free(sn);
	store_close(sn->st);
	sn->st = NULL;
	return rc;
}

/* ---- collect's guard -------------------------------------------------------- */

void snapshot_free(struct snapshot *sn)
{
	ctv_counters_free(&sn->good);
	sn->have_good = 0;
	saved_forget(&sn->saved);
}

/* Keeps c (taken over) as the last reading known good, stamped now. */
static void keep_good(struct snapshot *sn, const struct backend *b, struct ctv_counters *c)
{
	snprintf(sn->good_backend, sizeof(sn->good_backend), "%s", b->name);
	struct store_reading r;

	memset(&r, 0, sizeof(r));
	ctv_counters_free(&sn->good);
	sn->good = *c;
	c->c = NULL;
	c->n = 0;
	sn->have_good = (sn->now ? sn->now : store_reading_now)(&r, NULL) == 0;
	sn->good_wall_ms = r.wall_ms;
	sn->good_mono_ms = r.mono_ms;
	memcpy(sn->good_boot, r.boot_id, sizeof(sn->good_boot));
}

/* Records the last good reading (when it is newer than the store's last;
 * in spec order) and returns the start of the gap: its time, or -1 (the
 * store's last reading) when there is none. */
static int64_t record_good(struct snapshot *sn, const struct svcspec *spec)
{
	struct store_clock clk;
	struct store_reading r;
	struct store_result res;
	struct store_sample *smp;
	struct ctv_err e2 = { "" };
	int64_t from = -1;

	if (!sn->st || !sn->have_good || store_last_clock(sn->st, &clk, &e2) < 0)
		return -1;
	if (clk.valid && clk.wall_ms >= sn->good_wall_ms)
		return clk.timeline_ms;
	order(sn, &sn->good, spec);
	smp = calloc(sn->good.n + 1, sizeof(*smp));
	if (!smp)
		return -1;
	for (size_t i = 0; i < sn->good.n; i++) {
		smp[i].key = sn->good.c[i].name;
		smp[i].c.in_bytes = sn->good.c[i].in_bytes;
		smp[i].c.in_packets = sn->good.c[i].in_packets;
		smp[i].c.out_bytes = sn->good.c[i].out_bytes;
		smp[i].c.out_packets = sn->good.c[i].out_packets;
	}
	memset(&r, 0, sizeof(r));
	r.wall_ms = sn->good_wall_ms;
	r.mono_ms = sn->good_mono_ms;
	memcpy(r.boot_id, sn->good_boot, sizeof(r.boot_id));
	r.samples = smp;
	r.n_samples = sn->good.n;
	if (store_record(sn->st, &r, &res, &e2) == 0)
		from = sn->good_wall_ms;
	free(smp);
	return from;
}

static int below(const struct ctv_counter *x, const struct ctv_counter *g)
{
	return x->in_bytes < g->in_bytes || x->in_packets < g->in_packets ||
	       x->out_bytes < g->out_bytes || x->out_packets < g->out_packets;
}

/* 1 when a counter of c is below the last good reading's: rules replaced
 * (a whole legacy table restored, one family's chains gone). */
static int went_back(const struct snapshot *sn, const struct backend *b,
		     const struct ctv_counters *c)
{
	const struct ctv_counter *g0 = sn->good.c;
	const char **names;
	size_t n = sn->good.n, same = 0;
	int back = 0;

	/* Another backend's counters (rules install moved ours) start anew. */
	if (!sn->have_good || strcmp(sn->good_backend, b->name) || !n)
		return 0;
	/* The good reading is the last read, in the backend's order: while
	 * the names stay where they were, one linear pass. */
	while (same < c->n && same < n && !strcmp(c->c[same].name, g0[same].name)) {
		if (below(&c->c[same], &g0[same]))
			return 1;
		same++;
	}
	if (same == c->n)
		return 0;
	/* The rules changed: the good reading's names sorted, n log n. */
	names = ctv_names_sort(g0[0].name, sizeof(g0[0]), n);
	for (size_t i = same; i < c->n && !back; i++) {
		const struct ctv_counter *x = &c->c[i];

		for (size_t j = 0; j < n && !back; j++) {
			size_t k = names ? ctv_names_find(names, n, x->name) + j : j;
			const struct ctv_counter *g;

			if (k >= n)
				break;
			g = names ? &g0[(size_t)(names[k] - g0[0].name) / sizeof(g0[0])] : &g0[k];
			if (strcmp(g->name, x->name)) {
				if (names)
					break; /* past the equal names */
				continue;
			}
			back = below(x, g);
		}
	}
	free(names);
	return back;
}

int snapshot_guard(struct snapshot *sn, int repair, struct ctv_err *err)
{
	struct ctv_counters c = { NULL, 0 };
	const struct backend *b;
	const struct svcspec *spec;
	const char *why = NULL;
	int rc = 0;

	/* Every tick: a stat(), and a parse only when the file changed. */
	if (snapshot_saved_spec(sn, &spec, &b, err) < 0)
		return errno == ENOENT ? 0 : -1;
	if (b->read(&c, err) < 0) {
		if (errno != ENOENT)
			return -1;
		why = "gone";
	} else if (went_back(sn, b, &c)) {
		/* Some counters kept theirs, some restarted: only when all
		 * restart does the store count them right (its reset rule), so
		 * ours are removed before the reinstall. */
		why = "replaced";
	} else if (repair && b->check) {
		char *diff = NULL;
		struct ctv_err e2 = { "" };

		if (b->check(spec, &diff, &e2) == 1)
			why = "changed or flushed";
		free(diff);
	}
	if (why && !repair) {
		ctv_counters_free(&c);
		return 1;
	}
	if (why) {
		int64_t from = record_good(sn, spec);
		struct ctv_err e2 = { "" };

		ctv_counters_free(&c);
		if (!strcmp(why, "replaced") && b->remove(&e2) < 0)
			ctv_warn(&sn->warn, "warning: removing our replaced rules: %s", e2.msg);
		rc = reinstall(sn, b, spec, why, from, err);
		if (rc == 0 && b->read(&c, err) < 0)
			rc = -1;
		/* The counters restart: the next snapshot records the resets. */
		sn->have_last = 0;
	}
	if (rc == 0) {
		/* Kept in the backend's order: the next read compares by
		 * position (record_good() puts it in spec order). */
		keep_good(sn, b, &c);
		/* After a reinstall the store must see the counters restart
		 * (resets), whatever they reach by the next snapshot. */
		if (why)
			record_good(sn, spec);
	}
	ctv_counters_free(&c);
	return rc;
}

int snapshot_event(struct snapshot *sn, const struct nfnl_event *ev)
{
	int due;

	if (ev->kind != NFNL_GEN) {
		if (!ev->created && ev->family == NFTB_FAMILY && !strcmp(ev->table, NFTB_TABLE))
			sn->touched = 1;
		return 0;
	}
	/* Our own reinstall, or 'ctverify rules install|remove' (another
	 * ctverify), changed our rules on purpose. */
	due = sn->touched && ev->pid != (uint32_t)getpid() && strcmp(ev->proc, SNAPSHOT_PROG);
	sn->touched = 0;
	return due;
}

unsigned snapshot_guard_ms(uint64_t cpu_ns, size_t services)
{
	uint64_t ms = cpu_ns / SNAPSHOT_GUARD_PPM;

	if (services <= SNAPSHOT_GUARD_SMALL || ms < SNAPSHOT_GUARD_MS)
		return SNAPSHOT_GUARD_MS;
	return ms > SNAPSHOT_GUARD_MAX_MS ? SNAPSHOT_GUARD_MAX_MS : (unsigned)ms;
}

/* The watch's glue: sn, the event socket and the snapshot callback. */
struct guard {
	struct snapshot *sn;
	struct nfnl ev;
	collect_snap_fn snap;
	char last_warn[CTV_ERR_MAX];
	uint64_t cpu_ns; /* one guard tick's CPU time, smoothed; 0: none yet */
};

static uint64_t cpu_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Warns of a guard's failure once, not every tick while it lasts. */
static void guard_warn(struct guard *g, int rc, const struct ctv_err *err)
{
	if (rc >= 0) {
		g->last_warn[0] = '\0';
		return;
	}
	if (!strcmp(g->last_warn, err->msg))
		return;
	snprintf(g->last_warn, sizeof(g->last_warn), "%s", err->msg);
	ctv_warn(&g->sn->warn, "warning: %s", err->msg);
}

struct event_read {
	struct snapshot *sn;
	int due;
};

static int on_event(const struct nfnl_event *ev, void *arg)
{
	struct event_read *er = arg;

	er->due |= snapshot_event(er->sn, ev);
	return 0;
}

static int guard_ready(void *arg, int i)
{
	struct guard *g = arg;
	struct event_read er = { g->sn, 0 };
	struct ctv_err err = { "" };

	(void)i;
	/* Lost events (ENOBUFS): what is installed must be looked at. */
	if (nfnl_events_read(&g->ev, on_event, &er, &err) < 0) {
		if (errno == ENOBUFS)
			return 1;
		ctv_warn(&g->sn->warn, "warning: %s (reloads are noticed within a second)", err.msg);
		return -1;
	}
	return er.due;
}

/* Every snapshot_guard_ms(): our rules gone asks for the repair, after the
 * debounce, so 'rules remove' (rules first, then the saved spec) is done
 * before the repair reads the saved spec again. */
static int guard_tick(void *arg)
{
	struct guard *g = arg;
	struct ctv_err err = { "" };
	uint64_t t0 = cpu_now_ns();
	int rc = snapshot_guard(g->sn, 0, &err);
	uint64_t used = cpu_now_ns() - t0;

	/* Smoothed over about four ticks: one slow read (a page fault, a
	 * busy neighbour) moves the cadence a little, a larger spec fully. */
	g->cpu_ns = g->cpu_ns ? (3 * g->cpu_ns + used) / 4 : used;
	guard_warn(g, rc, &err);
	return rc == 1;
}

/* The wait to the next tick: the guard's CPU within its budget. */
static unsigned guard_next(void *arg)
{
	const struct guard *g = arg;

	return snapshot_guard_ms(g->cpu_ns, g->sn->saved.valid ? g->sn->saved.spec.n : 0);
}

static void guard_repair(void *arg)
{
	struct guard *g = arg;
	struct ctv_err err = { "" };

	guard_warn(g, snapshot_guard(g->sn, 1, &err), &err);
}

static int guard_snap(void *arg)
{
	struct guard *g = arg;
	int rc = g->snap(g->sn);
	struct ctv_err err = { "" };

	/* The snapshot's reading is the newest good one. */
	if (rc == 0)
		guard_warn(g, snapshot_guard(g->sn, 0, &err), &err);
	return rc;
}

int snapshot_collect(struct snapshot *sn, unsigned long interval, collect_snap_fn snap)
{
	struct guard g;
	struct collect_watch w = { { -1, -1 }, guard_ready, guard_tick, SNAPSHOT_GUARD_MS, guard_repair, 20,
				   &g, guard_next };
	struct ctv_err err = { "" };
	int rc;

	memset(&g, 0, sizeof(g));
	g.sn = sn;
	g.snap = snap;
	if (nfnl_events_open(&g.ev, &err) < 0)
		ctv_warn(&sn->warn, "warning: %s (nftables reloads are noticed within a second)", err.msg);
	else
		w.fd[0] = nfnl_fd(&g.ev);
	rc = collect_watch(interval, guard_snap, &w, &g);
	nfnl_close(&g.ev);
	snapshot_free(sn);
	return rc;
}
