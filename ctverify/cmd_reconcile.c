/* cmd_reconcile.c - "ctverify reconcile": gathers the node's statement,
 * the store's figures over the matching intervals, the installed rules and
 * the optional Plesk, web-log and router figures, and prints what the core
 * (reconcile.c) makes of them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cidr.h"
#include "classes.h"
#include "cli.h"
#include "commands.h"
#include "reconcile.h"
#include "render.h"
#include "rulestate.h"
#include "statement.h"
#include "store.h"
#include "svcspec.h"
#include "weblog.h"

#define MAX_WEBLOGS 64
#define MAX_NEIGHBORS 64
#define DEFAULT_TOL_BYTES 8192
#define DEFAULT_TOL_PPM 1000 /* 0.1 % */

enum fmt { FMT_TABLE, FMT_JSON };

struct opts {
	const char *db, *node, *classes;
	const char *weblogs[MAX_WEBLOGS];
	size_t nweblogs;
	struct svc_cidr neighbors[MAX_NEIGHBORS];
	size_t nneighbors;
	char neighbors_text[RECONCILE_WHY_MAX];
	int have_from, have_to;
	time_t from, to;
	int has_plesk, has_router;
	uint64_t plesk, router_in, router_out;
	enum reconcile_l2 l2;
	uint64_t tol_bytes;
	unsigned tol_ppm;
	enum fmt fmt;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify reconcile [--db PATH] --node STATEMENT [--from T --to T]\n"
		"                          [--weblog FILE]... [--plesk BYTES] [--router IN:OUT]\n"
		"                          [--classes FILE] [--neighbors CIDR,...]\n"
		"                          [--tolerance BYTES|PERCENT%%] [--format table|json]\n\n"
		"Compares the node's figure for this container (a statement from 'ctnode\n"
		"export', 'ctnode pva export' or 'ctnode import vznetstat') with the\n"
		"container's own history over the same window, and explains the\n"
		"difference as named causes, each with bytes per direction and the\n"
		"evidence used: loopback, class_excluded, window_skew, counter_reset,\n"
		"pre_container_drop, container_qdisc_drop; with --router also l2_overhead\n"
		"and neighbor; with --weblog/--plesk weblog_unlogged. Bounds are marked\n"
		"'up to' and explain only what is left in their direction. What remains\n"
		"is unexplained; the verdict is consistent (within the tolerance),\n"
		"node_higher or container_higher. Exit 0 consistent, 1 not, 2 bad input.\n\n"
		"  --db PATH          the store (default $CTVERIFY_STATEDIR/ctverify.db)\n"
		"  --node FILE        the node's statement (JSON; - for standard input)\n"
		"  --from T, --to T   the window (default: the statement's)\n"
		"  --weblog FILE      an access log in Common/Combined Log Format (repeatable);\n"
		"                     response sizes in the window are summed\n"
		"  --plesk BYTES      the control panel's traffic figure for the window\n"
		"  --router IN:OUT    the router's bytes towards / from the container; append\n"
		"                     :wire if it counts on the wire (FCS, preamble, gap),\n"
		"                     :l3 if it counts IP bytes (default: frames, +14 B/packet)\n"
		"  --classes FILE     the node's networks_classes: services whose peers are all\n"
		"                     in class-0 networks are not accounted by the node\n"
		"  --neighbors CIDRS  addresses of containers on the same node\n"
		"  --tolerance X      consistent within X bytes or X%% of the figure per\n"
		"                     direction (default: 8192 bytes or 0.1%%, the larger)\n"
		"  --format F         table (default) or json\n"
		"  -h, --help         show this help\n");
}

/* "198.18.10.0/24" or "2001:db8::/32"; a plain address is a host; host
 * bits are kept as written (containment ignores them). */
static int parse_cidr(const char *s, struct svc_cidr *c)
{
	struct cidr net;

	if (cidr_parse(s, strlen(s), CIDR_TEXT_LIMIT, &net, NULL) < 0)
		return -1;
	c->family = net.family;
	c->prefix = net.prefix;
	memcpy(c->addr, net.addr, sizeof(c->addr));
	return 0;
}

static int parse_neighbors(const char *cmd, const char *arg, struct opts *o)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t used = strlen(o->neighbors_text);

	if (!copy)
		return cli_usage_error(cmd, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nneighbors == MAX_NEIGHBORS || parse_cidr(tok, &o->neighbors[o->nneighbors]) < 0) {
			int rc = cli_usage_error(cmd, "--neighbors: '%s' is not an address or CIDR "
						 "(at most %d)", tok, MAX_NEIGHBORS);

			free(copy);
			return rc;
		}
		o->nneighbors++;
	}
	snprintf(o->neighbors_text + used, sizeof(o->neighbors_text) - used, "%s%s",
		 used ? "," : "", arg);
	free(copy);
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_router(const char *cmd, const char *arg, struct opts *o)
{
	char buf[128], *c1, *c2;

	if (strlen(arg) >= sizeof(buf))
		return cli_usage_error(cmd, "--router: expected IN:OUT");
	strcpy(buf, arg);
	c1 = strchr(buf, ':');
	if (!c1)
		return cli_usage_error(cmd, "--router: expected IN:OUT (bytes), got '%s'", arg);
	*c1++ = '\0';
	c2 = strchr(c1, ':');
	o->l2 = RECONCILE_L2_FRAMES;
	if (c2) {
		*c2++ = '\0';
		if (!strcmp(c2, "wire"))
			o->l2 = RECONCILE_L2_WIRE;
		else if (!strcmp(c2, "l3"))
			o->l2 = RECONCILE_L2_NONE;
		else if (strcmp(c2, "frames") != 0)
			return cli_usage_error(cmd, "--router: unknown counting '%s' (frames, wire or l3)",
					       c2);
	}
	if (parse_u64(buf, &o->router_in) < 0 || parse_u64(c1, &o->router_out) < 0)
		return cli_usage_error(cmd, "--router: expected IN:OUT (bytes), got '%s'", arg);
	o->has_router = 1;
	return 0;
}

static int parse_tolerance(const char *cmd, const char *arg, struct opts *o)
{
	size_t n = strlen(arg);

	if (n > 1 && arg[n - 1] == '%') {
		char *end;
		double pct;

		errno = 0;
		pct = strtod(arg, &end);
		if (errno || end != arg + n - 1 || pct < 0 || pct > 100)
			return cli_usage_error(cmd, "--tolerance: '%s' is not a percentage", arg);
		o->tol_ppm = (unsigned)(pct * 10000.0 + 0.5);
		o->tol_bytes = 0;
		return 0;
	}
	if (parse_u64(arg, &o->tol_bytes) < 0)
		return cli_usage_error(cmd, "--tolerance: expected BYTES or PERCENT%%, got '%s'", arg);
	o->tol_ppm = 0;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "node", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "weblog", required_argument, NULL, 'w' },
		{ "plesk", required_argument, NULL, 'p' },
		{ "router", required_argument, NULL, 'r' },
		{ "classes", required_argument, NULL, 'c' },
		{ "neighbors", required_argument, NULL, 'N' },
		{ "neighbours", required_argument, NULL, 'N' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->tol_bytes = DEFAULT_TOL_BYTES;
	o->tol_ppm = DEFAULT_TOL_PPM;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 'n':
			o->node = optarg;
			break;
		case 'F':
			if (cli_time_arg(cmd, "--from", optarg, &o->from) < 0)
				return EXIT_USAGE;
			o->have_from = 1;
			break;
		case 'T':
			if (cli_time_arg(cmd, "--to", optarg, &o->to) < 0)
				return EXIT_USAGE;
			o->have_to = 1;
			break;
		case 'w':
			if (o->nweblogs == MAX_WEBLOGS)
				return cli_usage_error(cmd, "at most %d --weblog files", MAX_WEBLOGS);
			o->weblogs[o->nweblogs++] = optarg;
			break;
		case 'p':
			if (parse_u64(optarg, &o->plesk) < 0)
				return cli_usage_error(cmd, "--plesk: expected a number of bytes, got '%s'",
						       optarg);
			o->has_plesk = 1;
			break;
		case 'r':
			if ((rc = parse_router(cmd, optarg, o)) != 0)
				return rc;
			break;
		case 'c':
			o->classes = optarg;
			break;
		case 'N':
			if ((rc = parse_neighbors(cmd, optarg, o)) != 0)
				return rc;
			break;
		case 't':
			if ((rc = parse_tolerance(cmd, optarg, o)) != 0)
				return rc;
			break;
		case 'f':
			if (!strcmp(optarg, "table"))
				o->fmt = FMT_TABLE;
			else if (!strcmp(optarg, "json"))
				o->fmt = FMT_JSON;
			else
				return cli_usage_error(cmd, "--format: expected table or json, got '%s'",
						       optarg);
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->node)
		return cli_usage_error(cmd, "--node STATEMENT is required");
	if (o->have_from != o->have_to)
		return cli_usage_error(cmd, "give both --from and --to, or neither");
	if (o->have_from && o->from >= o->to)
		return cli_usage_error(cmd, "--from must be before --to");
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

static void flag_bucket(struct reconcile_bucket *b, const struct svcspec *spec,
			const struct classes *cls, const char *classes_path, const struct opts *o)
{
	const struct svc *s = NULL;
	size_t in0 = 0, inn = 0;
	char peers[96] = "";

	if (!strcmp(b->name, "local")) {
		b->flags = RECONCILE_LOCAL;
		snprintf(b->why, sizeof(b->why), "loopback");
		return;
	}
	for (size_t i = 0; spec && i < spec->n; i++)
		if (!strcmp(spec->svcs[i].name, b->name))
			s = &spec->svcs[i];
	if (!s)
		return;
	if (svcspec_is_owner(s))
		b->flags |= RECONCILE_OWNER;
	if (!s->n_peers && !svcspec_is_owner(s) && (port_in(s, 80) || port_in(s, 443)))
		b->flags |= RECONCILE_WEB;
	for (size_t p = 0; p < s->n_peers; p++) {
		const struct svc_cidr *c = &s->peers[p];
		size_t used = strlen(peers);

		for (size_t k = 0; cls && k < cls->n; k++) {
			const struct classes_net *net = &cls->nets[k];

			if (net->cls == 0 && reconcile_cidr_within(c->family, c->addr, c->prefix,
								   net->family, net->addr, net->prefix)) {
				in0++;
				break;
			}
		}
		for (size_t k = 0; k < o->nneighbors; k++) {
			if (reconcile_cidr_within(c->family, c->addr, c->prefix, o->neighbors[k].family,
						  o->neighbors[k].addr, o->neighbors[k].prefix)) {
				inn++;
				break;
			}
		}
		if (used < sizeof(peers) - 1)
			cidr_text(c, peers + used + (used ? 1 : 0), sizeof(peers) - used - (used ? 1 : 0));
		if (used && used < sizeof(peers) - 1)
			peers[used] = ',';
	}
	if (s->n_peers && in0 == s->n_peers) {
		b->flags |= RECONCILE_CLASS0;
		snprintf(b->why, sizeof(b->why), "peer=%s, class 0 in %s", peers, classes_path);
	} else if (s->n_peers && inn == s->n_peers) {
		b->flags |= RECONCILE_NEIGHBOR;
		snprintf(b->why, sizeof(b->why), "peer=%s, neighbours %s", peers, o->neighbors_text);
	} else if (b->flags & RECONCILE_OWNER) {
		char rule[RECONCILE_WHY_MAX - 16];

		svcspec_format_svc(s, rule, sizeof(rule));
		snprintf(b->why, sizeof(b->why), "rule '%s'", rule);
	}
}

/* ---- reading the store ---------------------------------------------------- */

struct gathered {
	struct reconcile_span *spans;
	size_t nspans;
	struct reconcile_bucket *buckets;
	size_t nbuckets;
	struct reconcile_gap *gaps;
	size_t ngaps;
};

static void gathered_free(struct gathered *g)
{
	free(g->spans);
	free(g->buckets);
	free(g->gaps);
}

static int gather(struct store *st, struct reconcile_input *in, int64_t nf_ms, int64_t nt_ms,
		  struct gathered *g, struct ctv_err *err)
{
	struct store_intervals all = { NULL, 0 };
	struct store_rows rows = { NULL, 0 };
	struct store_events ev = { NULL, 0 };
	struct store_scalar_sums sc = { NULL, 0 };
	time_t qf = (time_t)(nf_ms / 1000) - 1, qt = (time_t)(nt_ms / 1000) + 2;
	int64_t cf, ct;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (store_intervals(st, qf, qt, NULL, -1, &all, err) < 0)
		return -1;
	g->spans = calloc(all.n + 1, sizeof(*g->spans));
	if (!g->spans)
		goto nomem;
	for (size_t i = 0; i < all.n; i++) {
		g->spans[i].start_ms = all.v[i].start_ms;
		g->spans[i].end_ms = all.v[i].end_ms;
		g->spans[i].in_bytes = all.v[i].c.in_bytes;
		g->spans[i].out_bytes = all.v[i].c.out_bytes;
	}
	g->nspans = all.n;
	in->spans = g->spans;
	in->nspans = g->nspans;
	reconcile_choose(g->spans, g->nspans, nf_ms, nt_ms, &in->span_lo, &in->span_hi);
	if (in->span_lo == in->span_hi) {
		ctv_err_set(err, "the store has no interval matching the node's window "
				 "(is 'ctverify collect' running, and is this the right --db?)");
		goto out;
	}
	cf = g->spans[in->span_lo].start_ms;
	ct = g->spans[in->span_hi - 1].end_ms;

	/* The buckets: each key's sums over exactly those intervals. */
	if (store_key_sums(st, cf, ct, &rows, err) < 0)
		goto out;
	g->buckets = calloc(rows.n + 1, sizeof(*g->buckets));
	if (!g->buckets)
		goto nomem;
	for (size_t r = 0; r < rows.n; r++) {
		struct reconcile_bucket *b = &g->buckets[g->nbuckets++];

		snprintf(b->name, sizeof(b->name), "%s", rows.v[r].key);
		b->c.in_bytes = rows.v[r].c.in_bytes;
		b->c.in_packets = rows.v[r].c.in_packets;
		b->c.out_bytes = rows.v[r].c.out_bytes;
		b->c.out_packets = rows.v[r].c.out_packets;
	}
	in->buckets = g->buckets;
	in->nbuckets = g->nbuckets;

	/* Unobserved windows: events recorded up to one hour after. */
	if (store_events(st, (time_t)(cf / 1000) - 1, (time_t)(ct / 1000) + 3600, NULL, &ev, err) < 0)
		goto out;
	g->gaps = calloc(ev.n + 1, sizeof(*g->gaps));
	if (!g->gaps)
		goto nomem;
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
	in->gaps = g->gaps;
	in->ngaps = g->ngaps;

	/* Interface drops over exactly the chosen intervals. */
	if (store_scalars_between(st, cf, ct, &sc, err) < 0)
		goto out;
	for (size_t i = 0; i < sc.n; i++) {
		const char *name = sc.v[i].name, *dot;
		size_t l = strlen(name), used;

		if (!strcmp(name, "Udp.SndbufErrors") || !strcmp(name, "Icmp.OutErrors")) {
			in->has_snmp = 1;
			if (name[0] == 'U')
				in->udp_sndbuf_errors += sc.v[i].value;
			else
				in->icmp_out_errors += sc.v[i].value;
			continue;
		}
		if (strncmp(name, "if.", 3) != 0 || !(dot = strrchr(name, '.')) || dot == name + 2)
			continue;
		if (!strcmp(dot, ".mtu")) {
			if (sc.v[i].value > in->mtu)
				in->mtu = (unsigned)sc.v[i].value;
			continue;
		}
		if (strcmp(dot, ".rx_dropped") && strcmp(dot, ".tx_dropped"))
			continue;
		in->has_drops = 1;
		if (!strcmp(dot, ".rx_dropped"))
			in->rx_dropped += sc.v[i].value;
		else
			in->tx_dropped += sc.v[i].value;
		if (sc.v[i].value && l < 64) {
			char ifn[64];

			snprintf(ifn, sizeof(ifn), "%.*s", (int)(dot - name - 3), name + 3);
			if (!strstr(in->drop_ifaces, ifn)) {
				used = strlen(in->drop_ifaces);
				snprintf(in->drop_ifaces + used, sizeof(in->drop_ifaces) - used, "%s%s",
					 used ? "," : "", ifn);
			}
		}
	}
	if (!in->mtu)
		in->mtu = 65535; /* unknown: the largest IP packet bounds it */
	rc = 0;
	goto out;
nomem:
	ctv_err_sys(err, ENOMEM, "reconcile");
out:
	store_intervals_free(&all);
	store_rows_free(&rows);
	store_events_free(&ev);
	store_scalar_sums_free(&sc);
	return rc;
}

/* ---- output ---------------------------------------------------------------- */

static const char *const vs_names[RECONCILE_NCMP] = {
	"node-container", "router-node", "container-plesk"
};

static void signed_human(int64_t v, char *buf, size_t len)
{
	char h[24];

	render_human((uint64_t)(v < 0 ? -v : v), h, sizeof(h));
	buf[0] = v < 0 ? '-' : v > 0 ? '+' : ' ';
	snprintf(buf + 1, len - 1, "%s", h);
	if (!v)
		memmove(buf, buf + 1, strlen(buf));
}

static void span_text(int64_t f, int64_t t, char *buf, size_t len)
{
	char a[32], b[32];
	time_t tf = (time_t)(f / 1000), tt = (time_t)(t / 1000);
	struct tm tm;

	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", localtime_r(&tf, &tm));
	strftime(b, sizeof(b), "%H:%M:%S", localtime_r(&tt, &tm));
	snprintf(buf, len, "%s.%03d - %s.%03d", a, (int)(f % 1000), b, (int)(t % 1000));
}

static void row(const char *label, int64_t in, int64_t out, int sign, const char *note)
{
	char a[32], b[32];

	if (sign) {
		signed_human(in, a, sizeof(a));
		signed_human(out, b, sizeof(b));
	} else {
		render_human((uint64_t)in, a, sizeof(a));
		render_human((uint64_t)out, b, sizeof(b));
	}
	printf("  %-22s %12s %12s%s%s\n", label, a, b, note && note[0] ? "   " : "",
	       note ? note : "");
}

/* text in lines of at most width columns (words longer stay whole),
 * each indented. */
static void print_wrapped(const char *text, int indent, int width)
{
	const char *p = text;

	while (*p) {
		const char *end = p, *brk = NULL;
		int room = width - indent;

		while (*end && end - p < room) {
			if (*end == ' ')
				brk = end;
			end++;
		}
		if (*end && brk)
			end = brk;
		else if (*end)
			while (*end && *end != ' ')
				end++;
		printf("%*s%.*s\n", indent, "", (int)(end - p), p);
		p = end;
		while (*p == ' ')
			p++;
	}
}

static void total_row(const char *label, int64_t v, int sign, const char *note)
{
	char a[32];

	if (sign)
		signed_human(v, a, sizeof(a));
	else
		render_human((uint64_t)v, a, sizeof(a));
	printf("  %-22s %12s%s%s\n", label, a, note && note[0] ? "   " : "", note ? note : "");
}

static void print_causes(const struct reconcile_result *res, enum reconcile_versus vs)
{
	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *c = &res->causes[i];
		int64_t si = c->in_a ? (int64_t)c->in_bytes : -(int64_t)c->in_bytes;
		int64_t so = c->in_a ? (int64_t)c->out_bytes : -(int64_t)c->out_bytes;

		if (c->vs != vs)
			continue;
		if (vs == RECONCILE_CONTAINER_PLESK)
			total_row(c->cause, si + so, 1, NULL);
		else
			row(c->cause, si, so, 1, NULL);
		print_wrapped(c->detail, 6, 100);
	}
}

static void print_table(const struct statement *node,
			const struct reconcile_input *in, const struct reconcile_result *res)
{
	const struct reconcile_cmp *c = &res->cmp[RECONCILE_NODE_CONTAINER];
	char s1[80], s2[80], note[160], tol[128], t1[32], t2[32];
	size_t nspan = in->span_hi - in->span_lo;

	printf("Reconcile: container %s, node (%s statement) vs container (store)\n\n", node->ct,
	       statement_source_name(node->source));
	printf("  %-22s %12s %12s\n", "", "in", "out");
	span_text(c->a_from_ms, c->a_to_ms, s1, sizeof(s1));
	span_text(c->b_from_ms, c->b_to_ms, s2, sizeof(s2));
	snprintf(note, sizeof(note), "%s", s1);
	row("node", (int64_t)c->a.in_bytes, (int64_t)c->a.out_bytes, 0, note);
	snprintf(note, sizeof(note), "%s (%zu interval%s)", s2, nspan, nspan == 1 ? "" : "s");
	row("container", (int64_t)c->b.in_bytes, (int64_t)c->b.out_bytes, 0, note);
	for (size_t i = 0; i < in->nbuckets; i++) {
		char l[RECONCILE_NAME_MAX + 4];

		if (!in->buckets[i].c.in_bytes && !in->buckets[i].c.out_bytes)
			continue;
		snprintf(l, sizeof(l), "  %s", in->buckets[i].name);
		row(l, (int64_t)in->buckets[i].c.in_bytes, (int64_t)in->buckets[i].c.out_bytes, 0, NULL);
	}
	row("node - container", (int64_t)c->a.in_bytes - (int64_t)c->b.in_bytes,
	    (int64_t)c->a.out_bytes - (int64_t)c->b.out_bytes, 1, NULL);
	printf("\n  causes (bytes of node - container; 'up to' marks a bound)\n");
	print_causes(res, RECONCILE_NODE_CONTAINER);
	render_human(c->tol_in, t1, sizeof(t1));
	render_human(c->tol_out, t2, sizeof(t2));
	snprintf(tol, sizeof(tol), "tolerance %s in, %s out", t1, t2);
	row("unexplained", c->unexplained_in, c->unexplained_out, 1, tol);

	if (res->cmp[RECONCILE_ROUTER_NODE].present) {
		const struct reconcile_cmp *r = &res->cmp[RECONCILE_ROUTER_NODE];

		printf("\nRouter vs node\n\n");
		row("router", (int64_t)r->a.in_bytes, (int64_t)r->a.out_bytes, 0, "--router");
		row("node", (int64_t)r->b.in_bytes, (int64_t)r->b.out_bytes, 0, NULL);
		row("router - node", (int64_t)r->a.in_bytes - (int64_t)r->b.in_bytes,
		    (int64_t)r->a.out_bytes - (int64_t)r->b.out_bytes, 1, NULL);
		print_causes(res, RECONCILE_ROUTER_NODE);
		render_human(r->tol_in, t1, sizeof(t1));
		render_human(r->tol_out, t2, sizeof(t2));
		snprintf(tol, sizeof(tol), "tolerance %s in, %s out", t1, t2);
		row("unexplained", r->unexplained_in, r->unexplained_out, 1, tol);
		printf("  router verdict: %s\n", reconcile_verdict_name(RECONCILE_ROUTER_NODE, r->verdict));
	}
	if (res->cmp[RECONCILE_CONTAINER_PLESK].present) {
		const struct reconcile_cmp *p = &res->cmp[RECONCILE_CONTAINER_PLESK];

		printf("\nContainer vs %s (one total: in + out)\n\n",
		       in->has_plesk ? "Plesk" : "web logs");
		printf("  %-22s %12s\n", "", "total");
		total_row("container", (int64_t)p->a.out_bytes, 0, "all buckets, in + out");
		if (in->has_plesk)
			total_row("plesk", (int64_t)in->plesk_bytes, 0, "--plesk");
		if (in->has_weblog) {
			snprintf(note, sizeof(note), "%" PRIu64 " requests in %s", in->weblog_requests,
				 in->weblog_files);
			total_row("web logs", (int64_t)in->weblog_bytes, 0, note);
		}
		total_row("container - figure", (int64_t)p->a.out_bytes - (int64_t)p->b.out_bytes, 1,
			  NULL);
		print_causes(res, RECONCILE_CONTAINER_PLESK);
		render_human(p->tol_out, t2, sizeof(t2));
		snprintf(tol, sizeof(tol), "tolerance %s", t2);
		total_row("unexplained", p->unexplained_out, 1, tol);
		printf("  plesk verdict: %s\n",
		       reconcile_verdict_name(RECONCILE_CONTAINER_PLESK, p->verdict));
	}
	printf("\nverdict: %s\n", reconcile_verdict_name(RECONCILE_NODE_CONTAINER, c->verdict));
}

static json_t *counts_json(const struct reconcile_counts *c, int packets)
{
	json_t *o = json_object();

	json_object_set_new(o, "in_bytes", json_integer((json_int_t)c->in_bytes));
	if (packets)
		json_object_set_new(o, "in_packets", json_integer((json_int_t)c->in_packets));
	json_object_set_new(o, "out_bytes", json_integer((json_int_t)c->out_bytes));
	if (packets)
		json_object_set_new(o, "out_packets", json_integer((json_int_t)c->out_packets));
	return o;
}

static json_t *unexplained_json(const struct reconcile_cmp *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "in_bytes", json_integer(c->unexplained_in));
	json_object_set_new(o, "out_bytes", json_integer(c->unexplained_out));
	json_object_set_new(o, "tolerance_in_bytes", json_integer((json_int_t)c->tol_in));
	json_object_set_new(o, "tolerance_out_bytes", json_integer((json_int_t)c->tol_out));
	return o;
}

static int print_json(const struct statement *node, const struct reconcile_input *in,
		      const struct reconcile_result *res)
{
	const struct reconcile_cmp *c = &res->cmp[RECONCILE_NODE_CONTAINER];
	json_t *root = json_object(), *n, *ct, *svcs = json_array(), *causes = json_array();
	char *text;

	json_object_set_new(root, "verdict",
			    json_string(reconcile_verdict_name(RECONCILE_NODE_CONTAINER, c->verdict)));
	n = counts_json(&c->a, node->totals.has_packets);
	json_object_set_new(n, "source", json_string(statement_source_name(node->source)));
	json_object_set_new(n, "ct", json_string(node->ct));
	json_object_set_new(n, "from_ms", json_integer(c->a_from_ms));
	json_object_set_new(n, "to_ms", json_integer(c->a_to_ms));
	json_object_set_new(root, "node", n);
	ct = counts_json(&c->b, 1);
	json_object_set_new(ct, "from_ms", json_integer(c->b_from_ms));
	json_object_set_new(ct, "to_ms", json_integer(c->b_to_ms));
	json_object_set_new(ct, "intervals", json_integer((json_int_t)(in->span_hi - in->span_lo)));
	for (size_t i = 0; i < in->nbuckets; i++) {
		json_t *b = counts_json(&in->buckets[i].c, 1);

		json_object_set_new(b, "name", json_string(in->buckets[i].name));
		json_array_append_new(svcs, b);
	}
	json_object_set_new(ct, "services", svcs);
	json_object_set_new(root, "container", ct);
	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *x = &res->causes[i];
		json_t *o = json_object();
		static const char *const figs[RECONCILE_NCMP][2] = {
			{ "container", "node" }, { "node", "router" }, { "plesk", "container" }
		};

		/* Signed, like the table: what the cause adds to the
		 * comparison's first figure minus its second, so the causes
		 * and the unexplained rest add up to the difference. */
		json_object_set_new(o, "cause", json_string(x->cause));
		json_object_set_new(o, "in_bytes", json_integer(x->in_a ? (json_int_t)x->in_bytes :
									 -(json_int_t)x->in_bytes));
		json_object_set_new(o, "out_bytes", json_integer(x->in_a ? (json_int_t)x->out_bytes :
									   -(json_int_t)x->out_bytes));
		json_object_set_new(o, "detail", json_string(x->detail));
		json_object_set_new(o, "versus", json_string(vs_names[x->vs]));
		json_object_set_new(o, "counted_by", json_string(figs[x->vs][x->in_a]));
		json_object_set_new(o, "bound", json_boolean(x->bound));
		json_object_set_new(o, "bound_in_bytes", json_integer((json_int_t)x->bound_in));
		json_object_set_new(o, "bound_out_bytes", json_integer((json_int_t)x->bound_out));
		json_array_append_new(causes, o);
	}
	json_object_set_new(root, "causes", causes);
	json_object_set_new(root, "unexplained", unexplained_json(c));
	if (res->cmp[RECONCILE_ROUTER_NODE].present) {
		const struct reconcile_cmp *r = &res->cmp[RECONCILE_ROUTER_NODE];
		json_t *o = counts_json(&r->a, 0);

		json_object_set_new(o, "unexplained", unexplained_json(r));
		json_object_set_new(o, "verdict", json_string(reconcile_verdict_name(RECONCILE_ROUTER_NODE,
										   r->verdict)));
		json_object_set_new(root, "router", o);
	}
	if (res->cmp[RECONCILE_CONTAINER_PLESK].present) {
		const struct reconcile_cmp *p = &res->cmp[RECONCILE_CONTAINER_PLESK];
		json_t *o = json_object();

		json_object_set_new(o, "figure", json_string(in->has_plesk ? "plesk" : "weblog"));
		json_object_set_new(o, "bytes", json_integer((json_int_t)p->b.out_bytes));
		if (in->has_weblog) {
			json_object_set_new(o, "weblog_bytes", json_integer((json_int_t)in->weblog_bytes));
			json_object_set_new(o, "weblog_requests",
					    json_integer((json_int_t)in->weblog_requests));
		}
		json_object_set_new(o, "container_bytes", json_integer((json_int_t)p->a.out_bytes));
		json_object_set_new(o, "unexplained_bytes", json_integer(p->unexplained_out));
		json_object_set_new(o, "tolerance_bytes", json_integer((json_int_t)p->tol_out));
		json_object_set_new(o, "verdict", json_string(reconcile_verdict_name(
							  RECONCILE_CONTAINER_PLESK, p->verdict)));
		json_object_set_new(root, "plesk", o);
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return -1;
	printf("%s\n", text);
	free(text);
	return 0;
}

/* ---- the command ------------------------------------------------------------ */

int cmd_reconcile(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct ctv_err err = { "" };
	struct opts o;
	struct statement node;
	struct reconcile_input in;
	struct reconcile_result res = { { { 0 } }, NULL, 0, 0 };
	struct reconcile_counts nfig;
	struct gathered g = { NULL, 0, NULL, 0, NULL, 0 };
	struct classes cls = { NULL, 0 };
	struct svcspec spec;
	struct weblog_sum wl;
	struct store *st = NULL;
	int rc, has_packets, have_spec = 0;
	int64_t nf_ms, nt_ms;
	char backend[64];

	rc = parse_opts(argc, argv, &o);
	if (rc < 0)
		return 0; /* --help */
	if (rc)
		return rc;
	statement_init(&node, STATEMENT_CTNODE);
	svcspec_init(&spec);
	memset(&in, 0, sizeof(in));
	memset(&wl, 0, sizeof(wl));
	rc = EXIT_USAGE;
	if (statement_read_file(o.node, &node, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	in.node = &node;
	in.from = o.have_from ? (int64_t)o.from : node.from;
	in.to = o.have_to ? (int64_t)o.to : node.to;
	if (reconcile_node_figure(&node, in.from, in.to, &nfig, &has_packets, &nf_ms, &nt_ms,
				  &err) < 0) {
		cli_error("%s: %s: %s", cmd, o.node, err.msg);
		goto out;
	}
	if (o.classes && classes_load(o.classes, &cls, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	for (size_t i = 0; i < o.nweblogs; i++) {
		size_t used = strlen(in.weblog_files);

		if (weblog_read_file(o.weblogs[i], in.from, in.to, &wl, &err) < 0) {
			cli_error("%s: %s", cmd, err.msg);
			goto out;
		}
		snprintf(in.weblog_files + used, sizeof(in.weblog_files) - used, "%s%s",
			 used ? ", " : "", o.weblogs[i]);
	}
	if (wl.malformed)
		cli_error("%s: warning: %" PRIu64 " malformed web-log line(s) skipped, the first %s",
			  cmd, wl.malformed, wl.first_bad);
	in.has_weblog = o.nweblogs > 0;
	in.weblog_bytes = wl.bytes;
	in.weblog_requests = wl.requests;
	in.has_plesk = o.has_plesk;
	in.plesk_bytes = o.plesk;
	in.has_router = o.has_router;
	in.router_in = o.router_in;
	in.router_out = o.router_out;
	in.router_l2 = o.l2;
	in.tol_bytes = o.tol_bytes;
	in.tol_ppm = o.tol_ppm;

	st = store_open(o.db ? o.db : ctv_default_db(), STORE_READ, &err);
	if (!st) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	if (gather(st, &in, nf_ms, nt_ms, &g, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	/* The installed rules say which bucket is what; without them only
	 * 'local' is known. */
	if (rulestate_load(backend, sizeof(backend), &spec, &err) == 0)
		have_spec = 1;
	for (size_t i = 0; i < g.nbuckets; i++)
		flag_bucket(&g.buckets[i], have_spec ? &spec : NULL, o.classes ? &cls : NULL,
			    o.classes ? o.classes : "", &o);
	if (reconcile_run(&in, &res, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		rc = EXIT_PROBLEM;
		goto out;
	}
	if (o.fmt == FMT_JSON) {
		if (print_json(&node, &in, &res) < 0) {
			cli_error("%s: out of memory", cmd);
			rc = EXIT_PROBLEM;
			goto out;
		}
	} else {
		print_table(&node, &in, &res);
	}
	rc = res.cmp[RECONCILE_NODE_CONTAINER].verdict == RECONCILE_CONSISTENT ? 0 : EXIT_PROBLEM;
out:
	if (st)
		store_close(st);
	reconcile_result_free(&res);
	gathered_free(&g);
	classes_free(&cls);
	svcspec_free(&spec);
	statement_free(&node);
	return rc;
}
