/* xtlock.h - the lock every iptables program takes before changing legacy
 * x_tables (iptables, iptables-restore, firewalld...), so that two writers
 * never replace a table from the same stale copy.
 */
#ifndef CTV_XTLOCK_H
#define CTV_XTLOCK_H

#include "err.h"

#define XTLOCK_DEFAULT_PATH "/run/xtables.lock"

/* The lock file: $XTABLES_LOCKFILE (as iptables honours it) or
 * /run/xtables.lock. */
const char *xtlock_path(void);

/* Takes the exclusive flock on path, waiting up to timeout_ms. Returns the
 * descriptor to pass to xtlock_release(), or -1 with err set: ETIMEDOUT
 * when another program held it all that time, or the errno of open(). */
int xtlock_take(const char *path, unsigned timeout_ms, struct ctv_err *err);

/* Releases the lock taken by xtlock_take(); fd < 0 is ignored. */
void xtlock_release(int fd);

#endif
