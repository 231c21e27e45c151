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

static const char *human(uint64_t v, int round, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (!round || v < 1024) {
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c", d, units[u]);
	return buf;
}

struct row {
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	uint64_t ib, ip, ob, op;
};

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cts[MAX_FILTERS];
	size_t ncts = 0, nrows = 0;
	uint16_t classes = 0;
	int v4 = 0, v6 = 0, all = 0, round = 0, json = 0, c;
	unsigned long cl;
	struct node_counters nc;
	struct ctv_err err;
	struct row *rows;
	int width = 10;

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
	if (node_nft_read(&nc, &err) < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	rows = calloc(nc.n * CLASSES_MAX + 1, sizeof(*rows));
	if (!rows) {
		node_counters_free(&nc);
		cli_error("out of memory");
		return EXIT_PROBLEM;
	}
	/* One row per container and class: families summed unless -4/-6;
	 * with -a every class of every container. */
	for (size_t i = 0; i < nc.n; i++) {
		const struct node_counter *k = &nc.v[i];
		int want = !ncts;
		struct row *r = NULL;

		for (size_t j = 0; j < ncts; j++)
			if (!strcmp(cts[j], k->ct))
				want = 1;
		if (!want)
			continue;
		if (!nrows || strcmp(rows[nrows - 1].ct, k->ct)) {
			/* A new container: with -a, lay out all 16 classes now. */
			if (all)
				for (unsigned x = 0; x < CLASSES_MAX; x++) {
					snprintf(rows[nrows].ct, sizeof(rows[nrows].ct), "%s", k->ct);
					rows[nrows++].cls = x;
				}
		}
		if (all) {
			for (size_t j = nrows - CLASSES_MAX; j < nrows; j++)
				if (rows[j].cls == k->cls)
					r = &rows[j];
		} else if (nrows && !strcmp(rows[nrows - 1].ct, k->ct) && rows[nrows - 1].cls == k->cls) {
			r = &rows[nrows - 1];
		}
		if (!r) {
			r = &rows[nrows++];
			snprintf(r->ct, sizeof(r->ct), "%s", k->ct);
			r->cls = k->cls;
		}
		if ((v4 && k->family != AF_INET) || (v6 && k->family != AF_INET6))
			continue;
		r->ib += k->in_bytes;
		r->ip += k->in_packets;
		r->ob += k->out_bytes;
		r->op += k->out_packets;
	}
	for (size_t i = 0; i < nrows; i++)
		if ((int)strlen(rows[i].ct) > width)
			width = (int)strlen(rows[i].ct);
	if (json)
		fputs("[", stdout);
	else
		printf("%-*s %9s %15s %12s %15s %12s\n", width, "CTID", "Net.Class", "Input(bytes)",
		       "Input(pkts)", "Output(bytes)", "Output(pkts)");
	for (size_t i = 0, shown = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		char a[32], b[32], x[32], y[32];

		if (classes && !(classes & (1u << r->cls)))
			continue;
		if (json)
			printf("%s\n  {\"ct\": \"%s\", \"class\": %u, \"in_bytes\": %" PRIu64
			       ", \"in_packets\": %" PRIu64 ", \"out_bytes\": %" PRIu64
			       ", \"out_packets\": %" PRIu64 "}", shown ? "," : "",
			       r->ct, r->cls, r->ib, r->ip, r->ob, r->op);
		else
			printf("%-*s %9u %15s %12s %15s %12s\n", width, r->ct, r->cls,
			       human(r->ib, round, a, sizeof(a)), human(r->ip, round, b, sizeof(b)),
			       human(r->ob, round, x, sizeof(x)), human(r->op, round, y, sizeof(y)));
		shown++;
	}
	if (json)
		puts("\n]");
	free(rows);
	node_counters_free(&nc);
	return 0;
}
