#include "config.h"

#include <string.h>

#include "period.h"
#include "timearg.h"
#include "unit_tests.h"

static time_t at(const char *s)
{
	time_t t;

	ck_assert_msg(timearg_parse(s, &t, NULL) == 0, "bad test time %s", s);
	return t;
}

static const char *label(time_t t, enum period_by by)
{
	static char buf[64];

	ck_assert_int_eq(period_label(t, by, buf, sizeof(buf)), 0);
	return buf;
}

START_TEST(names_of_groupings_parse_and_unknown_ones_do_not)
{
	enum period_by by;

	ck_assert_int_eq(period_by_parse("month", &by), 0);
	ck_assert_int_eq(by, PERIOD_MONTH);
	ck_assert_int_eq(period_by_parse("total", &by), 0);
	ck_assert_int_eq(by, PERIOD_TOTAL);
	ck_assert_int_eq(period_by_parse("week", &by), -1);
	ck_assert_int_eq(period_by_parse("", &by), -1);
	ck_assert_str_eq(period_by_name(PERIOD_HOUR), "hour");
}
END_TEST

START_TEST(labels_have_the_reference_query_shapes)
{
	set_tz("UTC");
	ck_assert_str_eq(label(at("2014-02-11 15:00"), PERIOD_HOUR), "2014-02-11 15:00");
	ck_assert_str_eq(label(at("2013-09-01"), PERIOD_DAY), "2013-09-01");
	ck_assert_str_eq(label(at("2013-01-01"), PERIOD_MONTH), "2013-01");
	ck_assert_str_eq(label(at("2013-01-01"), PERIOD_YEAR), "2013");
	ck_assert_str_eq(label(0, PERIOD_TOTAL), "total");
}
END_TEST

START_TEST(floor_finds_the_local_start_of_each_period)
{
	time_t t;

	set_tz("Asia/Kolkata"); /* UTC+05:30: local hours start at :30 UTC */
	t = at("2020-06-15 13:47:12");
	ck_assert_int_eq(period_floor(t, PERIOD_HOUR), at("2020-06-15 13:00"));
	ck_assert_int_eq(period_floor(t, PERIOD_DAY), at("2020-06-15"));
	ck_assert_int_eq(period_floor(t, PERIOD_MONTH), at("2020-06-01"));
	ck_assert_int_eq(period_floor(t, PERIOD_YEAR), at("2020-01-01"));
	ck_assert_int_eq(period_floor(at("2020-06-15"), PERIOD_DAY), at("2020-06-15"));
	ck_assert(period_floor(t, PERIOD_TOTAL) < 0);
}
END_TEST

START_TEST(a_spring_forward_day_has_23_hours)
{
	time_t d, h;
	int hours = 0;

	set_tz("Europe/Berlin");
	d = at("2021-03-28");
	ck_assert_int_eq(period_next(d, PERIOD_DAY) - d, 23 * 3600);
	for (h = d; h < period_next(d, PERIOD_DAY); h = period_next(h, PERIOD_HOUR))
		hours++;
	ck_assert_int_eq(hours, 23);
	ck_assert_str_eq(label(d + 2 * 3600, PERIOD_HOUR), "2021-03-28 03:00");
}
END_TEST

START_TEST(a_fall_back_day_has_25_hours_and_the_repeated_hour_twice)
{
	time_t d, h;
	int hours = 0;
	char first[64];

	set_tz("Europe/Berlin");
	d = at("2021-10-31");
	ck_assert_int_eq(period_next(d, PERIOD_DAY) - d, 25 * 3600);
	for (h = d; h < period_next(d, PERIOD_DAY); h = period_next(h, PERIOD_HOUR))
		hours++;
	ck_assert_int_eq(hours, 25);
	/* 02:00 CEST and 02:00 CET are distinct periods with distinct labels. */
	strcpy(first, label(d + 2 * 3600, PERIOD_HOUR));
	ck_assert_str_eq(first, "2021-10-31 02:00 CEST");
	ck_assert_str_eq(label(d + 3 * 3600, PERIOD_HOUR), "2021-10-31 02:00 CET");
	ck_assert_int_eq(period_floor(d + 3 * 3600 + 1799, PERIOD_HOUR), d + 3 * 3600);
	ck_assert_str_eq(label(d + 4 * 3600, PERIOD_HOUR), "2021-10-31 03:00");
}
END_TEST

START_TEST(months_and_years_step_by_the_calendar)
{
	set_tz("UTC");
	ck_assert_int_eq(period_next(at("2020-02-01"), PERIOD_MONTH), at("2020-03-01"));
	ck_assert_int_eq(period_next(at("2020-12-01"), PERIOD_MONTH), at("2021-01-01"));
	ck_assert_int_eq(period_next(at("2020-01-01"), PERIOD_YEAR), at("2021-01-01"));
	ck_assert_int_eq(period_next(at("2020-02-01"), PERIOD_MONTH) - at("2020-02-01"),
			 29 * 86400);
	ck_assert(period_next(0, PERIOD_TOTAL) > at("2100-01-01"));
}
END_TEST

START_TEST(a_midnight_skipped_by_dst_starts_the_day_at_one)
{
	time_t d;

	/* Sao Paulo moved clocks from 00:00 to 01:00 on 2018-11-04. */
	set_tz("America/Sao_Paulo");
	d = period_floor(at("2018-11-04 12:00"), PERIOD_DAY);
	ck_assert_str_eq(label(d, PERIOD_HOUR), "2018-11-04 01:00");
	ck_assert_int_eq(period_next(d, PERIOD_DAY) - d, 23 * 3600);
	ck_assert_int_eq(period_next(period_floor(at("2018-11-03 12:00"), PERIOD_DAY), PERIOD_DAY), d);
}
END_TEST

void add_period_tests(Suite *s)
{
	TCase *tc = tcase_create("period");

	tcase_add_test(tc, names_of_groupings_parse_and_unknown_ones_do_not);
	tcase_add_test(tc, labels_have_the_reference_query_shapes);
	tcase_add_test(tc, floor_finds_the_local_start_of_each_period);
	tcase_add_test(tc, a_spring_forward_day_has_23_hours);
	tcase_add_test(tc, a_fall_back_day_has_25_hours_and_the_repeated_hour_twice);
	tcase_add_test(tc, months_and_years_step_by_the_calendar);
	tcase_add_test(tc, a_midnight_skipped_by_dst_starts_the_day_at_one);
	suite_add_tcase(s, tc);
}
