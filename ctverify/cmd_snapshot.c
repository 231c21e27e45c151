/* cmd_snapshot.c - "ctverify snapshot", "collect" and "live": read every
 * counter in one pass through the backend and keep the differences (in the
 * store) or show them as rates. */
#include "config.h"

#include <stdio.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "buckets.h"
#include "cli.h"
#include "collect.h"
#include "commands.h"
#include "render.h"
#include "snapshot.h"
#include "store.h"
#include "svcspec.h"

#define DB_NAME "ctverify.db"

static void snapper_init(struct snapshot *sn, const char *cmd)
{
	memset(sn, 0, sizeof(*sn));
	sn->warn.fn = cli_notice; /* "ctverify: snapshot: ..." */
	sn->warn.arg = (void *)cmd;
}

/* One snapshot; 0, or -1 with the error printed. */
static int snap_once(struct snapshot *sn, struct store_result *res)
{
	struct ctv_err err = { "" };
	char line[CTV_ERR_MAX + 160];
	int rc = snapshot_take(sn, res, &err);

	if (collect_say_now(rc, err.msg, line, sizeof(line)))
		cli_error("%s: %s", (const char *)sn->warn.arg, line);
	return rc;
}

static struct store *open_db(const char *cmd, const char *db, int collector, unsigned long days)
{
	struct ctv_err err = { "" };
	struct store *st = snapshot_open_store(db, &err);

	if (st && collector)
		st = collect_claim(st, days, &err);
	if (!st)
		cli_error("%s: %s", cmd, err.msg);
	return st;
}

static void report_result(const struct store_result *res)
{
	if (res->baseline)
		printf("baseline recorded; differences start with the next snapshot\n");
	else
		printf("recorded %.1f s%s%s\n",
		       (double)(res->span.end_ms - res->span.start_ms) / 1000.0,
		       res->resets ? ", counter reset(s) recorded" : "",
		       res->span.step_ms ? ", wall clock step recorded" : "");
}

static void snapshot_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify snapshot [--db PATH]\n\n"
		"Reads every accounting counter in one pass and stores the difference\n"
		"since the previous snapshot per service and direction. The first\n"
		"snapshot is a baseline. Counters that went back (rules reinstalled,\n"
		"container restarted) count from zero and are recorded as resets; when\n"
		"our rules are gone they are reinstalled from the saved spec.\n\n"
		"  --db PATH    the store (default $CTVERIFY_STATEDIR/" DB_NAME ",\n"
		"               $CTVERIFY_STATEDIR defaulting to " LOCALSTATEDIR "/lib/ctverify)\n"
		"  -h, --help   show this help\n");
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	struct snapshot sn;
	struct store_result res;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'h':
			snapshot_usage(stdout);
			return 0;
		default:
			return cli_usage_error(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	snapper_init(&sn, cmd);
	sn.st = open_db(cmd, db ? db : snapshot_default_db(), 0, 0);
	if (!sn.st)
		return EXIT_PROBLEM;
	rc = snap_once(&sn, &res);
	snapshot_free(&sn);
	store_close(sn.st);
	if (rc < 0)
		return EXIT_PROBLEM;
	report_result(&res);
	return 0;
}

/* ---- collect ------------------------------------------------------------- */

static void collect_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify collect [--db PATH] [--interval SECONDS]\n\n"
		"Takes a snapshot at every multiple of the interval of the wall clock\n"
		"until stopped. SIGTERM or SIGINT records the interval in progress and\n"
		"exits; a kill -9 loses at most the interval in flight, never counts\n"
		"anything twice. Our rules gone or changed (a firewall reload: seen from\n"
		"nftables events at once, and by reading our counters every 0.5 to 15 s):\n"
		"reinstalled from the saved spec, the gap recorded, collection goes on.\n\n"
		"  --db PATH             the store (default $CTVERIFY_STATEDIR/" DB_NAME ")\n"
		"  -i, --interval SECS   seconds between snapshots, 1 to 3600 (default 60)\n"
		"  --minute-days DAYS    keep minute rows this long (default 7, or what the\n"
		"                        last collect chose); hour rows are kept for ever\n"
		"  -h, --help            show this help\n");
}

static int collect_snap(void *arg)
{
	struct store_result res;

	return snap_once(arg, &res);
}

int cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "minute-days", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *db = NULL;
	unsigned long interval = 60, minute_days = 0;
	struct snapshot sn;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'i':
			if (cli_uint_arg(cmd, "--interval", optarg, 1, 3600, &interval) < 0)
				return EXIT_USAGE;
			break;
		case 'm':
			if (cli_uint_arg(cmd, "--minute-days", optarg, 1, 3660, &minute_days) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			collect_usage(stdout);
			return 0;
		default:
			return cli_usage_error(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	collect_catch_stop();
	snapper_init(&sn, cmd);
	sn.st = open_db(cmd, db ? db : snapshot_default_db(), 1, minute_days);
	if (!sn.st)
		return EXIT_PROBLEM;
	rc = snapshot_collect(&sn, interval, collect_snap);
	store_close(sn.st);
	return rc < 0 ? EXIT_PROBLEM : 0;
}

/* ---- live ---------------------------------------------------------------- */

static void live_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify live [--interval SECONDS]\n\n"
		"Shows per-service traffic rates (bytes per second, in and out), updated\n"
		"every interval until interrupted. On a terminal the table is redrawn in\n"
		"place; otherwise one line per service and interval is printed.\n"
		"Nothing is stored.\n\n"
		"  -i, --interval SECS   seconds between updates, 1 to 3600 (default 2)\n"
		"  -h, --help            show this help\n");
}

int cmd_live(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	unsigned long interval = 2;
	struct snapshot sn;
	struct ctv_counters prev = { NULL, 0 };
	struct timespec tprev = { 0, 0 };
	int c, tty = isatty(STDOUT_FILENO);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (cli_uint_arg(cmd, "--interval", optarg, 1, 3600, &interval) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			live_usage(stdout);
			return 0;
		default:
			return cli_usage_error(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	snapper_init(&sn, cmd);
	collect_catch_stop();
	while (!collect_stop_requested()) {
		struct ctv_err err = { "" };
		struct ctv_counters cur = { NULL, 0 };
		const struct backend *b;
		struct svcspec spec;
		struct timespec tnow;
		double secs;

		if (snapshot_load_rules(&sn, &spec, &b, &err) < 0) {
			cli_error("%s: %s", cmd, err.msg);
			ctv_counters_free(&prev);
			return EXIT_PROBLEM;
		}
		if (snapshot_read(&sn, b, &spec, &cur, &err) < 0) {
			cli_error("%s: %s", cmd, err.msg);
			svcspec_free(&spec);
			ctv_counters_free(&prev);
			return EXIT_PROBLEM;
		}
		svcspec_free(&spec);
		clock_gettime(CLOCK_BOOTTIME, &tnow);
		secs = (double)(tnow.tv_sec - tprev.tv_sec) + (double)(tnow.tv_nsec - tprev.tv_nsec) / 1e9;
		if (prev.c) {
			buckets_print_rates(stdout, &prev, &cur, secs, tty ? interval : 0);
			fflush(stdout);
		}
		ctv_counters_free(&prev);
		prev = cur;
		tprev = tnow;
		collect_sleep(interval);
	}
	ctv_counters_free(&prev);
	return 0;
}
