/* ctnode metrics: the kernel counters in the Prometheus text exposition
 * format (for node_exporter's textfile collector or any scraper). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "commands.h"
#include "node_nft.h"

static void family(FILE *out, const struct node_counters *nc, const char *name,
		   const char *help, int bytes)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
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

int cmd_metrics(int argc, char **argv)
{
	struct node_counters nc;
	struct ctv_err err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: ctnode metrics\n\n"
		       "Prints the node's per-container, per-class counters in the Prometheus\n"
		       "text exposition format: ctnode_bytes_total and ctnode_packets_total with\n"
		       "labels ct, class, direction (in = to the container) and family.\n"
		       "For node_exporter's textfile collector:\n"
		       "  ctnode metrics > DIR/ctnode.prom.$$ && mv DIR/ctnode.prom.$$ DIR/ctnode.prom\n");
		return 0;
	}
	if (argc > 1)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[1]);
	if (node_nft_read(&nc, &err) < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	family(stdout, &nc, "ctnode_bytes_total",
	       "L3 bytes (IP header included) counted by the node's kernel per container, network class and direction.", 1);
	family(stdout, &nc, "ctnode_packets_total",
	       "Packets counted by the node's kernel per container, network class and direction.", 0);
	node_counters_free(&nc);
	return 0;
}
