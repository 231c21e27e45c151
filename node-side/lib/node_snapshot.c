/* node_snapshot.c - ctnode's snapshot (node_snapshot.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>

#include "classes.h"
#include "collect.h"
#include "linefile.h"
#include "node_snapshot.h"
#include "rtnl.h"

#define DB_NAME "ctnode.db"

const char *node_snapshot_statedir(void)
{
	const char *d = getenv("CTNODE_STATEDIR");

	return d && *d ? d : LOCALSTATEDIR "/lib/ctnode";
}

const char *node_snapshot_confdir(void)
{
	const char *d = getenv("CTNODE_CONFDIR");

	return d && *d ? d : SYSCONFDIR "/ctverify";
}

const char *node_snapshot_classes_file(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/networks_classes", node_snapshot_confdir());
	return path;
}

const char *node_snapshot_default_db(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", node_snapshot_statedir(), DB_NAME);
	return path;
}

struct store *node_snapshot_open_store(const char *db, struct ctv_err *err)
{
	if (!strcmp(db, node_snapshot_default_db()))
		mkdir(node_snapshot_statedir(), 0755);
	return store_open(db, STORE_WRITE, err);
}

size_t node_snapshot_samples(const struct node_counters *nc, struct store_sample *smp)
{
	size_t n = 0;

	/* Rows come sorted by ct, class, family: families are adjacent. */
	for (size_t i = 0; i < nc->n; i++) {
		const struct node_counter *v = &nc->v[i];

		if (!n || strcmp(smp[n - 1].key, v->ct) || smp[n - 1].sub != v->cls) {
			memset(&smp[n], 0, sizeof(smp[n]));
			smp[n].key = v->ct;
			smp[n].sub = v->cls;
			n++;
		}
		smp[n - 1].c.in_bytes += v->in_bytes;
		smp[n - 1].c.in_packets += v->in_packets;
		smp[n - 1].c.out_bytes += v->out_bytes;
		smp[n - 1].c.out_packets += v->out_packets;
	}
	return n;
}

/* One reading's buffers, between collect_record()'s read and done. */
struct reading {
	struct node_snapshot *ns;
	struct node_counters nc;
	struct store_sample *smp;
};

static void reading_done(void *arg)
{
	struct reading *rd = arg;

	free(rd->smp);
	rd->smp = NULL;
	node_counters_free(&rd->nc);
}

static int reading_read(void *arg, struct store_reading *r, struct ctv_err *err)
{
	struct reading *rd = arg;
	struct node_snapshot *ns = rd->ns;

	if ((ns->read ? ns->read : node_nft_read)(&rd->nc, err) < 0) {
		if (errno == ENOENT && !ns->gone) {
			struct ctv_err e2;

			ns->gone = 1;
			store_gap_add(ns->st, "the ctnode table is not installed (ctnode setup); "
				      "nothing is counted until it is", &e2);
			errno = ENOENT;
		}
		return -1;
	}
	ns->gone = 0;
	rd->smp = calloc(rd->nc.n + 1, sizeof(*rd->smp));
	if (!rd->smp) {
		reading_done(rd);
		ctv_err_set(err, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	r->samples = rd->smp;
	r->n_samples = node_snapshot_samples(&rd->nc, rd->smp);
	return 0;
}

int node_snapshot_take(struct node_snapshot *ns, struct store_result *res, struct ctv_err *err)
{
	struct reading rd = { ns, { NULL, 0, NULL, 0 }, NULL };
	struct collect_reader reader = { reading_read, reading_done, ns->now, &rd };

	return collect_record(ns->st, &reader, res, err);
}

/* ---- collect's guard -------------------------------------------------------- */

void node_snapshot_free(struct node_snapshot *ns)
{
	free(ns->down);
	ns->down = NULL;
	ns->n_down = 0;
}

static int64_t wall_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int node_snapshot_event(struct node_snapshot *ns, const struct nfnl_event *ev)
{
	int due;

	if (ev->kind != NFNL_GEN) {
		if (!ev->created && ev->family == NFPROTO_NETDEV && !strcmp(ev->table, NODE_NFT_TABLE))
			ns->touched = 1;
		return 0;
	}
	/* Our own repair, or 'ctnode setup|teardown': on purpose. */
	due = ns->touched && ev->pid != (uint32_t)getpid() && strcmp(ev->proc, NODE_SNAPSHOT_PROG);
	ns->touched = 0;
	return due;
}

static struct node_down *find_down(struct node_snapshot *ns, const char *ifname)
{
	for (size_t i = 0; i < ns->n_down; i++)
		if (!strcmp(ns->down[i].ifname, ifname))
			return &ns->down[i];
	return NULL;
}

/* Notes container ct's device ifname as gone since since_ms. */
static void add_down(struct node_snapshot *ns, const char *ct, const char *ifname, int64_t since_ms)
{
	struct node_down *d = realloc(ns->down, (ns->n_down + 1) * sizeof(*d));

	if (!d)
		return;
	ns->down = d;
	d = &ns->down[ns->n_down++];
	memset(d, 0, sizeof(*d));
	snprintf(d->ct, sizeof(d->ct), "%s", ct);
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	d->since_ms = since_ms;
}

int node_snapshot_link(struct node_snapshot *ns, const struct containers *cts, int created,
		       const char *ifname, int64_t now_ms)
{
	const struct containers_ct *ct = NULL;

	for (size_t i = 0; i < cts->n && !ct; i++)
		if (cts->v[i].ifname[0] && !strcmp(cts->v[i].ifname, ifname))
			ct = &cts->v[i];
	if (!ct)
		return 0;
	if (created)
		return find_down(ns, ifname) != NULL;
	if (!find_down(ns, ifname))
		add_down(ns, ct->id, ifname, now_ms);
	return 0;
}

/* The copy of one file setup installed, in the state directory. */
static void saved_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s/setup.%s", node_snapshot_statedir(), what);
}

/* Copies src to the state directory's setup.WHAT (a temporary file, then
 * rename: a repair never reads half a copy). */
static int save_copy(const char *src, const char *what, struct ctv_err *err)
{
	char dst[4096], tmp[4200];
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ok;

	if (linefile_read(src, &text, &len, err) < 0)
		return -1;
	saved_path(dst, sizeof(dst), what);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	f = fopen(tmp, "we");
	ok = f && fwrite(text, 1, len, f) == len;
	ok = f && fclose(f) == 0 && ok;
	free(text);
	if (!ok || rename(tmp, dst) < 0) {
		ctv_err_sys(err, errno, "saving %s for collect's repairs", dst);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int node_snapshot_save_setup(const char *classes_file, const char *cts_file, struct ctv_err *err)
{
	if (linefile_mkdirs(node_snapshot_statedir(), err) < 0)
		return -1;
	if (save_copy(classes_file, "networks_classes", err) < 0 ||
	    save_copy(cts_file, "containers", err) < 0)
		return -1;
	return 0;
}

/* The files of the last setup: the copies it saved, else the defaults. */
static void setup_files(char *cpath, char *tpath, size_t len)
{
	saved_path(cpath, len, "networks_classes");
	saved_path(tpath, len, "containers");
	if (access(cpath, R_OK) == 0 && access(tpath, R_OK) == 0)
		return;
	snprintf(cpath, len, "%s/networks_classes", node_snapshot_confdir());
	snprintf(tpath, len, "%s/containers", node_snapshot_confdir());
}

/* What the last ctnode setup installed, installed again. */
static int setup_again(struct ctv_err *err)
{
	char cpath[4096], tpath[4096];
	struct classes cls;
	struct containers cts;
	struct node_plan *plan;
	int rc;

	setup_files(cpath, tpath, sizeof(cpath));
	if (classes_load(cpath, &cls, err) < 0)
		return -1;
	if (containers_load(tpath, &cts, err) < 0) {
		classes_free(&cls);
		return -1;
	}
	plan = node_plan_build(&cls, &cts, err);
	rc = plan ? node_nft_setup(plan, err) : -1;
	node_plan_free(plan);
	containers_free(&cts);
	classes_free(&cls);
	return rc;
}

/* Records the gap of every container whose device is back, and forgets
 * them. */
static size_t devices_back(struct node_snapshot *ns, int64_t now)
{
	size_t k = 0, n = 0;

	for (size_t i = 0; i < ns->n_down; i++) {
		struct node_down *d = &ns->down[i];
		char detail[STORE_DETAIL_MAX];
		struct ctv_err e2;

		if (!if_nametoindex(d->ifname)) {
			ns->down[k++] = *d;
			continue;
		}
		snprintf(detail, sizeof(detail), "container %s: device %s was gone (restart) and was "
			 "hooked again; traffic in between was not counted", d->ct, d->ifname);
		store_event_add(ns->st, "gap", d->ct, 0, d->since_ms, now, detail, &e2);
		ctv_warn(&ns->warn, "container %s: device %s is back; hooked it again", d->ct, d->ifname);
		n++;
	}
	ns->n_down = k;
	return n;
}

static int any_back(const struct node_snapshot *ns)
{
	for (size_t i = 0; i < ns->n_down; i++)
		if (if_nametoindex(ns->down[i].ifname))
			return 1;
	return 0;
}

int node_snapshot_repair(struct node_snapshot *ns, int force, struct ctv_err *err)
{
	struct node_counters nc = { 0 };
	struct store_result res;
	struct ctv_err e2;
	int gone;

	gone = (ns->read ? ns->read : node_nft_read)(&nc, err) < 0;
	node_counters_free(&nc);
	if (gone && errno != ENOENT)
		return -1;
	/* No table and no one else deleted it (teardown, or never set up):
	 * nothing to hook a returning device into. */
	if (gone && !force) {
		ns->n_down = 0;
		return 0;
	}
	if (!gone && !force && !any_back(ns))
		return 0;
	if ((ns->setup ? ns->setup : setup_again)(err) < 0) {
		ctv_err_prefix(err, "cannot put the ctnode table back");
		return -1;
	}
	if (gone) {
		if (!ns->gone)
			store_gap_add(ns->st, "the ctnode table was deleted and was installed again as the "
				      "last setup did; traffic since the last reading was not counted", &e2);
		ctv_warn(&ns->warn, "the ctnode table was deleted; installed what the last setup did again");
		ns->gone = 0;
	} else if (force) {
		ctv_warn(&ns->warn, "part of the ctnode table was deleted; installed what the last setup did again");
	}
	devices_back(ns, wall_now_ms());
	/* The store sees the counters that restarted (resets) now, whatever
	 * they reach by the next snapshot. */
	if (node_snapshot_take(ns, &res, &e2) < 0)
		ctv_warn(&ns->warn, "warning: %s", e2.msg);
	return 0;
}

/* A device made again while no collector ran (a container restarted in
 * between) is not hooked on a kernel that hooks devices by index, and one
 * missing now comes back unhooked: such containers are taken as gone
 * since the store's last reading (now when there is none), so a repair
 * hooks them when their device is there (at once, or on its link event)
 * and records the gap. */
static void unhooked_at_start(struct node_snapshot *ns)
{
	struct node_counters nc = { 0 };
	struct store_clock clk = { 0 };
	struct ctv_err err = { "" };
	int64_t since = wall_now_ms();

	if (node_nft_read_hooks(&nc, NULL, &err) < 0)
		return; /* no table: nothing to hook into */
	if (store_last_clock(ns->st, &clk, &err) == 0 && clk.valid && clk.wall_ms < since)
		since = clk.wall_ms;
	for (size_t i = 0; i < nc.nhooks; i++) {
		const struct node_hook *h = &nc.hooks[i];

		if (!h->hooked && !find_down(ns, h->dev))
			add_down(ns, h->ct, h->dev, since);
	}
	node_counters_free(&nc);
}

/* The watch's glue. */
struct guard {
	struct node_snapshot *ns;
	struct nfnl ev;
	struct mnl_socket *links;
	int force;
};

static int on_event(const struct nfnl_event *ev, void *arg)
{
	struct guard *g = arg;

	g->force |= node_snapshot_event(g->ns, ev);
	return 0;
}

struct link_read {
	struct guard *g;
	struct containers cts;
	int due;
};

static void on_link(const struct rtnl_link_event *ev, void *arg)
{
	struct link_read *lr = arg;

	lr->due |= node_snapshot_link(lr->g->ns, &lr->cts, ev->created, ev->ifname, wall_now_ms());
}

static void ignore_link(const struct rtnl_link_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

/* An event socket that fails other than by losing events: warned, no
 * longer polled. */
static int broken(struct guard *g, const struct ctv_err *err)
{
	ctv_warn(&g->ns->warn, "warning: %s (no longer followed)", err->msg);
	return -1;
}

static int guard_ready(void *arg, int i)
{
	struct guard *g = arg;
	struct ctv_err err = { "" };
	char cpath[4096], path[4096];
	struct link_read lr = { g, { NULL, 0 }, 0 };

	if (i == 0) {
		int was = g->force;

		if (nfnl_events_read(&g->ev, on_event, g, &err) < 0) {
			if (errno != ENOBUFS)
				return broken(g, &err);
			g->force = 1;
		}
		return g->force && !was;
	}
	setup_files(cpath, path, sizeof(path));
	if (containers_load(path, &lr.cts, &err) < 0) {
		rtnl_links_read(g->links, ignore_link, NULL, &err);
		return 0;
	}
	if (rtnl_links_read(g->links, on_link, &lr, &err) < 0) {
		if (errno != ENOBUFS) {
			containers_free(&lr.cts);
			return broken(g, &err);
		}
		lr.due = g->force = 1; /* lost link events: hook whatever is there */
	}
	containers_free(&lr.cts);
	return lr.due;
}

static void guard_repair(void *arg)
{
	struct guard *g = arg;
	struct ctv_err err = { "" };

	if (node_snapshot_repair(g->ns, g->force, &err) < 0)
		ctv_warn(&g->ns->warn, "warning: %s", err.msg);
	g->force = 0;
}

int node_snapshot_collect(struct node_snapshot *ns, unsigned long interval, collect_snap_fn snap,
			  void *arg)
{
	struct guard g;
	struct collect_watch w = { { -1, -1 }, guard_ready, NULL, 0, guard_repair, 20, &g, NULL };
	struct ctv_err err = { "" };
	int rc;

	memset(&g, 0, sizeof(g));
	g.ns = ns;
	if (nfnl_events_open(&g.ev, &err) < 0)
		ctv_warn(&ns->warn, "warning: %s (a deleted table is noticed at the next snapshot)", err.msg);
	else
		w.fd[0] = nfnl_fd(&g.ev);
	g.links = rtnl_links_open(&err);
	if (!g.links)
		ctv_warn(&ns->warn, "warning: %s (restarted containers are not hooked again)", err.msg);
	else
		w.fd[1] = mnl_socket_get_fd(g.links);
	unhooked_at_start(ns);
	if (any_back(ns) && node_snapshot_repair(ns, 0, &err) < 0)
		ctv_warn(&ns->warn, "warning: %s", err.msg);
	rc = collect_watch(interval, snap, &w, arg);
	nfnl_close(&g.ev);
	if (g.links)
		mnl_socket_close(g.links);
	node_snapshot_free(ns);
	return rc;
}
