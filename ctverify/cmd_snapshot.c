/* cmd_snapshot.c - "ctverify snapshot", "collect" and "live": read every
 * counter in one pass through the backend and keep the differences (in the
 * store) or show them as rates. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cli.h"
#include "commands.h"
#include "procnet.h"
#include "render.h"
#include "rulestate.h"
#include "store.h"
#include "svcspec.h"

#define DB_NAME "ctverify.db"

/* The kernel's own figures kept with each snapshot, for reconcile. */
static const char *const snmp_protos[] = { "Udp", "Icmp", NULL };

const char *ctv_default_db(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", rulestate_dir(), DB_NAME);
	return path;
}

/* Creates the parent directory of path (one level) if missing. */
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

/* What one snapshot needs from one run to the next. */
struct snapper {
	const char *cmd;
	struct store *st;
	int warned_snmp;
	int have_last;
	uint64_t last_packets; /* all buckets, both directions, last reading */
	int no_repair;         /* rules about to change: never reinstall */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the saved spec and its backend. Exit code on failure. */
static int load_rules(const char *cmd, struct svcspec *spec, const struct backend **b)
{
	struct ctv_err err = { "" };
	char name[64];

	svcspec_init(spec);
	if (rulestate_load(name, sizeof(name), spec, &err) < 0) {
		if (errno == ENOENT)
			cli_error("%s: no accounting rules installed (run 'ctverify rules install' first)",
				  cmd);
		else
			cli_error("%s: %s", cmd, err.msg);
		svcspec_free(spec);
		return EXIT_PROBLEM;
	}
	*b = backend_find(name, &err);
	if (!*b) {
		cli_error("%s: %s", cmd, err.msg);
		svcspec_free(spec);
		return EXIT_PROBLEM;
	}
	return 0;
}

/* Reinstalls the saved spec and records the gap since the last reading. */
static int reinstall(struct snapper *sn, const struct backend *b, const struct svcspec *spec,
		     const char *why, struct ctv_err *err)
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
	cli_error("%s: our %s rules were %s; reinstalled them from the saved spec", sn->cmd,
		  b->name, why);
	snprintf(detail, sizeof(detail), "our rules were %s and were reinstalled from the saved "
		 "spec; traffic in between was not counted", why);
	if (sn->st) {
		struct store_clock clk;
		struct ctv_err e2;

		if (store_last_clock(sn->st, &clk, &e2) == 0)
			store_event_add(sn->st, "gap", NULL, 0, clk.valid ? clk.timeline_ms : now_ms(),
					now_ms(), detail, &e2);
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

/* Reads our counters in one pass. When our rules are gone (container
 * restarted, table deleted), reinstalls them from the saved spec, records
 * the gap and reads again. When nothing at all moved since the last
 * reading (not even loopback), the chains may have been flushed while the
 * counters stayed: only then is the installed rule set compared with the
 * saved spec, so busy snapshots stay one dump. */
static int read_counters(struct snapper *sn, const struct backend *b, const struct svcspec *spec,
			 struct ctv_counters *c, struct ctv_err *err)
{
	if (b->read(c, err) < 0) {
		if (errno != ENOENT || sn->no_repair || reinstall(sn, b, spec, "gone", err) < 0 ||
		    b->read(c, err) < 0)
			return -1;
	} else if (!sn->no_repair && sn->have_last && all_packets(c) == sn->last_packets && b->check) {
		char *diff = NULL;
		struct ctv_err e2 = { "" };
		int rc = b->check(spec, &diff, &e2);

		free(diff);
		if (rc == 1) {
			ctv_counters_free(c);
			if (reinstall(sn, b, spec, "changed or flushed", err) < 0 || b->read(c, err) < 0)
				return -1;
		}
	}
	ctv_counters_order(c, spec);
	sn->have_last = 1;
	sn->last_packets = all_packets(c);
	return 0;
}

/* One snapshot into the store. Returns 0 or -1 (message printed). */
static int snap_once(struct snapper *sn, struct store_result *res)
{
	struct ctv_err err = { "" };
	const struct backend *b;
	struct svcspec spec;
	int rc = -1;

	/* The spec is read every time: 'rules install' may have changed it. */
	if (load_rules(sn->cmd, &spec, &b) != 0)
		return -1;
	for (int attempt = 0; attempt < 3; attempt++) {
		struct ctv_counters c = { NULL, 0 };
		struct procnet_figures fig = { NULL, 0 }, dev = { NULL, 0 };
		struct store_sample *smp = NULL;
		struct store_scalar *sc = NULL;
		struct store_reading r;
		uint64_t up = 0;
		int have_up;

		memset(&r, 0, sizeof(r));
		if (read_counters(sn, b, &spec, &c, &err) < 0) {
			cli_error("%s: %s", sn->cmd, err.msg);
			break;
		}
		if (procnet_read_snmp("/proc/net/snmp", snmp_protos, &fig, &err) < 0 && !sn->warned_snmp) {
			cli_error("%s: warning: %s (UDP/ICMP figures not recorded)", sn->cmd, err.msg);
			sn->warned_snmp = 1;
		}
		/* Interface drops: reconcile's evidence for packets lost
		 * between the node's counters and ours. Optional. */
		procnet_read_dev("/proc/net/dev", "/sys/class/net", &dev, NULL);
		have_up = procnet_read_uptime("/proc/uptime", &up, NULL) == 0;
		smp = calloc(c.n + 1, sizeof(*smp));
		sc = calloc(fig.n + dev.n + 1, sizeof(*sc));
		if (!smp || !sc) {
			cli_error("%s: out of memory", sn->cmd);
			free(smp);
			free(sc);
			ctv_counters_free(&c);
			procnet_figures_free(&fig);
			procnet_figures_free(&dev);
			break;
		}
		for (size_t i = 0; i < c.n; i++) {
			smp[i].key = c.c[i].name;
			smp[i].c.in_bytes = c.c[i].in_bytes;
			smp[i].c.in_packets = c.c[i].in_packets;
			smp[i].c.out_bytes = c.c[i].out_bytes;
			smp[i].c.out_packets = c.c[i].out_packets;
		}
		for (size_t i = 0; i < fig.n; i++) {
			sc[i].name = fig.v[i].name;
			sc[i].value = fig.v[i].value;
		}
		for (size_t i = 0; i < dev.n; i++) {
			size_t l = strlen(dev.v[i].name);

			sc[fig.n + i].name = dev.v[i].name;
			sc[fig.n + i].gauge = l > 4 && !strcmp(dev.v[i].name + l - 4, ".mtu");
			sc[fig.n + i].value = dev.v[i].value;
		}
		if (have_up) {
			sc[fig.n + dev.n].name = "uptime";
			sc[fig.n + dev.n].gauge = 1;
			sc[fig.n + dev.n].value = up;
		}
		r.samples = smp;
		r.n_samples = c.n;
		r.scalars = sc;
		r.n_scalars = fig.n + dev.n + (size_t)have_up;
		if (store_reading_now(&r, &err) == 0)
			rc = store_record(sn->st, &r, res, &err);
		free(smp);
		free(sc);
		ctv_counters_free(&c);
		procnet_figures_free(&fig);
		procnet_figures_free(&dev);
		if (rc == 0 || errno != ESTALE)
			break;
		/* Another process recorded a newer reading meanwhile: ours is
		 * stale, read the counters again. */
	}
	if (rc < 0 && err.msg[0])
		cli_error("%s: %s", sn->cmd, err.msg);
	svcspec_free(&spec);
	return rc;
}

static struct store *open_db(const char *cmd, const char *db)
{
	struct ctv_err err = { "" };
	struct store *st;

	make_parent(db);
	st = store_open(db, STORE_WRITE, &err);
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

int ctv_snapshot_before_change(const char *cmd)
{
	struct snapper sn = { .cmd = cmd, .no_repair = 1 };
	struct store_result res;
	struct svcspec spec;
	char name[64];
	const char *db = ctv_default_db();
	int rc, installed;

	/* No history kept, or no rules of ours to read: nothing to save. */
	svcspec_init(&spec);
	installed = rulestate_load(name, sizeof(name), &spec, NULL) == 0;
	svcspec_free(&spec);
	if (!installed || access(db, F_OK) < 0)
		return 0;
	sn.st = open_db(cmd, db);
	if (!sn.st)
		return -1;
	rc = snap_once(&sn, &res);
	store_close(sn.st);
	return rc;
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
	struct snapper sn = { .cmd = cmd };
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
	sn.st = open_db(cmd, db ? db : ctv_default_db());
	if (!sn.st)
		return EXIT_PROBLEM;
	rc = snap_once(&sn, &res);
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
		"anything twice. Our rules gone (or, seen when nothing moved in an\n"
		"interval, flushed or changed): reinstalled from the saved spec, the gap\n"
		"recorded, collection goes on.\n\n"
		"  --db PATH             the store (default $CTVERIFY_STATEDIR/" DB_NAME ")\n"
		"  -i, --interval SECS   seconds between snapshots, 1 to 3600 (default 60)\n"
		"  --minute-days DAYS    keep minute rows this long (default 7, or what the\n"
		"                        last collect chose); hour rows are kept for ever\n"
		"  -h, --help            show this help\n");
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
	struct snapper sn = { .cmd = cmd };
	struct store_result res;
	int c, failures = 0;

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
	cli_catch_stop();
	sn.st = open_db(cmd, db ? db : ctv_default_db());
	if (!sn.st)
		return EXIT_PROBLEM;
	if (minute_days)
		store_set_minute_keep(sn.st, (int64_t)minute_days * 86400);
	/* A first snapshot right away: after a restart it closes the interval
	 * the previous run left open. */
	if (snap_once(&sn, &res) < 0)
		failures++;
	while (!cli_stop_requested()) {
		cli_sleep_to_boundary(interval);
		/* Also on a stop signal: the interval in progress is recorded. */
		if (snap_once(&sn, &res) < 0) {
			/* Keep going: the next snapshot covers this one's interval. */
			failures++;
		} else {
			failures = 0;
		}
	}
	store_close(sn.st);
	return failures ? EXIT_PROBLEM : 0;
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

static char *rate(uint64_t bytes, double secs, char *buf, size_t len)
{
	render_human(secs > 0 ? (uint64_t)((double)bytes / secs) : 0, buf, len);
	if (strlen(buf) + 2 < len)
		strcat(buf, "/s");
	return buf;
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
	struct snapper sn = { .cmd = cmd };
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
	cli_catch_stop();
	while (!cli_stop_requested()) {
		struct ctv_err err = { "" };
		struct ctv_counters cur = { NULL, 0 };
		const struct backend *b;
		struct svcspec spec;
		struct timespec tnow;
		double secs;

		if (load_rules(cmd, &spec, &b) != 0) {
			ctv_counters_free(&prev);
			return EXIT_PROBLEM;
		}
		if (read_counters(&sn, b, &spec, &cur, &err) < 0) {
			cli_error("%s: %s", cmd, err.msg);
			svcspec_free(&spec);
			ctv_counters_free(&prev);
			return EXIT_PROBLEM;
		}
		svcspec_free(&spec);
		clock_gettime(CLOCK_BOOTTIME, &tnow);
		secs = (double)(tnow.tv_sec - tprev.tv_sec) + (double)(tnow.tv_nsec - tprev.tv_nsec) / 1e9;
		if (prev.c) {
			char tbuf[32], ib[32], ob[32];
			time_t wall = time(NULL);
			struct tm tm;

			localtime_r(&wall, &tm);
			strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
			if (tty)
				printf("\033[H\033[2J%s  every %lu s (Ctrl-C to stop)\n\n%-24s %14s %14s\n",
				       tbuf, interval, "service", "in", "out");
			for (size_t i = 0; i < cur.n; i++) {
				struct store_counts a, z, d;

				z = (struct store_counts){ cur.c[i].in_bytes, cur.c[i].in_packets,
							   cur.c[i].out_bytes, cur.c[i].out_packets };
				a = z; /* a bucket not seen before shows 0 */
				for (size_t j = 0; j < prev.n; j++)
					if (!strcmp(prev.c[j].name, cur.c[i].name)) {
						a = (struct store_counts){ prev.c[j].in_bytes, prev.c[j].in_packets,
									   prev.c[j].out_bytes, prev.c[j].out_packets };
						break;
					}
				store_delta(&a, &z, &d);
				rate(d.in_bytes, secs, ib, sizeof(ib));
				rate(d.out_bytes, secs, ob, sizeof(ob));
				if (tty)
					printf("%-24s %14s %14s\n", cur.c[i].name, ib, ob);
				else
					printf("%s %s in=%" PRIu64 " out=%" PRIu64 " in_rate=%s out_rate=%s\n",
					       tbuf, cur.c[i].name, d.in_bytes, d.out_bytes, ib, ob);
			}
			fflush(stdout);
		}
		ctv_counters_free(&prev);
		prev = cur;
		tprev = tnow;
		cli_sleep(interval);
	}
	ctv_counters_free(&prev);
	return 0;
}
