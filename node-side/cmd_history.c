/* cmd_history.c - "ctnode snapshot", "collect", "report" and "export": the
 * kernel's per-container, per-class counters as minute history in the same
 * store ctverify uses (series: CTID and class). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "node_nft.h"
#include "period.h"
#include "render.h"
#include "statement.h"
#include "store.h"
#include "timearg.h"

#define DB_NAME "ctnode.db"

static const char *statedir(void)
{
	const char *d = getenv("CTNODE_STATEDIR");

	return d && *d ? d : LOCALSTATEDIR "/lib/ctnode";
}

static const char *default_db(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", statedir(), DB_NAME);
	return path;
}

const char *ctnode_default_db(void)
{
	return default_db();
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct store *open_write(const char *cmd, const char *db)
{
	struct ctv_err err = { "" };
	struct store *st;

	if (!strcmp(db, default_db()))
		mkdir(statedir(), 0755);
	st = store_open(db, STORE_WRITE, &err);
	if (!st)
		cli_error("%s: %s", cmd, err.msg);
	return st;
}

/* One snapshot: every counter in one dump, IPv4 and IPv6 summed per
 * container and class. Our table gone is recorded as a gap once; setup
 * is the administrator's, so it is not reinstalled behind their back.
 * Returns 0 or -1 (printed). */
static int snap_once(const char *cmd, struct store *st, int *gone, struct store_result *res)
{
	struct ctv_err err = { "" };
	int rc = -1;

	for (int attempt = 0; attempt < 3; attempt++) {
		struct node_counters nc = { NULL, 0 };
		struct store_sample *smp;
		struct store_reading r;
		size_t n = 0;

		if (node_nft_read(&nc, &err) < 0) {
			if (errno == ENOENT && !*gone) {
				struct store_clock clk;
				struct ctv_err e2;

				*gone = 1;
				if (store_last_clock(st, &clk, &e2) == 0)
					store_event_add(st, "gap", NULL, 0,
							clk.valid ? clk.timeline_ms : now_ms(), now_ms(),
							"the ctnode table is not installed (ctnode setup); "
							"nothing is counted until it is", &e2);
			}
			cli_error("%s: %s", cmd, err.msg);
			return -1;
		}
		*gone = 0;
		smp = calloc(nc.n + 1, sizeof(*smp));
		if (!smp) {
			node_counters_free(&nc);
			cli_error("%s: out of memory", cmd);
			return -1;
		}
		/* Rows come sorted by ct, class, family: families are adjacent. */
		for (size_t i = 0; i < nc.n; i++) {
			const struct node_counter *v = &nc.v[i];

			if (!n || strcmp(smp[n - 1].key, v->ct) || smp[n - 1].sub != v->cls) {
				smp[n].key = v->ct;
				smp[n].sub = v->cls;
				n++;
			}
			smp[n - 1].c.in_bytes += v->in_bytes;
			smp[n - 1].c.in_packets += v->in_packets;
			smp[n - 1].c.out_bytes += v->out_bytes;
			smp[n - 1].c.out_packets += v->out_packets;
		}
		memset(&r, 0, sizeof(r));
		r.samples = smp;
		r.n_samples = n;
		if (store_reading_now(&r, &err) == 0)
			rc = store_record(st, &r, res, &err);
		free(smp);
		node_counters_free(&nc);
		if (rc == 0 || errno != ESTALE)
			break;
	}
	if (rc < 0)
		cli_error("%s: %s", cmd, err.msg);
	return rc;
}

static unsigned long minute_days; /* collect --minute-days, 0: keep the store's */

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
	struct store *st;
	int c, rc, gone = 0;

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
	st = open_write(cmd, db ? db : default_db());
	if (!st)
		return EXIT_PROBLEM;
	rc = snap_once(cmd, st, &gone, &res);
	store_close(st);
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
		"anything twice.\n\n"
		"  --db PATH             the store (default $CTNODE_STATEDIR/" DB_NAME ")\n"
		"  -i, --interval SECS   seconds between snapshots, 1 to 3600 (default 60)\n"
		"  --minute-days DAYS    keep minute rows this long (default 7, or what the\n"
		"                        last collect chose; about 25 bytes per container,\n"
		"                        class and minute with traffic); hours are kept for ever\n"
		"  -h, --help            show this help\n");
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
	struct store_result res;
	struct store *st;
	int c, rc, gone = 0, failures = 0;

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
	cli_catch_stop();
	st = open_write(cmd, db ? db : default_db());
	if (!st)
		return EXIT_PROBLEM;
	if (minute_days)
		store_set_minute_keep(st, (int64_t)minute_days * 86400);
	failures = snap_once(cmd, st, &gone, &res) < 0;
	while (!cli_stop_requested()) {
		cli_sleep_to_boundary(interval);
		/* Also after a stop signal: the interval in progress is kept. */
		failures = snap_once(cmd, st, &gone, &res) < 0;
	}
	store_close(st);
	return failures ? EXIT_PROBLEM : 0;
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
			rc = cli_history_opt(cmd, c, optarg, &q.by, &q.from, &q.to, NULL);
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
	if (q.from >= q.to)
		return cli_usage_error(cmd, "--from must be before --to");
	st = cli_open_history(cmd, db ? db : default_db());
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

/* Adds the intervals of ct (class sub, or all when < 0) lying wholly in the
 * window to *sum, and to sm's interval list when sm is not NULL. */
static int window_sum(struct store *st, const char *ct, int sub, int64_t from, int64_t to,
		      struct statement_counts *sum, struct statement *sm, struct ctv_err *err)
{
	struct store_intervals iv;

	if (store_intervals(st, (time_t)from, (time_t)to, ct, sub, &iv, err) < 0)
		return -1;
	for (size_t i = 0; i < iv.n; i++) {
		struct statement_interval si;
		int64_t s = iv.v[i].start_ms / 1000, e = iv.v[i].end_ms / 1000;

		if (s < from || e > to)
			continue;
		memset(&si, 0, sizeof(si));
		si.start = s;
		si.end = e;
		si.c.has_packets = 1;
		si.c.in_bytes = (int64_t)iv.v[i].c.in_bytes;
		si.c.in_packets = (int64_t)iv.v[i].c.in_packets;
		si.c.out_bytes = (int64_t)iv.v[i].c.out_bytes;
		si.c.out_packets = (int64_t)iv.v[i].c.out_packets;
		sum->in_bytes += si.c.in_bytes;
		sum->in_packets += si.c.in_packets;
		sum->out_bytes += si.c.out_bytes;
		sum->out_packets += si.c.out_packets;
		if (sm && statement_add_interval(sm, &si) < 0) {
			store_intervals_free(&iv);
			ctv_err_sys(err, ENOMEM, "statement");
			return -1;
		}
	}
	store_intervals_free(&iv);
	return 0;
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
	time_t from = 0, to = 0;
	unsigned seen = 0;
	int have_from, have_to, c, rc = EXIT_PROBLEM;
	struct ctv_err err = { "" };
	struct store_query q;
	struct store_rows classes = { NULL, 0 };
	struct statement sm;
	struct store *st;
	char *json = NULL;
	int64_t f, t;

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
			rc = cli_history_opt(cmd, c, optarg, NULL, &from, &to, &seen);
			if (rc < 0)
				rc = parse_common(c, cmd, argv, &db, NULL);
			if (rc)
				return rc;
			rc = EXIT_PROBLEM;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!ct)
		return cli_usage_error(cmd, "--ct CTID is required");
	if (strlen(ct) >= STATEMENT_CT_MAX)
		return cli_usage_error(cmd, "--ct: too long");
	have_from = !!(seen & CLI_SEEN_FROM);
	have_to = !!(seen & CLI_SEEN_TO);
	if (have_from && have_to && from > to)
		return cli_usage_error(cmd, "--from must not be after --to");
	st = cli_open_history(cmd, db ? db : default_db());
	if (!st)
		return EXIT_PROBLEM;
	f = have_from ? (int64_t)from : 0;
	t = have_to ? (int64_t)to : INT64_MAX / 1000;
	statement_init(&sm, STATEMENT_CTNODE);
	snprintf(sm.ct, sizeof(sm.ct), "%s", ct);
	sm.has_intervals = 1;
	sm.has_classes = 1;
	sm.totals.has_packets = 1;
	/* Which classes the container has: the per-class report over all time. */
	store_query_init(&q);
	q.by = PERIOD_TOTAL;
	q.key = ct;
	q.by_sub = 1;
	if (store_report(st, &q, &classes, &err) < 0 ||
	    window_sum(st, ct, -1, f, t, &sm.totals, &sm, &err) < 0)
		goto fail;
	for (size_t i = 0; i < classes.n && sm.nclasses < STATEMENT_CLASSES; i++) {
		struct statement_class *sc = &sm.classes[sm.nclasses];

		if (classes.v[i].sub < 0 || classes.v[i].sub >= STATEMENT_CLASSES)
			continue;
		memset(sc, 0, sizeof(*sc));
		sc->id = classes.v[i].sub;
		sc->c.has_packets = 1;
		if (window_sum(st, ct, sc->id, f, t, &sc->c, NULL, &err) < 0)
			goto fail;
		sm.nclasses++;
	}
	sm.from = have_from ? f : sm.nintervals ? sm.intervals[0].start : 0;
	sm.to = have_to ? t : sm.nintervals ? sm.intervals[sm.nintervals - 1].end : sm.from;
	json = statement_dump(&sm, &err);
	if (!json)
		goto fail;
	fputs(json, stdout);
	free(json);
	rc = fflush(stdout) == 0 ? 0 : EXIT_PROBLEM;
	goto out;
fail:
	cli_report(&err);
	rc = EXIT_PROBLEM;
out:
	statement_free(&sm);
	store_rows_free(&classes);
	store_close(st);
	return rc;
}
