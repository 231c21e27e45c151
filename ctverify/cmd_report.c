/* cmd_report.c - "ctverify report" and "ctverify export": the minute
 * history as tables, CSV, JSON, SVG, and as the container-side statement. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "period.h"
#include "history.h"
#include "render.h"
#include "rulestate.h"
#include "snapshot.h"
#include "statement.h"
#include "store.h"
#include "timearg.h"

/* Events in the range, for people reading the table: they explain holes. */
static void print_events(struct store *st, int64_t from_ms, int64_t to_ms, const char *key)
{
	struct store_events ev;
	struct ctv_err err;

	if (store_events(st, from_ms, to_ms, key, &ev, &err) == 0) {
		render_events(stdout, &ev);
		store_events_free(&ev);
	}
}

static void report_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify report [--db PATH] [--by hour|day|month|year|total] [--from T]\n"
		"                       [--to T] [--service NAME] [--format table|csv|json|svg]\n"
		"                       [--packets] [--by-class]\n\n"
		"Per period (local time) and service, the bytes received (in) and sent\n"
		"(out). Tables use human units and end with a totals row and the events\n"
		"(counter resets, gaps, clock steps) of the range; csv and json carry raw\n"
		"integers and packets; svg draws a stacked bar chart per period.\n\n"
		"  --db PATH         the store (default $CTVERIFY_STATEDIR/ctverify.db)\n"
		"  --by UNIT         hour, day (default), month, year or total\n"
		"  --from T, --to T  hours starting in [from, to): YYYY-MM-DD,\n"
		"                    'YYYY-MM-DD HH:MM[:SS]' (local) or @EPOCH\n"
		"  --service NAME    only this service\n"
		"  --format F        table (default), csv, json or svg\n"
		"  --packets         packets too, in tables\n"
		"  --by-class        per node class (as mirrored by 'rules install') instead\n"
		"  -h, --help        show this help\n");
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "service", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "packets", no_argument, NULL, 'p' },
		{ "by-class", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	struct render_opts ro = { RENDER_TABLE, PERIOD_DAY, "service", NULL, 0, NULL };
	struct store_query q;
	struct store *st;
	char title[256], a[32], b[32];
	int c, rc, has_from, has_to;

	store_query_init(&q);
	q.by = PERIOD_DAY;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 's':
			q.key = optarg;
			break;
		case 'f':
			if (render_format_parse(optarg, &ro.format) < 0)
				return cli_usage_error(cmd, "--format: '%s' is not table, csv, json or svg",
						       optarg);
			break;
		case 'p':
			ro.packets = 1;
			break;
		case 'C':
			q.classes = 1;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			rc = cli_history_opt(cmd, c, optarg, &q.by, &q.from_ms, &q.to_ms, NULL);
			if (rc < 0)
				return cli_usage_error(cmd, "unknown option or missing value: '%s'",
						       argv[optind - 1]);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (q.from_ms >= q.to_ms || (q.classes && q.key))
		return cli_usage_error(cmd, q.key ? "--by-class and --service exclude each other"
					  : "--from must be before --to");
	ro.key_name = q.classes ? NULL : "service";
	ro.sub_name = q.classes ? "class" : NULL;
	st = cli_open_history(cmd, db ? db : snapshot_default_db());
	if (!st)
		return EXIT_PROBLEM;
	ro.by = q.by;
	has_from = q.from_ms > (int64_t)INT32_MIN * 1000;
	has_to = q.to_ms < (int64_t)INT32_MAX * 1000;
	snprintf(title, sizeof(title), "Traffic by %s, local time%s%s%s%s%s%s", period_by_name(q.by),
		 q.key ? ", service " : "", q.key ? q.key : "", has_from ? ", from " : "",
		 has_from ? timearg_format((time_t)(q.from_ms / 1000), a, sizeof(a)) : "",
		 has_to ? ", to " : "",
		 has_to ? timearg_format((time_t)(q.to_ms / 1000), b, sizeof(b)) : "");
	ro.title = title;
	rc = cli_render_history(st, &q, &ro);
	if (rc == 0 && ro.format == RENDER_TABLE)
		print_events(st, q.from_ms, q.to_ms, q.key);
	store_close(st);
	return rc;
}

/* ---- export -------------------------------------------------------------- */

static void export_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify export [--db PATH] [--from T --to T] [--ct NAME] [--service NAME]\n\n"
		"Writes the container-side statement (JSON, format ctverify-statement/1):\n"
		"totals and per-interval rows of everything the accounting rules counted\n"
		"(all services, loopback 'local' included), for reconcile on either side.\n"
		"Intervals are minutes where they are still kept, hours before that; only\n"
		"intervals wholly inside [from, to] are included.\n\n"
		"  --db PATH         the store (default $CTVERIFY_STATEDIR/ctverify.db)\n"
		"  --from T, --to T  the window (default: all history)\n"
		"  --ct NAME         the statement's ct field (default: the host name)\n"
		"  --service NAME    only this service\n"
		"  -h, --help        show this help\n");
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "ct", required_argument, NULL, 'c' },
		{ "service", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL, *ct = NULL, *key = NULL;
	struct history_window w = { 0, 0, 0, 0 };
	struct classes mirror = { NULL, 0 };
	struct ctv_err err = { "" };
	unsigned seen = 0;
	int c, rc;
	struct store *st;
	char host[256];

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'c':
			ct = optarg;
			break;
		case 's':
			key = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			rc = cli_history_opt(cmd, c, optarg, NULL, &w.from_ms, &w.to_ms, &seen);
			if (rc < 0)
				return cli_usage_error(cmd, "unknown option or missing value: '%s'",
						       argv[optind - 1]);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	w.have_from = !!(seen & CLI_SEEN_FROM);
	w.have_to = !!(seen & CLI_SEEN_TO);
	if (w.have_from && w.have_to && w.from_ms > w.to_ms)
		return cli_usage_error(cmd, "--from must not be after --to");
	if (!ct)
		ct = history_default_ct(host, sizeof(host));
	if (strlen(ct) >= STATEMENT_CT_MAX)
		return cli_usage_error(cmd, "--ct: too long");
	st = cli_open_history(cmd, db ? db : snapshot_default_db());
	if (!st)
		return EXIT_PROBLEM;
	/* The classes the rules mirror, as the node's export has them. */
	if (rulestate_mirror_classes(&mirror, &err) < 0)
		cli_error("%s: warning: %s; the statement carries no networks", cmd, err.msg);
	rc = cli_export_history(cmd, st, STATEMENT_CTVERIFY, ct, key, NULL, &mirror, &w);
	classes_free(&mirror);
	store_close(st);
	return rc;
}
