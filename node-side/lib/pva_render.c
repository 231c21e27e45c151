/* pva_render.c - the agent's rows for people and programs (pva_render.h). */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pva_render.h"
#include "render.h"

/* Not render_rows(): its periods are period.h's (a repeated hour split in
 * two) and it always has packet columns, while these rows carry SQLite's
 * own labels and the agent stores no packets (absent, not 0). */

/* Human units as the shared renderer writes them; a negative sum (an
 * agent that stored negative deltas) is shown raw rather than wrapped. */
static const char *human(int64_t v, char *buf, size_t len)
{
	if (v < 0) {
		snprintf(buf, len, "%" PRId64 " B", v);
		return buf;
	}
	return render_human((uint64_t)v, buf, len);
}

void pva_render_table(FILE *fp, const char *eid, const char *db, enum period_by by,
		      const struct pva_report *r)
{
	char a[32], b[32], c[32];
	int64_t tin = 0, tout = 0;
	int w = 6;

	/* Sums of sums: wrap-around arithmetic, never undefined behaviour. */
	for (size_t i = 0; i < r->nrows; i++) {
		if ((int)strlen(r->rows[i].period) > w)
			w = (int)strlen(r->rows[i].period);
		tin = (int64_t)((uint64_t)tin + (uint64_t)r->rows[i].in_bytes);
		tout = (int64_t)((uint64_t)tout + (uint64_t)r->rows[i].out_bytes);
	}
	fprintf(fp, "EID %s, by %s (local time), from %s\n\n", eid, period_by_name(by), db);
	fprintf(fp, "%-*s  %12s  %12s  %12s\n", w, "period", "in", "out", "in+out");
	if (r->nrows == 0)
		fprintf(fp, "(no traffic recorded in this range)\n");
	for (size_t i = 0; i < r->nrows; i++)
		fprintf(fp, "%-*s  %12s  %12s  %12s\n", w, r->rows[i].period,
		       human(r->rows[i].in_bytes, a, sizeof(a)),
		       human(r->rows[i].out_bytes, b, sizeof(b)),
		       human((int64_t)((uint64_t)r->rows[i].in_bytes + (uint64_t)r->rows[i].out_bytes),
			     c, sizeof(c)));
	if (by == PERIOD_TOTAL && r->nrows)
		return; /* the one row is the total */
	for (int i = 0; i < w + 3 * 14; i++)
		fputc('-', fp);
	fputc('\n', fp);
	fprintf(fp, "%-*s  %12s  %12s  %12s\n", w, "total", human(tin, a, sizeof(a)),
	       human(tout, b, sizeof(b)),
	       human((int64_t)((uint64_t)tin + (uint64_t)tout), c, sizeof(c)));
}

/* CSV and JSON carry raw integers; the EID column lets several files be
 * concatenated. Periods and EIDs hold no commas or quotes (checked). */
void pva_render_csv(FILE *fp, const char *eid, const struct pva_report *r)
{
	fprintf(fp, "period,eid,in_bytes,out_bytes\n");
	for (size_t i = 0; i < r->nrows; i++)
		fprintf(fp, "%s,%s,%" PRId64 ",%" PRId64 "\n", r->rows[i].period, eid,
		       r->rows[i].in_bytes, r->rows[i].out_bytes);
}

int pva_render_json(FILE *fp, const char *eid, const struct pva_report *r)
{
	fprintf(fp, "[");
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *row = json_pack("{s:s, s:s, s:I, s:I}", "period", r->rows[i].period,
					"eid", eid, "in_bytes", (json_int_t)r->rows[i].in_bytes,
					"out_bytes", (json_int_t)r->rows[i].out_bytes);
		char *s = row ? json_dumps(row, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;

		json_decref(row);
		if (!s)
			return -1;
		fprintf(fp, "%s\n  %s", i ? "," : "", s);
		free(s);
	}
	fprintf(fp, "%s]\n", r->nrows ? "\n" : "");
	return 0;
}
