/* commands.h - ctnode's subcommands, registered in node-side/main.c. */
#ifndef CTNODE_COMMANDS_H
#define CTNODE_COMMANDS_H

int cmd_pva_report(int argc, char **argv);
int cmd_pva_export(int argc, char **argv);
int cmd_import_vznetstat(int argc, char **argv);
int cmd_setup(int argc, char **argv);
int cmd_teardown(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_node_snapshot(int argc, char **argv);
int cmd_node_collect(int argc, char **argv);
int cmd_node_report(int argc, char **argv);
int cmd_node_export(int argc, char **argv);

/* The store when no --db is given: $CTNODE_STATEDIR/ctnode.db. */

/* The configuration directory: $CTNODE_CONFDIR, else SYSCONFDIR/ctverify. */

#endif
