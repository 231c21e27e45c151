#include "config.h"

#include <string.h>

#include "timearg.h"
#include "unit_tests.h"

static time_t parse_ok(const char *s)
{
	struct ctv_err err = { "" };
	time_t t = 0;

	ck_assert_msg(timearg_parse(s, &t, &err) == 0, "'%s' failed: %s", s, err.msg);
	return t;
}

static const char *parse_err(const char *s)
{
	static struct ctv_err err;
	time_t t = 12345;

	ck_assert_msg(timearg_parse(s, &t, &err) == -1, "'%s' was accepted", s);
	ck_assert_int_eq(t, 12345);
	ck_assert_msg(err.msg[0] != '\0', "no message for '%s'", s);
	return err.msg;
}

START_TEST(epoch_form_is_taken_as_utc_seconds)
{
	set_tz("Asia/Tokyo");
	ck_assert_int_eq(parse_ok("@0"), 0);
	ck_assert_int_eq(parse_ok("@1385856000"), 1385856000);
}
END_TEST

START_TEST(a_date_alone_means_local_midnight)
{
	set_tz("UTC");
	ck_assert_int_eq(parse_ok("2013-12-01"), 1385856000);
	set_tz("Europe/Moscow"); /* UTC+4 in 2013 */
	ck_assert_int_eq(parse_ok("2013-12-01"), 1385856000 - 4 * 3600);
}
END_TEST

START_TEST(date_and_time_are_local_with_or_without_seconds)
{
	set_tz("America/New_York");
	/* 2014-02-11 15:00 EST = 20:00 UTC */
	ck_assert_int_eq(parse_ok("2014-02-11 15:00"), 1392148800);
	ck_assert_int_eq(parse_ok("2014-02-11 15:00:59"), 1392148859);
	ck_assert_int_eq(parse_ok("2014-02-11T15:00:59"), 1392148859);
}
END_TEST

START_TEST(a_time_skipped_by_daylight_saving_is_refused)
{
	set_tz("Europe/Berlin");
	ck_assert_ptr_nonnull(strstr(parse_err("2021-03-28 02:30"), "does not exist"));
	parse_ok("2021-03-28 03:00");
}
END_TEST

START_TEST(a_time_that_occurs_twice_means_its_first_occurrence)
{
	set_tz("Europe/Berlin");
	/* 02:30 CEST on 2021-10-31 is 00:30 UTC; 02:30 CET would be 01:30. */
	ck_assert_int_eq(parse_ok("2021-10-31 02:30"), 1635640200);
}
END_TEST

START_TEST(impossible_dates_are_refused_with_the_reason)
{
	set_tz("UTC");
	ck_assert_ptr_nonnull(strstr(parse_err("2013-02-29"), "has no day 29"));
	parse_ok("2012-02-29");
	ck_assert_ptr_nonnull(strstr(parse_err("2013-13-01"), "month"));
	ck_assert_ptr_nonnull(strstr(parse_err("2013-12-01 24:00"), "time of day"));
	ck_assert_ptr_nonnull(strstr(parse_err("1969-12-31"), "before 1970"));
}
END_TEST

START_TEST(malformed_text_is_refused_naming_the_accepted_forms)
{
	const char *bad[] = { "", "2013", "2013-1-01", "2013-01-01 1:00", "2013-01-01 10",
			      "2013-01-01 10:00:0", "2013-01-01x", "yesterday", "@", "@12x",
			      "@99999999999999999999999", "2013-01-01 10:00:00 UTC" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_err(bad[i]);
	ck_assert_ptr_nonnull(strstr(parse_err("2013/01/01"), "YYYY-MM-DD"));
}
END_TEST

START_TEST(formatting_gives_local_time_back)
{
	char buf[32];

	set_tz("Europe/Berlin");
	ck_assert_str_eq(timearg_format(1635640200, buf, sizeof(buf)), "2021-10-31 02:30:00");
}
END_TEST

void add_timearg_tests(Suite *s)
{
	TCase *tc = tcase_create("timearg");

	tcase_add_test(tc, epoch_form_is_taken_as_utc_seconds);
	tcase_add_test(tc, a_date_alone_means_local_midnight);
	tcase_add_test(tc, date_and_time_are_local_with_or_without_seconds);
	tcase_add_test(tc, a_time_skipped_by_daylight_saving_is_refused);
	tcase_add_test(tc, a_time_that_occurs_twice_means_its_first_occurrence);
	tcase_add_test(tc, impossible_dates_are_refused_with_the_reason);
	tcase_add_test(tc, malformed_text_is_refused_naming_the_accepted_forms);
	tcase_add_test(tc, formatting_gives_local_time_back);
	suite_add_tcase(s, tc);
}
