/* ctnode - the node-side accountant: a thin dispatcher over the
 * subcommands; the work is in the core library. */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "commands.h"

static const struct cli_cmd commands[] = {
	{ "import vznetstat", "saved vznetstat/pnetstat output -> statement (JSON)", cmd_import_vznetstat },
	{ "pva export", "statement (JSON) from the Virtuozzo agent's database", cmd_pva_export },
	{ "pva report", "traffic per period from the Virtuozzo agent's database", cmd_pva_report },
	{ "setup", "install the kernel accounting (one nftables table)", cmd_setup },
	{ "teardown", "remove the kernel accounting", cmd_teardown },
	{ "stat", "per-container, per-class counters (vznetstat layout)", cmd_stat },
	{ "metrics", "counters in the Prometheus text format", cmd_metrics },
	{ "snapshot", "store the counters' growth since the last snapshot", cmd_node_snapshot },
	{ "collect", "take a snapshot every interval (minute history) until stopped", cmd_node_collect },
	{ "report", "one container's traffic per period (table, csv, json)", cmd_node_report },
	{ "export", "one container's statement (JSON) from the history", cmd_node_export },
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
