/* cmd_reconcile.c - "ctverify reconcile": gathers the node's statement,
 * the store's figures over the matching intervals, the installed rules and
 * the optional Plesk, web-log and router figures, and prints what the core
 * (reconcile.c) makes of them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "cidr.h"
#include "classes.h"
#include "plesk_input.h"
#include "cli.h"
#include "commands.h"
#include "reconcile.h"
#include "reconcile_input.h"
#include "reconcile_render.h"
#include "render.h"
#include "rulestate.h"
#include "snapshot.h"
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
	const char *db, *node, *classes, *plesk_file;
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
		"                          [--weblog FILE]... [--plesk FILE|BYTES] [--router IN:OUT]\n"
		"                          [--classes FILE] [--neighbors CIDR,...]\n"
		"                          [--tolerance BYTES|PERCENT%%] [--format table|json]\n\n"
		"Compares the node's figure for this container (a statement from 'ctnode\n"
		"export', 'ctnode pva export' or 'ctnode import vznetstat') with the\n"
		"container's own history over the same window, and explains the\n"
		"difference as named causes, each with bytes per direction and the\n"
		"evidence used: loopback, class_excluded, window_skew, counter_reset,\n"
		"pre_container_drop, container_qdisc_drop; with --router also l2_overhead\n"
		"and neighbor; with --weblog/--plesk weblog_unlogged (a Plesk file also\n"
		"log_overhead and mail_submission). Bounds are marked 'up to' and explain\n"
		"only what is left in their direction. What remains is unexplained; the\n"
		"verdict is consistent (within the tolerance), node_higher,\n"
		"container_higher or inconclusive (within it only thanks to 'up to' bounds\n"
		"wider than it); compared on whole intervals present on both sides, class by\n"
		"class when mirrored. Exit 0 consistent, 1 not, 2 bad input.\n\n"
		"  --db PATH          the store (default $CTVERIFY_STATEDIR/ctverify.db)\n"
		"  --node FILE        the node's statement (JSON; - for standard input)\n"
		"  --from T, --to T   the window (default: the statement's)\n"
		"  --weblog FILE      an access log in Common/Combined Log Format (repeatable);\n"
		"                     response sizes in the window are summed\n"
		"  --plesk FILE       Plesk's DomainsTraffic rows (mysql -B), column by column,\n"
		"                     over the rows' days; a plain number: the panel's HTTP figure\n"
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
			o->has_plesk = plesk_is_number(optarg, &o->plesk);
			o->plesk_file = o->has_plesk ? NULL : optarg;
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

/* The node's statement and window, the classes and the web logs: what
 * the command line names. Exit code on failure (printed). */
static int read_inputs(const char *cmd, const struct opts *o, struct statement *node,
		       struct reconcile_input *in, int64_t *nf_ms, int64_t *nt_ms,
		       struct classes *cls)
{
	struct ctv_err err = { "" };
	struct reconcile_counts nfig;
	struct weblog_sum wl;
	int has_packets;

	memset(&wl, 0, sizeof(wl));
	if (statement_read_file(o->node, node, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		return EXIT_USAGE;
	}
	in->node = node;
	in->from = o->have_from ? (int64_t)o->from : node->from;
	in->to = o->have_to ? (int64_t)o->to : node->to;
	if (reconcile_node_figure(node, in->from, in->to, &nfig, &has_packets, nf_ms, nt_ms,
				  &err) < 0) {
		cli_error("%s: %s: %s", cmd, o->node, err.msg);
		return EXIT_USAGE;
	}
	if (o->classes && classes_load(o->classes, cls, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		return EXIT_USAGE;
	}
	if (reconcile_input_weblogs(in, o->weblogs, o->nweblogs, &wl, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		return EXIT_USAGE;
	}
	if (wl.malformed)
		cli_error("%s: warning: %" PRIu64 " malformed web-log line(s) skipped, the first %s",
			  cmd, wl.malformed, wl.first_bad);
	return 0;
}

int cmd_reconcile(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct ctv_err err = { "" };
	struct opts o;
	struct statement node;
	struct reconcile_input in;
	struct reconcile_result res = { 0 };
	struct reconcile_gathered g = { NULL, 0, NULL, 0, NULL, 0 };
	struct reconcile_knowledge k;
	struct classes cls = { NULL, 0 };
	struct svcspec spec;
	struct plesk_input pi;
	struct store *st = NULL;
	int rc;
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
	memset(&pi, 0, sizeof(pi));
	rc = read_inputs(cmd, &o, &node, &in, &nf_ms, &nt_ms, &cls);
	if (rc)
		goto out;
	rc = EXIT_USAGE;
	if (o.plesk_file &&
	    plesk_input_read(o.plesk_file, o.have_from, in.from, in.to, &pi, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	in.has_plesk = o.has_plesk;
	in.plesk_bytes = o.plesk;
	in.has_router = o.has_router;
	in.router_in = o.router_in;
	in.router_out = o.router_out;
	in.router_l2 = o.l2;
	in.tol_bytes = o.tol_bytes;
	in.tol_ppm = o.tol_ppm;

	st = store_open(o.db ? o.db : snapshot_default_db(), STORE_READ, &err);
	if (!st || reconcile_input_gather(st, &in, nf_ms, nt_ms, &g, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	/* The installed rules say which bucket is what; without them only
	 * 'local' is known. */
	k = (struct reconcile_knowledge){ NULL, o.classes ? &cls : NULL, o.classes ? o.classes : "",
					  o.neighbors, o.nneighbors, o.neighbors_text };
	if (rulestate_load(backend, sizeof(backend), &spec, &err) == 0)
		k.spec = &spec;
	reconcile_input_flag(g.buckets, g.nbuckets, &k);
	if (o.plesk_file && plesk_input_gather(st, &k, &pi, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		goto out;
	}
	in.plesk = o.plesk_file ? &pi.p : NULL;
	in.has_plesk |= in.plesk != NULL;
	in.plesk_bytes = in.plesk ? pi.p.sum.total : in.plesk_bytes;
	if (reconcile_run(&in, &res, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		rc = EXIT_PROBLEM;
		goto out;
	}
	if (o.fmt == FMT_JSON) {
		if (reconcile_render_json(stdout, &node, &in, &res) < 0) {
			cli_error("%s: out of memory", cmd);
			rc = EXIT_PROBLEM;
			goto out;
		}
	} else {
		reconcile_render_table(stdout, &node, &in, &res);
	}
	rc = res.cmp[RECONCILE_NODE_CONTAINER].verdict == RECONCILE_CONSISTENT ? 0 : EXIT_PROBLEM;
out:
	if (st)
		store_close(st);
	reconcile_result_free(&res);
	reconcile_gathered_free(&g);
	plesk_input_free(&pi);
	classes_free(&cls);
	svcspec_free(&spec);
	statement_free(&node);
	return rc;
}
