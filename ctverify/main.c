/* ctverify - the container-side tool: a thin dispatcher over the
 * subcommands; the work is in the core library. */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "commands.h"

static const struct cli_cmd commands[] = {
	{ "rules install", "install per-service accounting rules from *.rules files", cmd_rules_install },
	{ "rules remove", "remove ctverify's accounting rules (and nothing else)", cmd_rules_remove },
	{ "rules show", "show live per-service counters (local, services, other)", cmd_rules_show },
	{ "rules check", "check that the installed rules still match the saved spec", cmd_rules_check },
	{ "quick", "zero-setup estimate from existing INPUT/OUTPUT counters and uptime", cmd_quick },
	{ "snapshot", "store the counters' growth since the last snapshot", cmd_snapshot },
	{ "collect", "take a snapshot every interval (minute history) until stopped", cmd_collect },
	{ "report", "traffic per period and service: table, csv, json or svg", cmd_report },
	{ "live", "per-service rates, refreshed until interrupted", cmd_live },
	{ "export", "the container-side statement (JSON) from the history", cmd_export },
	{ "reconcile", "explain the node's figure against the container's, cause by cause", cmd_reconcile },
	{ "metrics", "per-service counters in the Prometheus text format", cmd_metrics },
	{ NULL, NULL, NULL },
};

static const struct cli_prog prog = {
	.name = "ctverify",
	.about = "Verify a container's traffic bill: per-service accounting rules in the\n"
		 "kernel, minute history, reports, and reconciliation with the node's figures.",
	.cmds = commands,
	.footer = "See ctverify(8).",
};

int main(int argc, char **argv)
{
	return cli_main(&prog, argc, argv);
}
