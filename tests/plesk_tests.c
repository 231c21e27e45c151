#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plesk.h"
#include "unit_tests.h"

#define HEADER "dom_id\tdate\thttp_in\thttp_out\tftp_in\tftp_out\tsmtp_in\tsmtp_out\tpop3_imap_in\tpop3_imap_out\n"

/* Parses text as "t.tsv"; returns what plesk_parse() did, err filled. */
static int parse(const char *text, struct plesk_rows *rows, struct ctv_err *err)
{
	err->msg[0] = '\0';
	return plesk_parse("t.tsv", text, strlen(text), rows, err);
}

/* Asserts text is refused with exactly msg. */
static void refused(const char *text, const char *msg)
{
	struct plesk_rows rows;
	struct ctv_err err;

	ck_assert_int_eq(parse(text, &rows, &err), -1);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_uint_eq(rows.n, 0);
	ck_assert_ptr_null(rows.r);
}

START_TEST(rows_with_the_header_line_are_read_column_by_column)
{
	struct plesk_rows rows;
	struct ctv_err err;

	ck_assert_int_eq(parse(HEADER "7\t2026-12-01\t1\t2\t3\t4\t5\t6\t7\t8\n", &rows, &err), 0);
	ck_assert_int_eq(rows.header, 1);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_uint_eq(rows.r[0].dom_id, 7);
	ck_assert_int_eq(rows.r[0].year, 2026);
	ck_assert_int_eq(rows.r[0].mon, 12);
	ck_assert_int_eq(rows.r[0].mday, 1);
	ck_assert_uint_eq(rows.r[0].v[PLESK_HTTP][0], 1);
	ck_assert_uint_eq(rows.r[0].v[PLESK_HTTP][1], 2);
	ck_assert_uint_eq(rows.r[0].v[PLESK_FTP][0], 3);
	ck_assert_uint_eq(rows.r[0].v[PLESK_FTP][1], 4);
	ck_assert_uint_eq(rows.r[0].v[PLESK_SMTP][0], 5);
	ck_assert_uint_eq(rows.r[0].v[PLESK_SMTP][1], 6);
	ck_assert_uint_eq(rows.r[0].v[PLESK_POP3_IMAP][0], 7);
	ck_assert_uint_eq(rows.r[0].v[PLESK_POP3_IMAP][1], 8);
	ck_assert_uint_eq(rows.r[0].line, 2);
	plesk_rows_free(&rows);
}
END_TEST

START_TEST(rows_without_a_header_and_without_a_last_newline_are_read)
{
	struct plesk_rows rows;
	struct ctv_err err;

	ck_assert_int_eq(parse("1\t2026-12-01\t0\t0\t0\t0\t0\t0\t0\t0\r\n"
			       "2\t2024-02-29\t9223372036854775807\t0\t0\t0\t0\t0\t0\t0", &rows, &err), 0);
	ck_assert_int_eq(rows.header, 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_uint_eq(rows.r[1].v[PLESK_HTTP][0], INT64_MAX);
	plesk_rows_free(&rows);
}
END_TEST

START_TEST(a_wrong_column_count_names_the_line)
{
	refused(HEADER "1\t2026-12-01\t1\t2\t3\n",
		"t.tsv:2: 5 tab-separated columns, expected 10 (dom_id, date, http_in, http_out, "
		"ftp_in, ftp_out, smtp_in, smtp_out, pop3_imap_in, pop3_imap_out)");
	refused("1\t2026-12-01\t1\t2\t3\t4\t5\t6\t7\t8\t9\n",
		"t.tsv:1: more than 10 tab-separated columns, expected 10 (dom_id, date, http_in, "
		"http_out, ftp_in, ftp_out, smtp_in, smtp_out, pop3_imap_in, pop3_imap_out)");
	refused("1 2026-12-01 1 2 3 4 5 6 7 8\n",
		"t.tsv:1: 1 tab-separated columns, expected 10 (dom_id, date, http_in, http_out, "
		"ftp_in, ftp_out, smtp_in, smtp_out, pop3_imap_in, pop3_imap_out)");
}
END_TEST

START_TEST(non_numbers_negative_values_and_nulls_are_refused_by_column)
{
	refused("1\t2026-12-01\t1\tabc\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:1: http_out 'abc' is not a number (bytes: a whole number >= 0)");
	refused("1\t2026-12-01\t1\t2\t0\t0\t-5\t0\t0\t0\n",
		"t.tsv:1: smtp_in '-5' is negative (bytes: a whole number >= 0)");
	refused("1\t2026-12-01\t1\t2\t0\t0\t5\t0\t0\tNULL\n",
		"t.tsv:1: pop3_imap_out 'NULL' is NULL (bytes: a whole number >= 0)");
	refused("1\t2026-12-01\t1\t2\t0\t0\t5\t0\t\t0\n",
		"t.tsv:1: pop3_imap_in '' is empty (bytes: a whole number >= 0)");
	refused("1\t2026-12-01\t+1\t2\t0\t0\t5\t0\t0\t0\n",
		"t.tsv:1: http_in '+1' is not a number (bytes: a whole number >= 0)");
	refused("1\t2026-12-01\t9223372036854775808\t2\t0\t0\t5\t0\t0\t0\n",
		"t.tsv:1: http_in '9223372036854775808' is too large (bytes: a whole number >= 0)");
	refused("x\t2026-12-01\t1\t2\t0\t0\t5\t0\t0\t0\n", "t.tsv:1: dom_id 'x' is not a number");
}
END_TEST

START_TEST(bad_dates_are_refused)
{
	refused("1\t2026-13-01\t0\t0\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:1: date '2026-13-01' is not a day as YYYY-MM-DD");
	refused("1\t2025-02-29\t0\t0\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:1: date '2025-02-29' is not a day as YYYY-MM-DD");
	refused("1\t2026-12-01 00:00:00\t0\t0\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:1: date '2026-12-01 00:00:00' is not a day as YYYY-MM-DD");
	refused("1\t26-12-01\t0\t0\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:1: date '26-12-01' is not a day as YYYY-MM-DD");
}
END_TEST

START_TEST(a_domain_and_day_given_twice_is_refused)
{
	refused("1\t2026-12-01\t0\t0\t0\t0\t0\t0\t0\t0\n"
		"2\t2026-12-01\t0\t0\t0\t0\t0\t0\t0\t0\n"
		"1\t2026-12-01\t5\t0\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:3: domain 1 on 2026-12-01 again (first at line 1)");
}
END_TEST

START_TEST(empty_files_blank_lines_and_a_misplaced_header_are_refused)
{
	refused("", "t.tsv: no rows (expected the tab-separated output of 'select dom_id, date, "
		    "http_in, ... from DomainsTraffic')");
	refused(HEADER, "t.tsv: no rows (expected the tab-separated output of 'select dom_id, date, "
			"http_in, ... from DomainsTraffic')");
	refused("1\t2026-12-01\t0\t0\t0\t0\t0\t0\t0\t0\n\n2\t2026-12-01\t0\t0\t0\t0\t0\t0\t0\t0\n",
		"t.tsv:2: an empty line (one row per line, no blank lines)");
	refused("1\t2026-12-01\t0\t0\t0\t0\t0\t0\t0\t0\n" HEADER, "t.tsv:2: dom_id 'dom_id' is not a number");
}
END_TEST

START_TEST(a_line_over_the_limit_is_refused)
{
	char text[PLESK_LINE_MAX + 64];

	memset(text, '1', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	refused(text, "t.tsv:1: line longer than 1024 bytes");
}
END_TEST

START_TEST(the_sum_covers_the_rows_local_days)
{
	struct plesk_rows rows;
	struct plesk_sum s;
	struct ctv_err err;

	set_tz("Europe/Berlin");
	ck_assert_int_eq(parse("2\t2026-12-02\t10\t20\t0\t0\t1\t2\t3\t4\n"
			       "1\t2026-12-01\t100\t200\t0\t0\t0\t0\t0\t0\n"
			       "1\t2026-12-03\t1000\t2000\t5\t6\t0\t0\t0\t0\n", &rows, &err), 0);
	ck_assert_int_eq(plesk_sum(&rows, 0, 0, 0, &s, &err), 0);
	ck_assert_uint_eq(s.rows, 3);
	ck_assert_uint_eq(s.domains, 2);
	ck_assert_uint_eq(s.v[PLESK_HTTP][0], 1110);
	ck_assert_uint_eq(s.v[PLESK_HTTP][1], 2220);
	ck_assert_uint_eq(s.v[PLESK_FTP][1], 6);
	ck_assert_uint_eq(s.total, 1110 + 2220 + 5 + 6 + 1 + 2 + 3 + 4);
	ck_assert_str_eq(s.first, "2026-12-01");
	ck_assert_str_eq(s.last, "2026-12-03");
	ck_assert_int_eq(s.from, 1796079600); /* 2026-12-01 00:00 CET */
	ck_assert_int_eq(s.to, 1796079600 + 3 * 86400);
	/* --from/--to keep only the days wholly inside. */
	ck_assert_int_eq(plesk_sum(&rows, 1, 1796079600 + 86400, 1796079600 + 3 * 86400, &s, &err), 0);
	ck_assert_uint_eq(s.rows, 2);
	ck_assert_uint_eq(s.left_out, 1);
	ck_assert_uint_eq(s.v[PLESK_HTTP][0], 1010);
	ck_assert_int_eq(plesk_sum(&rows, 1, 1796079600 + 3600, 1796079600 + 86400 + 3600, &s, &err), -1);
	ck_assert_str_eq(err.msg, "none of the 3 rows has its whole day inside --from/--to");
	plesk_rows_free(&rows);
}
END_TEST

START_TEST(a_dst_day_has_its_own_length)
{
	struct plesk_rows rows;
	struct plesk_sum s;
	struct ctv_err err;

	set_tz("Europe/Berlin");
	ck_assert_int_eq(parse("1\t2026-10-25\t1\t0\t0\t0\t0\t0\t0\t0\n", &rows, &err), 0);
	ck_assert_int_eq(plesk_sum(&rows, 0, 0, 0, &s, &err), 0);
	ck_assert_int_eq(s.to - s.from, 25 * 3600);
	plesk_rows_free(&rows);
}
END_TEST

START_TEST(a_plain_number_is_the_panel_figure_and_anything_else_a_file)
{
	uint64_t v = 0;

	ck_assert_int_eq(plesk_is_number("1550000", &v), 1);
	ck_assert_uint_eq(v, 1550000);
	ck_assert_int_eq(plesk_is_number("traffic.tsv", &v), 0);
	ck_assert_int_eq(plesk_is_number("-", &v), 0);
	ck_assert_int_eq(plesk_is_number("./1550000", &v), 0);
	ck_assert_int_eq(plesk_is_number("", &v), 0);
}
END_TEST

START_TEST(a_file_is_read_whole_and_a_missing_one_is_named)
{
	char path[] = "/tmp/plesk_tests.XXXXXX";
	struct plesk_rows rows;
	struct ctv_err err;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(HEADER "3\t2026-12-01\t1\t2\t3\t4\t5\t6\t7\t8\n", f);
	fclose(f);
	ck_assert_int_eq(plesk_read_file(path, &rows, &err), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_uint_eq(rows.r[0].dom_id, 3);
	plesk_rows_free(&rows);
	unlink(path);
	ck_assert_int_eq(plesk_read_file(path, &rows, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_null(rows.r);
}
END_TEST

void add_plesk_tests(Suite *s)
{
	TCase *tc = tcase_create("plesk");

	tcase_add_test(tc, rows_with_the_header_line_are_read_column_by_column);
	tcase_add_test(tc, rows_without_a_header_and_without_a_last_newline_are_read);
	tcase_add_test(tc, a_wrong_column_count_names_the_line);
	tcase_add_test(tc, non_numbers_negative_values_and_nulls_are_refused_by_column);
	tcase_add_test(tc, bad_dates_are_refused);
	tcase_add_test(tc, a_domain_and_day_given_twice_is_refused);
	tcase_add_test(tc, empty_files_blank_lines_and_a_misplaced_header_are_refused);
	tcase_add_test(tc, a_line_over_the_limit_is_refused);
	tcase_add_test(tc, the_sum_covers_the_rows_local_days);
	tcase_add_test(tc, a_dst_day_has_its_own_length);
	tcase_add_test(tc, a_plain_number_is_the_panel_figure_and_anything_else_a_file);
	tcase_add_test(tc, a_file_is_read_whole_and_a_missing_one_is_named);
	suite_add_tcase(s, tc);
}
