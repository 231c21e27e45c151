#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "unit_tests.h"

START_TEST(a_sorted_name_index_finds_the_first_of_equal_names_and_misses_others)
{
	static const char *const name[5] = { "web", "db", "mail", "db", "a" };
	struct ctv_counter c[5];
	const char **v;
	size_t k;

	memset(c, 0, sizeof(c));
	for (int i = 0; i < 5; i++)
		snprintf(c[i].name, sizeof(c[i].name), "%s", name[i]);
	v = ctv_names_sort(c[0].name, sizeof(c[0]), 5);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[4], "web");
	k = ctv_names_find(v, 5, "db");
	ck_assert_uint_eq(k, 1);
	/* The first "db" of the array, then the second. */
	ck_assert_uint_eq((size_t)(v[k] - c[0].name) / sizeof(c[0]), 1);
	ck_assert_uint_eq((size_t)(v[k + 1] - c[0].name) / sizeof(c[0]), 3);
	ck_assert_uint_eq(ctv_names_find(v, 5, "mail"), 3);
	ck_assert_uint_eq(ctv_names_find(v, 5, "dns"), 5);
	ck_assert_uint_eq(ctv_names_find(v, 5, "zzz"), 5);
	ck_assert_uint_eq(ctv_names_find(v, 0, "a"), 0);
	free(v);
}
END_TEST

START_TEST(no_difference_gives_no_text)
{
	struct backend_diff d;
	struct ctv_err err;
	char *text = (char *)"x";

	backend_diff_init(&d);
	ck_assert_int_eq(backend_diff_finish(&d, &text, &err), 0);
	ck_assert_ptr_null(text);
}
END_TEST

START_TEST(each_difference_is_one_line)
{
	struct backend_diff d;
	struct ctv_err err;
	char *text;

	backend_diff_init(&d);
	backend_diff_add(&d, "chain %s is gone", "in");
	backend_diff_add(&d, "counter %s is gone", "out_web");
	ck_assert_int_eq(backend_diff_finish(&d, &text, &err), 1);
	ck_assert_str_eq(text, "chain in is gone\ncounter out_web is gone\n");
	free(text);
}
END_TEST

START_TEST(a_long_difference_shows_forty_lines_and_counts_the_rest)
{
	struct backend_diff d;
	struct ctv_err err;
	char *text, *p;
	int lines = 0;

	backend_diff_init(&d);
	for (int i = 1; i <= BACKEND_DIFF_LINES + 5; i++)
		backend_diff_add(&d, "rule %d is missing", i);
	ck_assert_int_eq(backend_diff_finish(&d, &text, &err), 1);
	for (p = text; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, BACKEND_DIFF_LINES + 1);
	ck_assert_ptr_nonnull(strstr(text, "rule 40 is missing\n... 5 more lines\n"));
	ck_assert_ptr_null(strstr(text, "rule 41 "));
	free(text);
}
END_TEST

void add_backend_tests(Suite *s)
{
	TCase *tc = tcase_create("backend");

	tcase_add_test(tc, a_sorted_name_index_finds_the_first_of_equal_names_and_misses_others);
	tcase_add_test(tc, no_difference_gives_no_text);
	tcase_add_test(tc, each_difference_is_one_line);
	tcase_add_test(tc, a_long_difference_shows_forty_lines_and_counts_the_rest);
	suite_add_tcase(s, tc);
}
