/* Fuzz target for the vznetstat text parser: any bytes either parse, and
 * then every container's statement passes statement_check(), or fail with
 * a message that names the input. Never a crash. */
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
		if (v.rows[i].cls < 0 || v.rows[i].cls > 15)
			abort();
		if (vznetstat_statement(&v, "fuzz", v.rows[i].ct, 0, 100, &st, &err) < 0) {
			/* Only an overflowing total may refuse a parsed container. */
			if (!strstr(err.msg, "overflows"))
				abort();
		} else {
			char *text = statement_dump(&st, &err);

			if (!text)
				abort();
			free(text);
		}
		statement_free(&st);
	}
	vznetstat_free(&v);
	return 0;
}
