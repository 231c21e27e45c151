/* cmd_quick.c - "ctverify quick": the zero-setup estimate. Reads the
 * counters the firewalls already keep at their INPUT/OUTPUT hooks (quick.c
 * reads and chooses) and puts them next to the uptime. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "quick.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify quick [--backend auto|nft|iptables]\n\n"
		"Prints received and sent traffic from the firewall's existing INPUT and\n"
		"OUTPUT counters (legacy iptables: policy and rules; nftables: an\n"
		"unconditional counter rule at the top of filter input/output chains),\n"
		"with the uptime. auto reads both and shows each that counted.\n"
		"No setup needed, but the figures include loopback.\n\n"
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
	struct quick_view v;
	struct ctv_err err = { "" };
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
	if (quick_read(bopt, &v, &err) < 0) {
		cli_error("%s: %s", argv[0], err.msg);
		return errno == EINVAL ? EXIT_USAGE : EXIT_PROBLEM;
	}
	return quick_print(stdout, &v, uptime_seconds()) ? EXIT_PROBLEM : 0;
}
