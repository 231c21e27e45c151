/* Fuzz target for the vznetstat text parser: any bytes either parse, and
 * then every container's statement passes statement_check() under each
 * semantics, or fail with a message that names the input. Without
 * --semantics a statement is made only where both semantics agree, and
 * its totals are theirs. Never a crash. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vznetstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vznetstat v;
	struct statement st;
	struct ctv_err err;

	if (vznetstat_parse((const char *)data, size, "fuzz", &v, &err) < 0) {
		if (strncmp(err.msg, "fuzz", 4) != 0 || v.nrows != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < v.nrows; i++) {
		static const enum vznetstat_semantics sems[] = {
			VZNETSTAT_UNSTATED, VZNETSTAT_EXCLUSIVE, VZNETSTAT_OVERLAPPING,
		};
		struct statement_counts tot[3];
		int made[3] = { 0, 0, 0 };

		if (v.rows[i].cls < 0 || v.rows[i].cls > 15)
			abort();
		for (int k = 0; k < 3; k++) {
			if (vznetstat_statement(&v, "fuzz", v.rows[i].ct, sems[k], 0, 100, &st, &err) < 0) {
				/* A parsed container is refused only for an overflowing
				 * total, unstated semantics with traffic above class 1,
				 * or a class above class 1 when they overlap. */
				if (strncmp(err.msg, "fuzz:", 5) != 0 ||
				    !(strstr(err.msg, "overflows") ||
				      (sems[k] == VZNETSTAT_UNSTATED && strstr(err.msg, "--semantics")) ||
				      (sems[k] == VZNETSTAT_OVERLAPPING && strstr(err.msg, "subset"))))
					abort();
				statement_free(&st);
				continue;
			}
			/* Overlapping packets are never exact. */
			if (sems[k] == VZNETSTAT_OVERLAPPING && !st.packets_inexact)
				abort();
			{
				char *text = statement_dump(&st, &err);

				if (!text)
					abort();
				free(text);
			}
			tot[k] = st.totals;
			made[k] = 1;
			statement_free(&st);
		}
		/* Unstated semantics are accepted only where both agree, and
		 * then give the same totals as each. */
		for (int k = 1; k < 3; k++)
			if (made[0] && made[k] &&
			    (tot[0].in_bytes != tot[k].in_bytes || tot[0].out_bytes != tot[k].out_bytes ||
			     tot[0].in_packets != tot[k].in_packets ||
			     tot[0].out_packets != tot[k].out_packets))
				abort();
	}
	vznetstat_free(&v);
	return 0;
}
