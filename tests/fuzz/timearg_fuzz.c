/* Fuzz target for the time arguments (timearg.h), in a zone with DST
 * (Europe/Berlin): any bytes are parsed or refused with a message, never
 * a crash; a parsed time between 1970 and 9999 formats as local time and
 * parses back to itself, or, in
 * the hour that occurs twice when clocks go back, to its first
 * occurrence an hour earlier. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timearg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int zoned;
	char s[256], buf[64];
	struct ctv_err err;
	time_t t, back;

	if (!zoned) {
		setenv("TZ", "Europe/Berlin", 1);
		tzset();
		zoned = 1;
	}
	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	err.msg[0] = '\0';
	if (timearg_parse(s, &t, &err) < 0) {
		if (!err.msg[0])
			abort(); /* a refusal says why */
		return 0;
	}
	/* The local form exists from 1970 (a day in, for any zone) to year
	 * 9999; @EPOCH takes any 64-bit value, negative ones too. */
	if (t < 86400 || t > 253402214400LL)
		return 0;
	timearg_format(t, buf, sizeof(buf));
	if (timearg_parse(buf, &back, &err) < 0 || (back != t && back != t - 3600))
		abort();
	return 0;
}
