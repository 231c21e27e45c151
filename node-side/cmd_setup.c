/* ctnode setup / teardown: install or remove the kernel accounting. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "cli.h"
#include "commands.h"
#include "containers.h"
#include "node_nft.h"
#include "node_snapshot.h"

static void setup_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctnode setup [--classes FILE] [--containers FILE] [--dry-run]\n\n"
		"Installs (or replaces, keeping the counts of unchanged keys) the kernel\n"
		"accounting: one nftables table, netdev %s, counting L3 bytes and packets\n"
		"per container, network class and direction, in one atomic batch.\n\n"
		"  --classes FILE     networks_classes (default %s/networks_classes)\n"
		"  --containers FILE  containers file (default %s/containers)\n"
		"  --dry-run          check the files and print what would be installed\n"
		"  -h, --help         show this help\n\n"
		"$CTNODE_CONFDIR replaces the default directory.\n",
		NODE_NFT_TABLE, node_snapshot_confdir(), node_snapshot_confdir());
}

int cmd_setup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "classes", required_argument, NULL, 'C' },
		{ "containers", required_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char tpath[4096], notice[CLASSES_NOTICE_MAX + 4096];
	const char *classes_file = NULL, *cts_file = NULL;
	struct classes cls;
	struct containers cts;
	struct node_plan *plan;
	struct ctv_err err;
	int dry = 0, c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'C': classes_file = optarg; break;
		case 'T': cts_file = optarg; break;
		case 'n': dry = 1; break;
		case 'h': setup_usage(stdout); return 0;
		default:
			return cli_usage_error(argv[0], "unknown option or missing argument: '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!classes_file)
		classes_file = node_snapshot_classes_file();
	if (!cts_file) {
		snprintf(tpath, sizeof(tpath), "%s/containers", node_snapshot_confdir());
		cts_file = tpath;
	}
	if (classes_load(classes_file, &cls, &err) < 0) {
		cli_report(&err);
		return EXIT_USAGE;
	}
	if (classes_notice(&cls, classes_file, notice, sizeof(notice)))
		fprintf(stderr, "%s: %s\n", cli_progname(), notice);
	if (containers_load(cts_file, &cts, &err) < 0) {
		cli_report(&err);
		classes_free(&cls);
		return EXIT_USAGE;
	}
	plan = node_plan_build(&cls, &cts, &err);
	if (plan && node_plan_notice(plan, cts_file, notice, sizeof(notice)))
		fprintf(stderr, "%s: %s\n", cli_progname(), notice);
	if (!plan) {
		cli_report(&err);
		rc = EXIT_USAGE;
	} else if (dry) {
		char *d = node_plan_describe(plan);

		rc = d && fputs(d, stdout) >= 0 ? 0 : EXIT_PROBLEM;
		free(d);
	} else if (node_nft_setup(plan, &err) < 0) {
		cli_report(&err);
		rc = EXIT_PROBLEM;
	} else {
		printf("ctnode: accounting installed for %zu containers (table netdev %s)\n",
		       cts.n, NODE_NFT_TABLE);
		if (node_snapshot_save_setup(classes_file, cts_file, &err) < 0)
			fprintf(stderr, "%s: warning: %s\n", cli_progname(), err.msg);
		rc = 0;
	}
	node_plan_free(plan);
	containers_free(&cts);
	classes_free(&cls);
	return rc;
}

int cmd_teardown(int argc, char **argv)
{
	struct ctv_err err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: ctnode teardown\n\nRemoves the kernel accounting (table netdev %s)\n"
		       "and its counts. Other tables are not touched.\n", NODE_NFT_TABLE);
		return 0;
	}
	if (argc > 1)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[1]);
	if (node_nft_teardown(&err) == 0)
		return 0;
	cli_report(&err);
	return EXIT_PROBLEM;
}
