/* cmd_report.c - "ctverify report" and "ctverify export": the minute
 * history as tables, CSV, JSON, SVG, and as the container-side statement. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "period.h"
#include "render.h"
#include "statement.h"
#include "store.h"
#include "timearg.h"

/* Events in the range, for people reading the table: they explain holes. */
static void print_events(struct store *st, time_t from, time_t to, const char *key)
{
	struct store_events ev;
	struct ctv_err err;

	if (store_events(st, from, to, key, &ev, &err) < 0)
		return;
	if (!ev.n) {
		store_events_free(&ev);
		return;
	}
	printf("\nEvents:\n");
	for (size_t i = 0; i < ev.n; i++) {
		char when[32], a[32], b[32];
		const struct store_event *e = &ev.v[i];

		timearg_format((time_t)(e->t_ms / 1000), when, sizeof(when));
		timearg_format((time_t)(e->from_ms / 1000), a, sizeof(a));
		timearg_format((time_t)(e->to_ms / 1000), b, sizeof(b));
		printf("  %s  %-10s %s%s%s (window %s .. %s)\n", when, e->kind, e->key,
		       e->key[0] ? ": " : "", e->detail, a, b);
	}
	store_events_free(&ev);
}

static void report_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify report [--db PATH] [--by hour|day|month|year|total] [--from T]\n"
		"                       [--to T] [--service NAME] [--format table|csv|json|svg]\n"
		"                       [--packets]\n\n"
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	struct render_opts ro = { RENDER_TABLE, PERIOD_DAY, "service", NULL, 0, NULL };
	struct store_query q;
	struct store *st;
	char title[256], a[32], b[32];
	int c, rc;

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
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			rc = cli_history_opt(cmd, c, optarg, &q.by, &q.from, &q.to, NULL);
			if (rc < 0)
				return cli_usage_error(cmd, "unknown option or missing value: '%s'",
						       argv[optind - 1]);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (q.from >= q.to)
		return cli_usage_error(cmd, "--from must be before --to");
	st = cli_open_history(cmd, db ? db : ctv_default_db());
	if (!st)
		return EXIT_PROBLEM;
	ro.by = q.by;
	snprintf(title, sizeof(title), "Traffic by %s, local time%s%s%s%s%s%s", period_by_name(q.by),
		 q.key ? ", service " : "", q.key ? q.key : "",
		 q.from > (time_t)INT32_MIN ? ", from " : "",
		 q.from > (time_t)INT32_MIN ? timearg_format(q.from, a, sizeof(a)) : "",
		 q.to < (time_t)INT32_MAX ? ", to " : "",
		 q.to < (time_t)INT32_MAX ? timearg_format(q.to, b, sizeof(b)) : "");
	ro.title = title;
	rc = cli_render_history(st, &q, &ro);
	if (rc == 0 && ro.format == RENDER_TABLE)
		print_events(st, q.from, q.to, q.key);
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
	time_t from = 0, to = 0;
	unsigned seen = 0;
	int have_from, have_to, c, rc = EXIT_PROBLEM;
	struct ctv_err err = { "" };
	struct store_intervals iv = { NULL, 0 };
	struct statement sm;
	struct store *st;
	char host[256], *json = NULL;

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
			rc = cli_history_opt(cmd, c, optarg, NULL, &from, &to, &seen);
			if (rc < 0)
				return cli_usage_error(cmd, "unknown option or missing value: '%s'",
						       argv[optind - 1]);
			if (rc)
				return rc;
			rc = EXIT_PROBLEM;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	have_from = !!(seen & CLI_SEEN_FROM);
	have_to = !!(seen & CLI_SEEN_TO);
	if (have_from && have_to && from > to)
		return cli_usage_error(cmd, "--from must not be after --to");
	if (!ct) {
		if (gethostname(host, sizeof(host)) < 0 || !host[0])
			snprintf(host, sizeof(host), "container");
		host[sizeof(host) - 1] = '\0';
		ct = host;
	}
	if (strlen(ct) >= STATEMENT_CT_MAX)
		return cli_usage_error(cmd, "--ct: too long");
	st = cli_open_history(cmd, db ? db : ctv_default_db());
	if (!st)
		return EXIT_PROBLEM;
	if (store_intervals(st, have_from ? from : 0, have_to ? to : (time_t)INT64_MAX / 1000, key,
			    -1, &iv, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	statement_init(&sm, STATEMENT_CTVERIFY);
	snprintf(sm.ct, sizeof(sm.ct), "%s", ct);
	sm.has_intervals = 1;
	sm.totals.has_packets = 1;
	for (size_t i = 0; i < iv.n; i++) {
		struct statement_interval si;
		/* Floors keep the order: a start is never before the previous end. */
		int64_t s = iv.v[i].start_ms / 1000, e = iv.v[i].end_ms / 1000;

		if ((have_from && s < (int64_t)from) || (have_to && e > (int64_t)to))
			continue;
		memset(&si, 0, sizeof(si));
		si.start = s;
		si.end = e;
		si.c.in_bytes = (int64_t)iv.v[i].c.in_bytes;
		si.c.in_packets = (int64_t)iv.v[i].c.in_packets;
		si.c.out_bytes = (int64_t)iv.v[i].c.out_bytes;
		si.c.out_packets = (int64_t)iv.v[i].c.out_packets;
		si.c.has_packets = 1;
		if (statement_add_interval(&sm, &si) < 0) {
			cli_error("%s: out of memory", cmd);
			statement_free(&sm);
			goto out;
		}
		sm.totals.in_bytes += si.c.in_bytes;
		sm.totals.in_packets += si.c.in_packets;
		sm.totals.out_bytes += si.c.out_bytes;
		sm.totals.out_packets += si.c.out_packets;
	}
	sm.from = have_from ? (int64_t)from : sm.nintervals ? sm.intervals[0].start : 0;
	sm.to = have_to ? (int64_t)to : sm.nintervals ? sm.intervals[sm.nintervals - 1].end : sm.from;
	json = statement_dump(&sm, &err);
	statement_free(&sm);
	if (!json) {
		cli_report(&err);
		goto out;
	}
	fputs(json, stdout);
	free(json);
	rc = fflush(stdout) == 0 ? 0 : EXIT_PROBLEM;
out:
	store_intervals_free(&iv);
	store_close(st);
	return rc;
}
