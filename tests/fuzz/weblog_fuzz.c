/* Fuzz target for the web-log reader: any bytes either sum (never more
 * requests than lines, malformed lines within the 1% tolerance, reading
 * twice gives twice the sum) or fail with a message naming a line of the
 * input. Never a crash. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weblog_sum s, twice;
	struct ctv_err err;

	memset(&s, 0, sizeof(s));
	if (weblog_parse((const char *)data, size, "fuzz", 0, 0, &s, &err) < 0) {
		if (strncmp(err.msg, "fuzz:", 5) != 0 || s.lines != 0)
			abort();
		return 0;
	}
	if (s.requests + s.malformed + s.outside != s.lines || s.malformed > s.lines / 100)
		abort();
	twice = s;
	if (weblog_parse((const char *)data, size, "fuzz", 0, 0, &twice, &err) < 0 ||
	    twice.bytes != 2 * s.bytes || twice.requests != 2 * s.requests)
		abort();
	/* A window excluding everything counts nothing. */
	memset(&twice, 0, sizeof(twice));
	if (weblog_parse((const char *)data, size, "fuzz", 1, 2, &twice, &err) == 0 &&
	    twice.requests > s.requests)
		abort();
	return 0;
}
