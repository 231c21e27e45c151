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

/* The store when no --db is given: $CTVERIFY_STATEDIR/ctverify.db. */
const char *ctv_default_db(void);

/* Before our rules change (install, remove): when history is kept in the
 * default store, records a snapshot of the rules still installed, so the
 * traffic since the last one is not lost with them. 0 also when there is
 * nothing to record; -1 (printed) if the snapshot failed. */
int ctv_snapshot_before_change(const char *cmd);

#endif
