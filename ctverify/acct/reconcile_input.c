/* reconcile_input.c - the container's side of a reconcile
 * (reconcile_input.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile_align.h"
#include "reconcile_input.h"

void reconcile_gathered_free(struct reconcile_gathered *g)
{
	free(g->spans);
	free(g->buckets);
	free(g->gaps);
	memset(g, 0, sizeof(*g));
}

/* ---- reading the store ---------------------------------------------------- */

/* Whether the node billed more than the tolerance outside the aligned
 * window (then the whole statement is compared, its edges bounded). */
static int outside_matters(const struct reconcile_input *in, const struct reconcile_window *w)
{
	uint64_t oi, oo;
	long double ti = (long double)in->node->totals.in_bytes * in->tol_ppm / 1e6L;
	long double to = (long double)in->node->totals.out_bytes * in->tol_ppm / 1e6L;

	if (!reconcile_align_outside(in->node, w, &oi, &oo))
		return 0;
	return (oi > in->tol_bytes && (long double)oi > ti) ||
	       (oo > in->tol_bytes && (long double)oo > to);
}

/* The sums of the chosen spans overlapping [f, t) from the store: spans
 * and the store's intervals are in the same order, matched by their ends. */
static int fill_sums(struct store *st, struct reconcile_input *in, struct reconcile_span *sp,
		     int64_t f, int64_t t, struct ctv_err *err)
{
	struct store_intervals iv = { NULL, 0 };
	size_t j = in->span_lo;

	if (t <= f)
		return 0;
	if (store_intervals(st, f, t, NULL, -1, &iv, err) < 0)
		return -1;
	for (size_t i = 0; i < iv.n; i++) {
		size_t k = j;

		while (k < in->span_hi && (sp[k].start_ms != iv.v[i].start_ms ||
					   sp[k].end_ms != iv.v[i].end_ms))
			k++;
		if (k == in->span_hi)
			continue;
		sp[k].in_bytes = iv.v[i].c.in_bytes;
		sp[k].out_bytes = iv.v[i].c.out_bytes;
		j = k + 1;
	}
	store_intervals_free(&iv);
	return 0;
}

/* reconcile_run() reads the chosen spans' bytes only where they reach
 * past the node's figure [a_from, a_to] (the window_skew edges): only
 * those are read from minute rows; the buckets carry the sums. */
static int edge_sums(struct store *st, struct reconcile_input *in, struct reconcile_gathered *g,
		     int64_t a_from, int64_t a_to, struct ctv_err *err)
{
	int64_t cf = g->spans[in->span_lo].start_ms, ct = g->spans[in->span_hi - 1].end_ms;

	if (fill_sums(st, in, g->spans, cf, a_from, err) < 0)
		return -1;
	return fill_sums(st, in, g->spans, a_to > cf ? a_to : cf, ct, err);
}

/* The container's intervals around the node's window, and the chosen ones. */
static int gather_spans(struct store *st, struct reconcile_input *in, int64_t nf_ms,
			int64_t nt_ms, struct reconcile_gathered *g, struct ctv_err *err)
{
	struct store_intervals all = { NULL, 0 };
	struct reconcile_window w;
	int64_t wf, wt;

	/* A second before and two after, in whole seconds. */
	if (store_interval_times(st, (nf_ms / 1000 - 1) * 1000, (nt_ms / 1000 + 2) * 1000, NULL,
				 -1, &all, err) < 0)
		return -1;
	g->spans = calloc(all.n + 1, sizeof(*g->spans));
	if (!g->spans) {
		store_intervals_free(&all);
		ctv_err_sys(err, ENOMEM, "reconcile");
		return -1;
	}
	for (size_t i = 0; i < all.n; i++) {
		g->spans[i].start_ms = all.v[i].start_ms;
		g->spans[i].end_ms = all.v[i].end_ms;
		g->spans[i].in_bytes = all.v[i].c.in_bytes;
		g->spans[i].out_bytes = all.v[i].c.out_bytes;
	}
	g->nspans = all.n;
	store_intervals_free(&all);
	in->spans = g->spans;
	in->nspans = g->nspans;
	/* Whole intervals on both sides, edge to edge, when they match;
	 * else the container's intervals at least half inside the node's. */
	if (in->node)
		reconcile_window_ms(in->node, in->from, in->to, &wf, &wt);
	if (in->node && reconcile_align(in->node, wf, wt, g->spans, g->nspans, &w) &&
	    !outside_matters(in, &w)) {
		in->aligned = 1;
		in->node_lo = w.node_lo;
		in->node_hi = w.node_hi;
		in->span_lo = w.span_lo;
		in->span_hi = w.span_hi;
		return edge_sums(st, in, g, w.node_from_ms, w.node_to_ms, err);
	}
	reconcile_choose(g->spans, g->nspans, nf_ms, nt_ms, &in->span_lo, &in->span_hi);
	if (in->span_lo == in->span_hi) {
		ctv_err_set(err, "the store has no interval matching the node's window "
				 "(is 'ctverify collect' running, and is this the right --db?)");
		return -1;
	}
	return edge_sums(st, in, g, nf_ms, nt_ms, err);
}

/* One class series' row ("class:N", the mirror of the node's classes). */
static void add_class(struct reconcile_input *in, const struct store_row *r)
{
	int cls = store_series_is_class(r->key);

	if (cls < 0 || cls >= STATEMENT_CLASSES)
		return;
	in->class_seen |= 1u << cls;
	in->class_c[cls].in_bytes += r->c.in_bytes;
	in->class_c[cls].in_packets += r->c.in_packets;
	in->class_c[cls].out_bytes += r->c.out_bytes;
	in->class_c[cls].out_packets += r->c.out_packets;
}

/* The buckets: each key's sums over exactly [cf, ct], and the class
 * series' (one pass over the store). */
static int gather_buckets(struct store *st, struct reconcile_input *in, int64_t cf, int64_t ct,
			  struct reconcile_gathered *g, struct ctv_err *err)
{
	struct store_rows rows = { NULL, 0 };

	if (store_all_key_sums(st, cf, ct, &rows, err) < 0)
		return -1;
	g->buckets = calloc(rows.n + 1, sizeof(*g->buckets));
	if (!g->buckets) {
		store_rows_free(&rows);
		ctv_err_sys(err, ENOMEM, "reconcile");
		return -1;
	}
	for (size_t r = 0; r < rows.n; r++) {
		struct reconcile_bucket *b;

		if (!strncmp(rows.v[r].key, STORE_CLASS_PREFIX, sizeof(STORE_CLASS_PREFIX) - 1)) {
			add_class(in, &rows.v[r]);
			continue;
		}
		b = &g->buckets[g->nbuckets++];
		snprintf(b->name, sizeof(b->name), "%s", rows.v[r].key);
		b->c.in_bytes = rows.v[r].c.in_bytes;
		b->c.in_packets = rows.v[r].c.in_packets;
		b->c.out_bytes = rows.v[r].c.out_bytes;
		b->c.out_packets = rows.v[r].c.out_packets;
	}
	store_rows_free(&rows);
	in->buckets = g->buckets;
	in->nbuckets = g->nbuckets;
	return 0;
}

/* Unobserved windows: events recorded up to one hour after. */
static int gather_gaps(struct store *st, struct reconcile_input *in, int64_t cf, int64_t ct,
		       struct reconcile_gathered *g, struct ctv_err *err)
{
	struct store_events ev = { NULL, 0 };

	if (store_events(st, (cf / 1000 - 1) * 1000, (ct / 1000 + 3600) * 1000, NULL, &ev, err) < 0)
		return -1;
	g->gaps = calloc(ev.n + 1, sizeof(*g->gaps));
	if (!g->gaps) {
		store_events_free(&ev);
		ctv_err_sys(err, ENOMEM, "reconcile");
		return -1;
	}
	for (size_t i = 0; i < ev.n; i++) {
		struct reconcile_gap *x = &g->gaps[g->ngaps];

		if (strcmp(ev.v[i].kind, "reset") && strcmp(ev.v[i].kind, "gap") &&
		    strcmp(ev.v[i].kind, "reboot"))
			continue;
		x->from_ms = ev.v[i].from_ms;
		x->to_ms = ev.v[i].to_ms;
		snprintf(x->kind, sizeof(x->kind), "%s", ev.v[i].kind);
		snprintf(x->key, sizeof(x->key), "%s", ev.v[i].key);
		g->ngaps++;
	}
	store_events_free(&ev);
	in->gaps = g->gaps;
	in->ngaps = g->ngaps;
	return 0;
}

/* One interface figure "if.<name>.<what>". */
static void add_iface_figure(struct reconcile_input *in, const struct store_scalar_sum *v)
{
	const char *name = v->name, *dot;
	size_t l = strlen(name), used;

	if (strncmp(name, "if.", 3) != 0 || !(dot = strrchr(name, '.')) || dot == name + 2)
		return;
	if (!strcmp(dot, ".mtu")) {
		if (v->value > in->mtu)
			in->mtu = (unsigned)v->value;
		return;
	}
	if (strcmp(dot, ".rx_dropped") && strcmp(dot, ".tx_dropped"))
		return;
	in->has_drops = 1;
	if (!strcmp(dot, ".rx_dropped"))
		in->rx_dropped += v->value;
	else
		in->tx_dropped += v->value;
	if (v->value && l < 64) {
		char ifn[64];

		snprintf(ifn, sizeof(ifn), "%.*s", (int)(dot - name - 3), name + 3);
		if (!strstr(in->drop_ifaces, ifn)) {
			used = strlen(in->drop_ifaces);
			snprintf(in->drop_ifaces + used, sizeof(in->drop_ifaces) - used, "%s%s",
				 used ? "," : "", ifn);
		}
	}
}

/* Failed sends and interface drops over exactly the chosen intervals. */
static int gather_figures(struct store *st, struct reconcile_input *in, int64_t cf, int64_t ct,
			  struct ctv_err *err)
{
	struct store_scalar_sums sc = { NULL, 0 };

	if (store_scalars_between(st, cf, ct, &sc, err) < 0)
		return -1;
	for (size_t i = 0; i < sc.n; i++) {
		const char *name = sc.v[i].name;

		if (!strcmp(name, "Udp.SndbufErrors") || !strcmp(name, "Icmp.OutErrors")) {
			in->has_snmp = 1;
			if (name[0] == 'U')
				in->udp_sndbuf_errors += sc.v[i].value;
			else
				in->icmp_out_errors += sc.v[i].value;
			continue;
		}
		add_iface_figure(in, &sc.v[i]);
	}
	store_scalar_sums_free(&sc);
	if (!in->mtu)
		in->mtu = 65535; /* unknown: the largest IP packet bounds it */
	return 0;
}

int reconcile_input_gather(struct store *st, struct reconcile_input *in, int64_t nf_ms,
			   int64_t nt_ms, struct reconcile_gathered *g, struct ctv_err *err)
{
	int64_t cf, ct;

	memset(g, 0, sizeof(*g));
	if (gather_spans(st, in, nf_ms, nt_ms, g, err) < 0)
		return -1;
	cf = g->spans[in->span_lo].start_ms;
	ct = g->spans[in->span_hi - 1].end_ms;
	if (gather_buckets(st, in, cf, ct, g, err) < 0 || gather_gaps(st, in, cf, ct, g, err) < 0 ||
	    gather_figures(st, in, cf, ct, err) < 0)
		return -1;
	return 0;
}

/* ---- what the installed rules say about each bucket ---------------------- */

static void cidr_text(const struct svc_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->family, c->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->prefix);
}

static int port_in(const struct svc *s, unsigned port)
{
	for (size_t i = 0; i < s->n_lports; i++)
		if (s->lports[i].first <= port && port <= s->lports[i].last)
			return 1;
	return 0;
}

static int in_class0(const struct svc_cidr *c, const struct classes *cls)
{
	for (size_t k = 0; cls && k < cls->n; k++) {
		const struct classes_net *net = &cls->nets[k];

		if (net->cls == 0 && reconcile_cidr_within(c->family, c->addr, c->prefix,
							   net->family, net->addr, net->prefix))
			return 1;
	}
	return 0;
}

static int in_neighbors(const struct svc_cidr *c, const struct reconcile_knowledge *k)
{
	for (size_t i = 0; i < k->nneighbors; i++)
		if (reconcile_cidr_within(c->family, c->addr, c->prefix, k->neighbors[i].family,
					  k->neighbors[i].addr, k->neighbors[i].prefix))
			return 1;
	return 0;
}

static void flag_bucket(struct reconcile_bucket *b, const struct reconcile_knowledge *k)
{
	const struct svc *s = NULL;
	size_t in0 = 0, inn = 0;
	char peers[96] = "";

	if (!strcmp(b->name, "local")) {
		b->flags = RECONCILE_LOCAL;
		snprintf(b->why, sizeof(b->why), "loopback");
		return;
	}
	for (size_t i = 0; k->spec && i < k->spec->n; i++)
		if (!strcmp(k->spec->svcs[i].name, b->name))
			s = &k->spec->svcs[i];
	if (!s)
		return;
	if (svcspec_is_owner(s))
		b->flags |= RECONCILE_OWNER;
	if (!s->n_peers && !svcspec_is_owner(s) && (port_in(s, 80) || port_in(s, 443)))
		b->flags |= RECONCILE_WEB;
	for (size_t p = 0; p < s->n_peers; p++) {
		const struct svc_cidr *c = &s->peers[p];
		size_t used = strlen(peers);

		in0 += (size_t)in_class0(c, k->cls);
		inn += (size_t)in_neighbors(c, k);
		if (used < sizeof(peers) - 1)
			cidr_text(c, peers + used + (used ? 1 : 0), sizeof(peers) - used - (used ? 1 : 0));
		if (used && used < sizeof(peers) - 1)
			peers[used] = ',';
	}
	if (s->n_peers && in0 == s->n_peers) {
		b->flags |= RECONCILE_CLASS0;
		snprintf(b->why, sizeof(b->why), "peer=%s, class 0 in %s", peers, k->classes_path);
	} else if (s->n_peers && inn == s->n_peers) {
		b->flags |= RECONCILE_NEIGHBOR;
		snprintf(b->why, sizeof(b->why), "peer=%s, neighbours %s", peers, k->neighbors_text);
	} else if (b->flags & RECONCILE_OWNER) {
		char rule[RECONCILE_WHY_MAX - 16];

		svcspec_format_svc(s, rule, sizeof(rule));
		snprintf(b->why, sizeof(b->why), "rule '%s'", rule);
	}
}

void reconcile_input_flag(struct reconcile_bucket *buckets, size_t n,
			  const struct reconcile_knowledge *k)
{
	for (size_t i = 0; i < n; i++)
		flag_bucket(&buckets[i], k);
}

/* ---- web logs --------------------------------------------------------------- */

int reconcile_input_weblogs(struct reconcile_input *in, const char *const *files, size_t n,
			    struct weblog_sum *wl, struct ctv_err *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(in->weblog_files);

		if (weblog_read_file(files[i], in->from, in->to, wl, err) < 0)
			return -1;
		snprintf(in->weblog_files + used, sizeof(in->weblog_files) - used, "%s%s",
			 used ? ", " : "", files[i]);
	}
	in->has_weblog = n > 0;
	in->weblog_bytes = wl->bytes;
	in->weblog_requests = wl->requests;
	return 0;
}
