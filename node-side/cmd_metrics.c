/* ctnode metrics: the kernel counters in the Prometheus text exposition
 * format (for node_exporter's textfile collector or any scraper), with the
 * history store's last snapshot time and gap events. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "commands.h"
#include "node_nft.h"
#include "promtext.h"

static void family(FILE *out, const struct node_counters *nc, const char *name,
		   const char *help, int bytes)
{
	promtext_family(out, name, "counter", help);
	for (size_t i = 0; i < nc->n; i++) {
		const struct node_counter *k = &nc->v[i];
		const char *fam = k->family == AF_INET ? "ipv4" : "ipv6";

		/* Container ids are [A-Za-z0-9._-]: nothing to escape. */
		fprintf(out, "%s{ct=\"%s\",class=\"%u\",direction=\"in\",family=\"%s\"} %" PRIu64 "\n",
			name, k->ct, k->cls, fam, bytes ? k->in_bytes : k->in_packets);
		fprintf(out, "%s{ct=\"%s\",class=\"%u\",direction=\"out\",family=\"%s\"} %" PRIu64 "\n",
			name, k->ct, k->cls, fam, bytes ? k->out_bytes : k->out_packets);
	}
}

static void usage(void)
{
	printf("Usage: ctnode metrics [--db PATH] [--textfile DIR]\n\n"
	       "Prints the node's per-container, per-class counters in the Prometheus\n"
	       "text exposition format: ctnode_bytes_total and ctnode_packets_total with\n"
	       "labels ct, class, direction (in = to the container) and family; and from\n"
	       "the history store (when there is one) ctnode_last_snapshot_timestamp_seconds\n"
	       "and ctnode_gap_events_total.\n\n"
	       "  --db PATH        the store (default $CTNODE_STATEDIR/ctnode.db)\n"
	       "  --textfile DIR   write DIR/ctnode.prom for node_exporter's textfile\n"
	       "                   collector instead: DIR/ctnode.prom.tmp, fsync, rename\n"
	       "  -h, --help       show this help\n");
}

/* Both families, the body of the exposition. */
static void counters(FILE *out, const void *arg)
{
	const struct node_counters *nc = arg;

	family(out, nc, "ctnode_bytes_total",
	       "L3 bytes (IP header included) counted by the node's kernel per container, network class and direction.", 1);
	family(out, nc, "ctnode_packets_total",
	       "Packets counted by the node's kernel per container, network class and direction.", 0);
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
	if (node_nft_read(&nc, &err) < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	rc = promtext_write(stdout, dir, "ctnode", db ? db : ctnode_default_db(), counters, &nc, &err);
	node_counters_free(&nc);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	return 0;
}
