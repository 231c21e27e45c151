/* history.h - a store's history as a statement: the one conversion
 * behind "ctverify export" and "ctnode export".
 *
 * The intervals lying wholly inside the window become the statement's
 * intervals (minutes where the store still keeps them, hours before
 * that); the totals are their sum; with classes, each sub-key (network
 * class) the series ever had is summed over the same intervals.
 */
#ifndef CTV_HISTORY_H
#define CTV_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "classes.h"
#include "err.h"
#include "statement.h"
#include "store.h"

/* The window asked for: a side not given is open (all history). */
struct history_window {
	int have_from, have_to;
	int64_t from_ms, to_ms;
};

/* Fills sm, already initialised with its source and ct, from the store:
 * intervals of series key (all when NULL, subs summed), totals with
 * packets, and with classes != 0 one class entry per sub-key 0-15 the
 * series has. sm's window is the one asked for; an open side is the
 * first interval's start or the last one's end (0 without intervals).
 * Returns 0, or -1 with err set (errno ENOMEM when memory ran out). */
int history_statement(struct store *st, const char *key, int classes,
		      const struct history_window *w, struct statement *sm, struct ctv_err *err);

/* Sets sm's "networks" from the node's classes, in file order. Returns
 * 0, or -1 with err (ENOMEM). */
int history_networks(struct statement *sm, const struct classes *cls, struct ctv_err *err);

/* The statement's default ct for a container's own export: the host
 * name, or "container" when there is none. Returns buf. */
const char *history_default_ct(char *buf, size_t size);

#endif
