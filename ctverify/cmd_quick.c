/* cmd_quick.c - "ctverify quick": the zero-setup estimate. Reads the
 * counters the firewall already keeps at its INPUT/OUTPUT hooks and puts
 * them next to the uptime, with what they do and do not mean. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "buckets.h"
#include "cli.h"
#include "commands.h"
#include "rulestate.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify quick [--backend auto|nft|iptables]\n\n"
		"Prints received and sent traffic from the firewall's existing INPUT and\n"
		"OUTPUT counters (legacy iptables: policy and rules; nftables: an\n"
		"unconditional counter rule at the top of filter input/output chains),\n"
		"with the uptime. No setup needed, but the figures include loopback.\n\n"
		"  -b, --backend NAME  auto (default), nft or iptables\n"
		"  -h, --help          show this help\n");
}

/* Seconds since boot from /proc/uptime; -1 if unreadable. */
static double uptime_seconds(void)
{
	FILE *f = fopen("/proc/uptime", "r");
	double up = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lf", &up) != 1)
		up = -1;
	fclose(f);
	return up;
}

int cmd_quick(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bopt = NULL;
	const struct backend *b;
	struct ctv_quick q;
	struct ctv_err err = { "" };
	char b1[32], saved[64] = "";
	double up;
	int c;

	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "auto") && strcmp(optarg, "nft") && strcmp(optarg, "iptables"))
				return cli_usage_error(argv[0], "--backend: '%s': expected auto, nft or iptables",
						       optarg);
			bopt = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	{
		struct svcspec spec;

		svcspec_init(&spec);
		if (rulestate_load(saved, sizeof(saved), &spec, NULL) < 0)
			saved[0] = '\0';
		svcspec_free(&spec);
	}
	b = backend_choose(bopt, saved, &err);
	if (!b) {
		cli_error("%s: %s", argv[0], err.msg);
		return bopt && strcmp(bopt, "auto") ? EXIT_USAGE : EXIT_PROBLEM;
	}
	if (!b->quick || b->quick(&q, &err) < 0) {
		cli_error("%s: %s backend: %s", argv[0], b->name,
			  b->quick ? err.msg : "cannot read INPUT/OUTPUT counters");
		return EXIT_PROBLEM;
	}
	up = uptime_seconds();
	if (up >= 0) {
		long s = (long)up;

		printf("uptime:   %ld days %02ld:%02ld:%02ld (%ld s)\n", s / 86400, s / 3600 % 24,
		       s / 60 % 60, s % 60, s);
	}
	if (!q.found) {
		printf("%s.\n"
		       "There are no existing counters to estimate from. For per-service\n"
		       "figures, run 'ctverify rules install' and then 'ctverify rules show'.\n",
		       q.what);
		return EXIT_PROBLEM;
	}
	printf("received: %s (%llu bytes, %llu packets)\n",
	       buckets_human(q.in_bytes, b1, sizeof(b1)),
	       (unsigned long long)q.in_bytes, (unsigned long long)q.in_packets);
	printf("sent:     %s (%llu bytes, %llu packets)\n",
	       buckets_human(q.out_bytes, b1, sizeof(b1)),
	       (unsigned long long)q.out_bytes, (unsigned long long)q.out_packets);
	printf("source:   %s\n\n", q.what);
	printf("These counters include loopback traffic (the container talking to itself,\n"
	       "which the provider never sees or bills), count since they were created or\n"
	       "last zeroed (at the latest since boot, see uptime), not since the start of\n"
	       "the billing period, and are not split by service. For per-service figures\n"
	       "without loopback, run 'ctverify rules install' and then 'ctverify rules show'.\n");
	return 0;
}
