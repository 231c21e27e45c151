/* commands.h - the ctverify subcommands registered in main.c. */
#ifndef CTV_COMMANDS_H
#define CTV_COMMANDS_H

int cmd_rules_install(int argc, char **argv);
int cmd_rules_remove(int argc, char **argv);
int cmd_rules_show(int argc, char **argv);
int cmd_rules_check(int argc, char **argv);
int cmd_quick(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_metrics(int argc, char **argv);

#endif
