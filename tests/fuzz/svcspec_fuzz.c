/* svcspec_fuzz.c - the rules parser must survive any input: no crash, no
 * leak, and whatever parses must format to text that parses back equal. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svcspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svcspec a, b;
	struct ctv_err err;
	char *text;

	svcspec_init(&a);
	svcspec_init(&b);
	if (svcspec_parse_buffer(&a, "fuzz", (const char *)data, size, &err) == 0) {
		text = svcspec_format(&a);
		if (text) {
			if (svcspec_parse_buffer(&b, "fuzz-again", text, strlen(text), &err) < 0 ||
			    svcspec_equal(&a, &b) != 1)
				abort();
			free(text);
		}
	}
	svcspec_free(&a);
	svcspec_free(&b);
	return 0;
}
