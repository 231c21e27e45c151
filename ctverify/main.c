/* ctverify - the container-side tool: a thin dispatcher over the
 * subcommands; the work is in the core library. */
#include "config.h"

#include <stddef.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
	{ NULL, NULL, NULL },
};

static const struct cli_prog prog = {
	.name = "ctverify",
	.about = "Verify a container's traffic bill: per-service accounting rules in the\n"
		 "kernel, minute history, reports, and reconciliation with the node's figures.",
	.cmds = commands,
	.footer = "See ctverify(1).",
};

int main(int argc, char **argv)
{
	return cli_main(&prog, argc, argv);
}
