/* rulechange.h - changing our rules: the install and remove transactions
 * behind "ctverify rules install" and "rules remove".
 *
 * Policy (docs/DESIGN.md, "Service rules"):
 *  - nothing is lost silently: when history is kept in the default store,
 *    a snapshot of the rules still installed is recorded first
 *    (snapshot_before_change()); failing that, a warning, and the change
 *    goes on;
 *  - counters of services leaving the spec go with them: what they held
 *    is handed back so the command can say so;
 *  - the install is the backend's one transaction; moving to another
 *    backend removes the old one's rules (a failure there is a warning);
 *    the spec is saved only once the kernel has it;
 *  - remove without a saved backend and without --backend removes what
 *    any backend of ours left.
 * Nothing here prints: warnings go through warn, errors come back in
 * struct ctv_err.
 */
#ifndef CTV_RULECHANGE_H
#define CTV_RULECHANGE_H

#include <stddef.h>

#include "backend.h"
#include "err.h"
#include "svcspec.h"


/* The backend name the saved state names, "" when nothing is saved; the
 * saved spec into spec when it is not NULL (freed on failure). Returns 0,
 * or -1 when the state cannot be read (name is "" then too). */
int rulechange_saved(char *name, size_t size, struct svcspec *spec);

/* Installs spec with backend b, saved naming the backend that held our
 * rules ("" if none). On success *removed holds the counters of buckets
 * that left the spec, with what they held (free with
 * ctv_counters_free()). Returns 0, or -1 with err ("nft backend: ...",
 * or "rules installed, but saving the spec failed: ..."). */
int rulechange_install(const struct ctv_warn *warn, const struct backend *b, const char *saved,
		       const struct svcspec *spec, struct ctv_counters *removed,
		       struct ctv_err *err);

/* What rulechange_remove() can fail at, besides a backend (-1). */
#define RULECHANGE_NO_BACKEND (-2) /* backend_choose() refused the one asked for */
#define RULECHANGE_NO_CLEAR (-3)   /* the rules went, the saved spec stays */

/* Removes our rules: with the backend bopt names ("auto" or NULL: the
 * saved one), or, with neither, whatever any backend left; then forgets
 * the saved spec. Returns 0; -1 with err ("nft backend: ..."), or
 * RULECHANGE_NO_BACKEND or RULECHANGE_NO_CLEAR with err. */
int rulechange_remove(const struct ctv_warn *warn, const char *bopt, struct ctv_err *err);

#endif
