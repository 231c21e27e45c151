/* reconcile_int.h - what reconcile.c lends its satellite modules
 * (reconcile_plesk.c): adding a cause and settling a comparison. */
#ifndef CTV_RECONCILE_INT_H
#define CTV_RECONCILE_INT_H

#include "reconcile.h"

/* Adds a cause (see reconcile.c's add_cause) with detail as given.
 * NULL without memory. */
struct reconcile_cause *reconcile_cause_add(struct reconcile_result *res, const char *id,
					    enum reconcile_versus vs, int in_a, int bound,
					    uint64_t in, uint64_t out, const char *detail);

/* Applies the causes of vs to its residual and gives the verdict. */
void reconcile_settle(const struct reconcile_input *in, struct reconcile_result *res,
		      enum reconcile_versus vs);

#endif
