/* ctnode - the node-side accountant: a thin dispatcher over the
 * subcommands; the work is in the core library. */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "commands.h"

static const struct cli_cmd commands[] = {
	{ "setup", "install the kernel accounting (one nftables table)", cmd_setup },
	{ "teardown", "remove the kernel accounting", cmd_teardown },
	{ "stat", "per-container, per-class counters (vznetstat layout)", cmd_stat },
	{ "metrics", "counters in the Prometheus text format", cmd_metrics },
	{ NULL, NULL, NULL },
};

static const struct cli_prog prog = {
	.name = "ctnode",
	.about = "The node's authoritative traffic accountant: per container and network\n"
		 "class, counted in the kernel, with history, statements and metrics.",
	.cmds = commands,
	.footer = "See ctnode(8).",
};

int main(int argc, char **argv)
{
	return cli_main(&prog, argc, argv);
}
