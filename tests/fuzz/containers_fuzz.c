/* Fuzz target: the containers file parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct containers c;
	struct ctv_err err;

	if (containers_parse((const char *)data, size, "fuzz", &c, &err) < 0)
		return 0;
	for (size_t i = 0; i < c.n; i++)
		if (!containers_id_valid(c.v[i].id) || containers_find(&c, c.v[i].id) != &c.v[i])
			abort(); /* duplicates must have been refused */
	containers_free(&c);
	return 0;
}
