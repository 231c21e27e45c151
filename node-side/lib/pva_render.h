/* pva_render.h - "ctnode pva report" rows written to a caller's FILE: a
 * table in human units with a totals row, CSV (period,eid,in_bytes,
 * out_bytes) and JSON rows {period, eid, in_bytes, out_bytes}. */
#ifndef CTNODE_PVA_RENDER_H
#define CTNODE_PVA_RENDER_H

#include <stdio.h>

#include "period.h"
#include "pva.h"

/* The table, titled with the EID, the grouping and the database. */
void pva_render_table(FILE *fp, const char *eid, const char *db, enum period_by by,
		      const struct pva_report *r);

void pva_render_csv(FILE *fp, const char *eid, const struct pva_report *r);

/* Returns 0, or -1 when memory ran out. */
int pva_render_json(FILE *fp, const char *eid, const struct pva_report *r);

#endif
