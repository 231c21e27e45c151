/* ctnode stat: the kernel counters in the vznetstat layout. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "commands.h"
#include "node_nft.h"
#include "node_stat.h"

#define MAX_FILTERS 1024

static void stat_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctnode stat [-4|-6] [-v CTID]... [-c CLASS]... [-a] [-r] [--format table|json]\n\n"
		"Prints the kernel's per-container, per-class counters like vznetstat:\n"
		"  CTID  Net.Class  Input(bytes)  Input(pkts)  Output(bytes)  Output(pkts)\n"
		"Input is traffic to the container, output from it; bytes are L3 lengths.\n\n"
		"  -4, -6             IPv4 or IPv6 only (default: both, summed)\n"
		"  -v CTID            only this container (repeatable)\n"
		"  -c CLASS           only this class, 0-15 (repeatable)\n"
		"  -a                 all 16 classes, also those not configured\n"
		"  -r                 round to K/M/G (tables only)\n"
		"  --format FMT       table (default) or json: rows {ct, class, in_bytes,\n"
		"                     in_packets, out_bytes, out_packets}\n"
		"  -h, --help         show this help\n");
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cts[MAX_FILTERS];
	size_t ncts = 0;
	long nrows;
	uint16_t classes = 0;
	int v4 = 0, v6 = 0, all = 0, round = 0, json = 0, c;
	unsigned long cl;
	struct node_counters nc;
	struct ctv_err err;
	struct node_stat_filter f;
	struct node_stat_row *rows;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "46v:c:arh", opts, NULL)) != -1) {
		switch (c) {
		case '4': v4 = 1; break;
		case '6': v6 = 1; break;
		case 'a': all = 1; break;
		case 'r': round = 1; break;
		case 'v':
			if (!containers_id_valid(optarg))
				return cli_usage_error(argv[0], "-v: '%s' is not a container id", optarg);
			if (ncts == MAX_FILTERS)
				return cli_usage_error(argv[0], "too many -v");
			cts[ncts++] = optarg;
			break;
		case 'c':
			if (cli_uint_arg(argv[0], "-c", optarg, 0, CLASSES_MAX - 1, &cl) < 0)
				return EXIT_USAGE;
			classes |= (uint16_t)(1u << cl);
			break;
		case 'F':
			if (!strcmp(optarg, "json"))
				json = 1;
			else if (strcmp(optarg, "table"))
				return cli_usage_error(argv[0], "--format: '%s' is not table or json", optarg);
			break;
		case 'h': stat_usage(stdout); return 0;
		case '?':
			if (optopt == 'v' || optopt == 'c')
				return cli_usage_error(argv[0], "option '-%c' needs an argument", optopt);
			/* fall through */
		default:
			return cli_usage_error(argv[0], "unknown option or missing argument: '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (v4 && v6)
		v4 = v6 = 0;
	f = (struct node_stat_filter){ cts, ncts, v4 ? AF_INET : v6 ? AF_INET6 : 0, all, classes };
	if (node_nft_read_hooks(&nc, &cli_notices, &err) < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	nrows = node_stat_rows(&nc, &f, &rows);
	if (nrows < 0) {
		node_counters_free(&nc);
		cli_error("out of memory");
		return EXIT_PROBLEM;
	}
	node_stat_print(stdout, rows, (size_t)nrows, &f, round, json);
	free(rows);
	node_counters_free(&nc);
	return 0;
}
