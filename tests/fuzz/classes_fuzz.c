/* Fuzz target: networks_classes parser and flattening. Beyond not
 * crashing, the flattened ranges must give the reference class at every
 * range edge. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "classes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_family(const struct classes *c, const struct classes_flat *f, int family)
{
	const struct classes_range *r = family == AF_INET ? f->v4 : f->v6;
	size_t n = family == AF_INET ? f->n4 : f->n6;

	for (size_t i = 0; i < n; i++) {
		int ref = classes_lookup(c, family, r[i].first);

		if ((ref < 0 ? 0 : ref) != r[i].cls || classes_flat_lookup(f, family, r[i].last) != r[i].cls)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classes c;
	struct classes_flat f;
	struct ctv_err err;

	if (classes_parse((const char *)data, size, "fuzz", &c, &err) < 0)
		return 0;
	if (classes_flatten(&c, &f, &err) == 0) {
		check_family(&c, &f, AF_INET);
		check_family(&c, &f, AF_INET6);
		classes_flat_free(&f);
	}
	classes_free(&c);
	return 0;
}
