/* Fuzz target for Plesk's DomainsTraffic rows: any bytes either parse
 * into rows that are each a real day with values within BIGINT, no
 * domain and day twice, never more rows than lines, summing without
 * loss, or fail with a message naming the input ("fuzz:") and nothing
 * kept. Never a crash. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plesk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plesk_rows rows;
	struct plesk_sum s;
	struct ctv_err err;
	size_t lines = 1;
	uint64_t total = 0;

	if (plesk_parse("fuzz", (const char *)data, size, &rows, &err) < 0) {
		if (strncmp(err.msg, "fuzz:", 5) != 0 || rows.n || rows.r)
			abort();
		return 0;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (!rows.n || rows.n > lines)
		abort();
	for (size_t i = 0; i < rows.n; i++) {
		const struct plesk_row *r = &rows.r[i];

		if (r->mon < 1 || r->mon > 12 || r->mday < 1 || r->mday > 31 || r->year < 1970 ||
		    r->line < 1 || r->line > lines)
			abort();
		if (i && r->dom_id == rows.r[i - 1].dom_id && r->year == rows.r[i - 1].year &&
		    r->mon == rows.r[i - 1].mon && r->mday == rows.r[i - 1].mday)
			abort();
		for (int k = 0; k < PLESK_NKINDS; k++)
			for (int d = 0; d < 2; d++) {
				if (r->v[k][d] > (uint64_t)INT64_MAX)
					abort();
				total += r->v[k][d]; /* may wrap: then the sum must refuse */
			}
	}
	if (plesk_sum(&rows, 0, 0, 0, &s, &err) == 0 && (s.rows != rows.n || s.total != total ||
							 s.from >= s.to))
		abort();
	plesk_rows_free(&rows);
	return 0;
}
