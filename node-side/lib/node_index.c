/* node_index.c - the first of each group of equal items (node_index.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "node_index.h"

struct by {
	const char *v;
	size_t size;
	int (*cmp)(const void *a, const void *b);
};

/* Equal items by position: the first of a group sorts first. */
static int pos_cmp(const void *x, const void *y, void *ctx)
{
	const struct by *b = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = b->cmp(b->v + i * b->size, b->v + j * b->size);

	if (c)
		return c;
	return i < j ? -1 : i > j;
}

int node_first_each(const void *v, size_t n, size_t size,
		    int (*cmp)(const void *a, const void *b), unsigned char *keep)
{
	struct by b = { v, size, cmp };
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), pos_cmp, &b);
	for (size_t k = 0; k < n; k++)
		keep[idx[k]] = !k || cmp(b.v + idx[k - 1] * size, b.v + idx[k] * size) != 0;
	free(idx);
	return 0;
}
