/* ctnode metrics: the kernel counters in the Prometheus text exposition
 * format (for node_exporter's textfile collector or any scraper), with the
 * history store's last snapshot time and gap events. */
#include "config.h"

#include <stdio.h>
#include <getopt.h>

#include "cli.h"
#include "commands.h"
#include "node_nft.h"
#include "node_snapshot.h"
#include "node_stat.h"
#include "promtext.h"

static void usage(void)
{
	printf("Usage: ctnode metrics [--db PATH] [--textfile DIR]\n\n"
	       "Prints the node's per-container, per-class counters in the Prometheus\n"
	       "text exposition format: ctnode_bytes_total and ctnode_packets_total with\n"
	       "labels ct, class, direction (in = to the container) and family; and from\n"
	       "the history store (when there is one) ctnode_last_snapshot_timestamp_seconds\n"
	       "and ctnode_gap_events_total; ctnode_container_hooked (1/0) per bridged one.\n\n"
	       "  --db PATH        the store (default $CTNODE_STATEDIR/ctnode.db)\n"
	       "  --textfile DIR   write DIR/ctnode.prom for node_exporter's textfile\n"
	       "                   collector instead: DIR/ctnode.prom.tmp, fsync, rename\n"
	       "  -h, --help       show this help\n");
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "textfile", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *dir = NULL;
	struct node_counters nc;
	struct ctv_err err;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 't': dir = optarg; break;
		case 'h': usage(); return 0;
		default: return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (node_nft_read_hooks(&nc, NULL, &err) < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	rc = promtext_write(stdout, dir, "ctnode", db ? db : node_snapshot_default_db(), node_stat_print_metrics, &nc, &err);
	node_counters_free(&nc);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	return 0;
}
