#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "unit_tests.h"

START_TEST(text_grows_past_the_first_allocation)
{
	struct strbuf b;
	char *s;

	strbuf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(strbuf_printf(&b, "%03d", i), 0);
	ck_assert_uint_eq(b.len, 3000);
	s = strbuf_take(&b);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), 3000);
	ck_assert(!strncmp(s, "000001002", 9));
	ck_assert_str_eq(s + 2997, "999");
	ck_assert_ptr_null(b.s);
	free(s);
}
END_TEST

START_TEST(text_exactly_as_long_as_the_bound_fits)
{
	struct strbuf b;
	char *s;

	strbuf_init(&b, 5);
	ck_assert_int_eq(strbuf_printf(&b, "%s", "12"), 0);
	ck_assert_int_eq(strbuf_printf(&b, "%d", 345), 0);
	s = strbuf_take(&b);
	ck_assert_str_eq(s, "12345");
	free(s);
}
END_TEST

START_TEST(an_append_past_the_bound_fails_and_sticks)
{
	struct strbuf b;

	strbuf_init(&b, 10);
	ck_assert_int_eq(strbuf_printf(&b, "12345"), 0);
	errno = 0;
	ck_assert_int_eq(strbuf_printf(&b, "678901"), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(b.error, EMSGSIZE);
	ck_assert_str_eq(b.s, "12345"); /* nothing of the refused text */
	ck_assert_int_eq(strbuf_printf(&b, "x"), -1);
	ck_assert_uint_eq(b.len, 5);
	errno = 0;
	ck_assert_ptr_null(strbuf_take(&b));
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_ptr_null(b.s);
	ck_assert_int_eq(b.error, 0);
}
END_TEST

START_TEST(an_empty_buffer_gives_an_empty_string)
{
	struct strbuf b;
	char *s;

	strbuf_init(&b, 0);
	s = strbuf_take(&b);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(free_empties_the_buffer_and_keeps_its_bound)
{
	struct strbuf b;

	strbuf_init(&b, 4);
	ck_assert_int_eq(strbuf_printf(&b, "abcdef"), -1);
	strbuf_free(&b);
	ck_assert_uint_eq(b.max, 4);
	ck_assert_int_eq(b.error, 0);
	ck_assert_int_eq(strbuf_printf(&b, "abcd"), 0);
	ck_assert_str_eq(b.s, "abcd");
	strbuf_free(&b);
}
END_TEST

void add_strbuf_tests(Suite *s)
{
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, text_grows_past_the_first_allocation);
	tcase_add_test(tc, text_exactly_as_long_as_the_bound_fits);
	tcase_add_test(tc, an_append_past_the_bound_fails_and_sticks);
	tcase_add_test(tc, an_empty_buffer_gives_an_empty_string);
	tcase_add_test(tc, free_empties_the_buffer_and_keeps_its_bound);
	suite_add_tcase(s, tc);
}
