/* The first of each group of equal items (node_index.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_index.h"
#include "unit_tests.h"

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

START_TEST(the_first_of_each_group_of_equal_items_is_kept_and_later_ones_are_not)
{
	const int v[] = { 5, 3, 5, 1, 3, 3, 9, 1 };
	const unsigned char want[] = { 1, 1, 0, 1, 0, 0, 1, 0 };
	unsigned char keep[8];

	memset(keep, 7, sizeof(keep));
	ck_assert_int_eq(node_first_each(v, 8, sizeof(*v), int_cmp, keep), 0);
	for (size_t i = 0; i < 8; i++)
		ck_assert_msg(keep[i] == want[i], "item %zu (%d): keep %u, want %u", i, v[i], keep[i],
			      want[i]);
}
END_TEST

START_TEST(distinct_items_are_all_kept_and_no_items_is_no_work)
{
	const int v[] = { 4, 2, 8, 6 };
	unsigned char keep[4] = { 0 };

	ck_assert_int_eq(node_first_each(v, 4, sizeof(*v), int_cmp, keep), 0);
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_eq(keep[i], 1);
	ck_assert_int_eq(node_first_each(NULL, 0, sizeof(*v), int_cmp, keep), 0);
}
END_TEST

/* Strings of a struct, the way the plan's devices and the hooks' pairs
 * use it, over more items than a pairwise scan would want. */
struct item {
	char name[16];
	int tag;
};

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

START_TEST(among_thousands_each_name_is_kept_once_at_its_first_place)
{
	enum { N = 20000, NAMES = 5000 };
	struct item *v = calloc(N, sizeof(*v));
	unsigned char *keep = malloc(N), *seen = calloc(NAMES, 1);
	size_t kept = 0;

	ck_assert_ptr_nonnull(v);
	for (int i = 0; i < N; i++) {
		int n = (int)(((unsigned)i * 7919u) % NAMES);

		snprintf(v[i].name, sizeof(v[i].name), "vb%d", n);
		v[i].tag = n;
	}
	ck_assert_int_eq(node_first_each(v, N, sizeof(*v), item_cmp, keep), 0);
	for (int i = 0; i < N; i++) {
		/* Kept exactly when its name was not seen before, in order. */
		ck_assert_uint_eq(keep[i], !seen[v[i].tag]);
		seen[v[i].tag] = 1;
		kept += keep[i];
	}
	ck_assert_uint_eq(kept, NAMES);
	free(v);
	free(keep);
	free(seen);
}
END_TEST

void add_node_index_tests(Suite *s)
{
	TCase *tc = tcase_create("node_index");

	tcase_add_test(tc, the_first_of_each_group_of_equal_items_is_kept_and_later_ones_are_not);
	tcase_add_test(tc, distinct_items_are_all_kept_and_no_items_is_no_work);
	tcase_add_test(tc, among_thousands_each_name_is_kept_once_at_its_first_place);
	suite_add_tcase(s, tc);
}
