/* cmd_history.c - "ctnode snapshot", "collect", "report" and "export": the
 * kernel's per-container, per-class counters as minute history in the same
 * store ctverify uses (series: CTID and class). */
#include "config.h"

#include <stdio.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "collect.h"
#include "commands.h"
#include "history.h"
#include "node_snapshot.h"
#include "period.h"
#include "render.h"
#include "statement.h"
#include "store.h"
#include "timearg.h"

#define DB_NAME "ctnode.db"

static unsigned long minute_days; /* collect --minute-days, 0: keep the store's */

static struct store *open_write(const char *cmd, const char *db, int collector)
{
	struct ctv_err err = { "" };
	struct store *st = node_snapshot_open_store(db, &err);

	if (st && collector)
		st = collect_claim(st, minute_days, &err);
	if (!st)
		cli_error("%s: %s", cmd, err.msg);
	return st;
}

/* One snapshot; 0, or -1 with the error printed. */
static int snap_once(const char *cmd, struct node_snapshot *ns, struct store_result *res)
{
	struct ctv_err err = { "" };
	char line[CTV_ERR_MAX + 160];
	int rc = node_snapshot_take(ns, res, &err);

	if (collect_say_now(rc, err.msg, line, sizeof(line)))
		cli_error("%s: %s", cmd, line);
	return rc;
}

static int parse_common(int c, const char *cmd, char **argv, const char **db,
			unsigned long *interval)
{
	switch (c) {
	case 'd':
		*db = optarg;
		return 0;
	case 'i':
		if (interval && cli_uint_arg(cmd, "--interval", optarg, 1, 3600, interval) == 0)
			return 0;
		return EXIT_USAGE;
	case 'm':
		if (interval && cli_uint_arg(cmd, "--minute-days", optarg, 1, 3660, &minute_days) == 0)
			return 0;
		return EXIT_USAGE;
	default:
		return cli_usage_error(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
	}
}

static void snapshot_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctnode snapshot [--db PATH]\n\n"
		"Reads every per-container, per-class counter of the kernel accounting in\n"
		"one dump and stores the growth since the previous snapshot (IPv4 and IPv6\n"
		"together). The first snapshot is a baseline; counters that went back\n"
		"count from zero and are recorded as resets.\n\n"
		"  --db PATH    the store (default $CTNODE_STATEDIR/" DB_NAME ", $CTNODE_STATEDIR\n"
		"               defaulting to " LOCALSTATEDIR "/lib/ctnode)\n"
		"  -h, --help   show this help\n");
}

int cmd_node_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	struct store_result res;
	struct node_snapshot ns = { 0 };
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			snapshot_usage(stdout);
			return 0;
		}
		if ((rc = parse_common(c, cmd, argv, &db, NULL)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	ns.st = open_write(cmd, db ? db : node_snapshot_default_db(), 0);
	if (!ns.st)
		return EXIT_PROBLEM;
	rc = snap_once(cmd, &ns, &res);
	store_close(ns.st);
	if (rc < 0)
		return EXIT_PROBLEM;
	if (res.baseline)
		printf("baseline recorded; differences start with the next snapshot\n");
	else
		printf("recorded %.1f s%s\n", (double)(res.span.end_ms - res.span.start_ms) / 1000.0,
		       res.resets ? ", counter reset(s) recorded" : "");
	return 0;
}

static void collect_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctnode collect [--db PATH] [--interval SECONDS]\n\n"
		"Takes a snapshot at every multiple of the interval of the wall clock\n"
		"until stopped; SIGTERM or SIGINT records the interval in progress and\n"
		"exits. A kill -9 loses at most the interval in flight and never counts\n"
		"anything twice. Our table deleted by someone else (a firewall reload), or\n"
		"a container's device back after a restart: what the last setup installed\n"
		"is installed again at once, counts kept, the gap recorded.\n\n"
		"  --db PATH             the store (default $CTNODE_STATEDIR/" DB_NAME ")\n"
		"  -i, --interval SECS   seconds between snapshots, 1 to 3600 (default 60)\n"
		"  --minute-days DAYS    keep minute rows this long (default 7, or what the\n"
		"                        last collect chose; about 25 bytes per container,\n"
		"                        class and minute with traffic); hours are kept for ever\n"
		"  -h, --help            show this help\n");
}

struct node_collect {
	const char *cmd;
	struct node_snapshot ns;
};

static int collect_snap(void *arg)
{
	struct node_collect *cs = arg;
	struct store_result res;

	return snap_once(cs->cmd, &cs->ns, &res);
}

int cmd_node_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "minute-days", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	unsigned long interval = 60;
	struct node_collect cs = { cmd, { 0 } };
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		if (c == 'h') {
			collect_usage(stdout);
			return 0;
		}
		if ((rc = parse_common(c, cmd, argv, &db, &interval)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	collect_catch_stop();
	cs.ns.warn.fn = cli_notice;
	cs.ns.warn.arg = (void *)cmd;
	cs.ns.st = open_write(cmd, db ? db : node_snapshot_default_db(), 1);
	if (!cs.ns.st)
		return EXIT_PROBLEM;
	rc = node_snapshot_collect(&cs.ns, interval, collect_snap, &cs);
	store_close(cs.ns.st);
	return rc < 0 ? EXIT_PROBLEM : 0;
}

/* ---- report and export ------------------------------------------------------ */

static void report_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctnode report [--db PATH] --ct CTID [--by hour|day|month|year|total]\n"
		"                     [--from T] [--to T] [--per-class] [--format table|csv|json]\n\n"
		"Per period (local time), what the container received (in:\n"
		"counter_net_incoming_bytes) and sent (out: counter_net_outgoing_bytes),\n"
		"bytes and packets, like the reference agent's query; all accounted\n"
		"classes summed unless --per-class.\n\n"
		"  --db PATH         the store (default $CTNODE_STATEDIR/" DB_NAME ")\n"
		"  --ct CTID         the container (required)\n"
		"  --by UNIT         hour, day, month (default), year or total\n"
		"  --from T, --to T  hours starting in [from, to)\n"
		"  --per-class       one row per network class\n"
		"  --format F        table (default, human units, totals row), csv or json\n"
		"                    (rows {period, ct, [class,] in_bytes, in_packets,\n"
		"                    out_bytes, out_packets}, raw integers)\n"
		"  -p, --packets     packets too, in tables\n"
		"  -h, --help        show this help\n");
}

int cmd_node_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ct", required_argument, NULL, 'c' },
		{ "by", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "per-class", no_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "packets", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	struct render_opts ro = { RENDER_TABLE, PERIOD_MONTH, "ct", NULL, 0, NULL };
	struct store_query q;
	struct store *st;
	char title[256];
	int c, rc;

	store_query_init(&q);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ph", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			q.key = optarg;
			break;
		case 'C':
			q.by_sub = 1;
			ro.sub_name = "class";
			break;
		case 'f':
			if (render_format_parse(optarg, &ro.format) < 0 || ro.format == RENDER_SVG)
				return cli_usage_error(cmd, "--format: '%s' is not table, csv or json", optarg);
			break;
		case 'p':
			ro.packets = 1;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			rc = cli_history_opt(cmd, c, optarg, &q.by, &q.from_ms, &q.to_ms, NULL);
			if (rc < 0)
				rc = parse_common(c, cmd, argv, &db, NULL);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!q.key)
		return cli_usage_error(cmd, "--ct CTID is required");
	if (q.from_ms >= q.to_ms)
		return cli_usage_error(cmd, "--from must be before --to");
	st = cli_open_history(cmd, db ? db : node_snapshot_default_db());
	if (!st)
		return EXIT_PROBLEM;
	ro.by = q.by;
	snprintf(title, sizeof(title), "CT %s by %s (local time): in = counter_net_incoming_bytes, "
		 "out = counter_net_outgoing_bytes", q.key, period_by_name(q.by));
	ro.title = title;
	rc = cli_render_history(st, &q, &ro);
	store_close(st);
	return rc;
}

static void export_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctnode export [--db PATH] --ct CTID [--from T --to T]\n\n"
		"Writes the node's statement for one container (JSON, format\n"
		"ctverify-statement/1): totals, per-class totals and per-interval rows\n"
		"(minutes where still kept, hours before that) so that reconcile can align\n"
		"windows. Only intervals wholly inside [from, to] count. Only that\n"
		"container's data is ever included.\n\n"
		"  --db PATH         the store (default $CTNODE_STATEDIR/" DB_NAME ")\n"
		"  --ct CTID         the container (required)\n"
		"  --from T, --to T  the window (default: all history)\n"
		"  -h, --help        show this help\n");
}

int cmd_node_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ct", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL, *ct = NULL;
	struct history_window w = { 0, 0, 0, 0 };
	unsigned seen = 0;
	int c, rc;
	struct store *st;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ct = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			rc = cli_history_opt(cmd, c, optarg, NULL, &w.from_ms, &w.to_ms, &seen);
			if (rc < 0)
				rc = parse_common(c, cmd, argv, &db, NULL);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!ct)
		return cli_usage_error(cmd, "--ct CTID is required");
	if (strlen(ct) >= STATEMENT_CT_MAX)
		return cli_usage_error(cmd, "--ct: too long");
	w.have_from = !!(seen & CLI_SEEN_FROM);
	w.have_to = !!(seen & CLI_SEEN_TO);
	if (w.have_from && w.have_to && w.from_ms > w.to_ms)
		return cli_usage_error(cmd, "--from must not be after --to");
	st = cli_open_history(cmd, db ? db : node_snapshot_default_db());
	if (!st)
		return EXIT_PROBLEM;
	rc = cli_export_history(cmd, st, STATEMENT_CTNODE, ct, ct, node_snapshot_classes_file(), NULL,
				&w);
	store_close(st);
	return rc;
}
