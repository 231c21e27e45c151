/* node_index.h - finding the duplicates of a list of thousands (containers,
 * devices, map elements) in O(n log n) where comparing each item with the
 * ones before it is quadratic. */
#ifndef CTNODE_NODE_INDEX_H
#define CTNODE_NODE_INDEX_H

#include <stddef.h>

/* Sets keep[i] (n bytes) to 1 when no earlier item of v (n items of size
 * bytes each) equals v[i] under cmp, else to 0: the first of each group
 * of equal items is kept, in their order. Returns 0, or -1 (ENOMEM). */
int node_first_each(const void *v, size_t n, size_t size,
		    int (*cmp)(const void *a, const void *b), unsigned char *keep);

#endif
