/* ctverify metrics: the installed rules' per-service counters (what
 * "rules show --format json" prints) in the Prometheus text exposition
 * format, with the history store's last snapshot time and gap events. */
#include "config.h"

#include <stdio.h>
#include <getopt.h>
#include <string.h>

#include "backend.h"
#include "buckets.h"
#include "cli.h"
#include "commands.h"
#include "promtext.h"
#include "snapshot.h"

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
	const struct backend *b;
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
	if (buckets_read(bopt, &cs, &b, &err) < 0) {
		cli_error("%s: %s%s%s", argv[0], b ? b->name : "", b ? " backend: " : "", err.msg);
		return b ? EXIT_PROBLEM : EXIT_USAGE;
	}
	rc = promtext_write(stdout, dir, "ctverify", db ? db : snapshot_default_db(),
			    buckets_print_metrics, &cs, &err);
	ctv_counters_free(&cs);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	return 0;
}
