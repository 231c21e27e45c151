/* ctverify metrics: the installed rules' per-service counters (what
 * "rules show --format json" prints) in the Prometheus text exposition
 * format, with the history store's last snapshot time and gap events. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "commands.h"
#include "promtext.h"
#include "rulestate.h"
#include "svcspec.h"

static void usage(void)
{
	printf("Usage: ctverify metrics [--db PATH] [--backend auto|nft|iptables] [--textfile DIR]\n\n"
	       "Prints the per-service counters of the installed rules (local, each service,\n"
	       "other) in the Prometheus text exposition format: ctverify_bytes_total and\n"
	       "ctverify_packets_total with labels service and direction (in = received by\n"
	       "the container); and from the history store (when there is one)\n"
	       "ctverify_last_snapshot_timestamp_seconds and ctverify_gap_events_total.\n\n"
	       "  --db PATH           the store (default $CTVERIFY_STATEDIR/ctverify.db)\n"
	       "  -b, --backend NAME  auto (default), nft or iptables\n"
	       "  --textfile DIR      write DIR/ctverify.prom for node_exporter's textfile\n"
	       "                      collector instead: DIR/ctverify.prom.tmp, fsync, rename\n"
	       "  -h, --help          show this help\n");
}

/* The live counters in spec order, through the backend holding our rules. */
static int read_counters(const char *cmd, const char *bopt, struct ctv_counters *cs)
{
	struct ctv_err err = { "" };
	char saved[64] = "";
	const struct backend *b;
	struct svcspec spec;

	svcspec_init(&spec);
	if (rulestate_load(saved, sizeof(saved), &spec, &err) < 0)
		saved[0] = '\0';
	b = backend_choose(bopt, saved[0] ? saved : NULL, &err);
	if (!b || b->read(cs, &err) < 0) {
		cli_error("%s: %s%s%s", cmd, b ? b->name : "", b ? " backend: " : "", err.msg);
		svcspec_free(&spec);
		return b ? EXIT_PROBLEM : EXIT_USAGE;
	}
	ctv_counters_order(cs, &spec);
	svcspec_free(&spec);
	return 0;
}

static void family(FILE *out, const struct ctv_counters *cs, const char *name,
		   const char *help, int bytes)
{
	promtext_family(out, name, "counter", help);
	for (size_t i = 0; i < cs->n; i++) {
		const struct ctv_counter *k = &cs->c[i];

		/* Service names are [A-Za-z0-9_.-]: nothing to escape. */
		fprintf(out, "%s{service=\"%s\",direction=\"in\"} %" PRIu64 "\n", name, k->name,
			bytes ? k->in_bytes : k->in_packets);
		fprintf(out, "%s{service=\"%s\",direction=\"out\"} %" PRIu64 "\n", name, k->name,
			bytes ? k->out_bytes : k->out_packets);
	}
}

/* Both families, the body of the exposition. */
static void counters(FILE *out, const void *arg)
{
	const struct ctv_counters *cs = arg;

	family(out, cs, "ctverify_bytes_total",
	       "IP bytes (header included) counted by the container's rules per service and direction.", 1);
	family(out, cs, "ctverify_packets_total",
	       "Packets counted by the container's rules per service and direction.", 0);
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "backend", required_argument, NULL, 'b' },
		{ "textfile", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *dir = NULL, *bopt = NULL;
	struct ctv_counters cs;
	struct ctv_err err = { "" };
	int c, rc;

	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 't': dir = optarg; break;
		case 'b':
			if (strcmp(optarg, "auto") && strcmp(optarg, "nft") && strcmp(optarg, "iptables"))
				return cli_usage_error(argv[0], "--backend: '%s': expected auto, nft or iptables",
						       optarg);
			bopt = optarg;
			break;
		case 'h': usage(); return 0;
		default: return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	rc = read_counters(argv[0], bopt, &cs);
	if (rc)
		return rc;
	rc = promtext_write(stdout, dir, "ctverify", db ? db : ctv_default_db(), counters, &cs, &err);
	ctv_counters_free(&cs);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	return 0;
}
