/* reconcile_render.h - a reconcile's result written to a caller's FILE:
 * the table for people (signed causes, "up to" bounds, wrapped evidence)
 * and the JSON document of the contract (raw integers, signed causes with
 * counted_by and their bounds). */
#ifndef CTV_RECONCILE_RENDER_H
#define CTV_RECONCILE_RENDER_H

#include <stdio.h>

#include "reconcile.h"
#include "statement.h"

/* The table: the comparison node - container with its buckets and causes,
 * then router - node and container - Plesk/web logs when present, then
 * the verdict. */
void reconcile_render_table(FILE *fp, const struct statement *node,
			    const struct reconcile_input *in, const struct reconcile_result *res);

/* Why classes were not compared one by one (and how to make them so),
 * or NULL when they were. */
const char *reconcile_render_classes_note(const struct reconcile_result *res);

/* The JSON document. Returns 0, or -1 when memory ran out. */
int reconcile_render_json(FILE *fp, const struct statement *node, const struct reconcile_input *in,
			  const struct reconcile_result *res);

#endif
