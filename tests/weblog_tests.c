#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_tests.h"
#include "weblog.h"

#define L(t, req, st, sz) "198.18.1.2 - - [" t "] \"" req "\" " st " " sz

START_TEST(common_and_combined_lines_sum_their_response_sizes)
{
	static const char log[] =
		L("10/Oct/2000:13:55:36 -0700", "GET /a HTTP/1.0", "200", "2326") "\n"
		L("10/Oct/2000:13:55:37 -0700", "GET /b HTTP/1.1", "200", "1000")
		" \"http://example.com/\" \"Mozilla/5.0 (X11)\"\r\n"
		"\n"
		L("10/Oct/2000:13:55:38 -0700", "HEAD / HTTP/1.1", "304", "-") "\n";
	struct weblog_sum s;
	struct ctv_err err = { "" };

	memset(&s, 0, sizeof(s));
	ck_assert_msg(weblog_parse(log, strlen(log), "access.log", 0, 0, &s, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.bytes, 3326);
	ck_assert_uint_eq(s.requests, 3);
	ck_assert_uint_eq(s.lines, 3);
	ck_assert_uint_eq(s.malformed, 0);
}
END_TEST

START_TEST(a_vhost_before_the_host_is_read_too)
{
	static const char log[] =
		"example.com:443 " L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "42") "\n"
		"a b " L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "1") "\n";
	struct weblog_sum s;
	struct ctv_err err = { "" };

	memset(&s, 0, sizeof(s));
	/* The second line has five fields before the time: malformed. */
	ck_assert_int_eq(weblog_parse(log, strlen(log), "x", 0, 0, &s, &err), -1);
	ck_assert_msg(strstr(err.msg, "x:2: expected the time") == err.msg, "%s", err.msg);
	ck_assert_int_eq(weblog_parse(log, strchr(log, '\n') + 1 - log, "x", 0, 0, &s, &err), 0);
	ck_assert_uint_eq(s.bytes, 42);
}
END_TEST

START_TEST(the_logged_offset_gives_utc_epoch_seconds)
{
	int64_t t;

	ck_assert_int_eq(weblog_parse_time("10/Oct/2000:13:55:36 -0700", 26, &t), 0);
	ck_assert_int_eq(t, 971211336);
	ck_assert_int_eq(weblog_parse_time("10/Oct/2000:22:55:36 +0200", 26, &t), 0);
	ck_assert_int_eq(t, 971211336);
	ck_assert_int_eq(weblog_parse_time("29/Feb/2024:00:00:00 +0000", 26, &t), 0);
	ck_assert_int_eq(t, 1709164800);
	ck_assert_int_eq(weblog_parse_time("32/Oct/2000:13:55:36 -0700", 26, &t), -1);
	ck_assert_int_eq(weblog_parse_time("10/Okt/2000:13:55:36 -0700", 26, &t), -1);
	ck_assert_int_eq(weblog_parse_time("10/Oct/2000:13:55:36", 20, &t), -1);
}
END_TEST

START_TEST(requests_outside_the_window_are_not_summed)
{
	static const char log[] =
		L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "100") "\n"
		L("01/Jan/2024:00:00:59 +0000", "GET / HTTP/1.1", "200", "200") "\n"
		L("01/Jan/2024:00:01:00 +0000", "GET / HTTP/1.1", "200", "400") "\n";
	struct weblog_sum s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(weblog_parse(log, strlen(log), "x", 1704067200, 1704067260, &s, NULL), 0);
	ck_assert_uint_eq(s.bytes, 300);
	ck_assert_uint_eq(s.requests, 2);
	ck_assert_uint_eq(s.outside, 1);
}
END_TEST

START_TEST(an_escaped_quote_inside_the_request_does_not_end_it)
{
	static const char log[] =
		L("01/Jan/2024:00:00:00 +0000", "GET /a\\\" 200 9999 HTTP/1.1", "200", "7") "\n";
	struct weblog_sum s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(weblog_parse(log, strlen(log), "x", 0, 0, &s, NULL), 0);
	ck_assert_uint_eq(s.bytes, 7);
}
END_TEST

START_TEST(a_malformed_line_in_a_short_log_is_an_error_naming_file_and_line)
{
	static const char log[] =
		L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "100") "\n"
		L("01/Jan/2024:00:00:01 +0000", "GET / HTTP/1.1", "200", "12k") "\n";
	struct weblog_sum s;
	struct ctv_err err = { "" };

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(weblog_parse(log, strlen(log), "access.log", 0, 0, &s, &err), -1);
	ck_assert_msg(strstr(err.msg, "access.log:2: response size") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "1 of 2 lines") != NULL, "%s", err.msg);
	ck_assert_uint_eq(s.bytes, 0);
	ck_assert_uint_eq(s.lines, 0);
}
END_TEST

START_TEST(one_malformed_line_in_a_hundred_is_tolerated_and_remembered)
{
	char *log = malloc(200 * 120);
	size_t len = 0;
	struct weblog_sum s;
	struct ctv_err err = { "" };

	for (int i = 0; i < 100; i++)
		len += (size_t)sprintf(log + len, "%s\n", i == 41 ? "garbage" :
			 L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "10"));
	memset(&s, 0, sizeof(s));
	ck_assert_msg(weblog_parse(log, len, "a.log", 0, 0, &s, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.bytes, 990);
	ck_assert_uint_eq(s.malformed, 1);
	ck_assert_str_eq(s.first_bad, "a.log:42: expected host, ident and user before the time");
	/* Two in a hundred is too many. */
	len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)sprintf(log + len, "%s\n", i == 41 || i == 7 ? "garbage" :
			 L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "10"));
	ck_assert_int_eq(weblog_parse(log, len, "a.log", 0, 0, &s, &err), -1);
	ck_assert_msg(strstr(err.msg, "a.log:8:") == err.msg, "%s", err.msg);
	free(log);
}
END_TEST

START_TEST(a_file_read_as_a_stream_sums_like_the_same_text_in_memory)
{
	static const char log[] =
		L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "100") "\r\n"
		"\n"
		L("01/Jan/2024:00:00:30 +0000", "GET /b HTTP/1.1", "200", "250") "\n"
		L("01/Jan/2024:00:01:30 +0000", "GET /c HTTP/1.1", "200", "999"); /* no final newline */
	char path[] = "/tmp/ctv-weblog-test.XXXXXX";
	struct weblog_sum a, b;
	struct ctv_err err = { "" };
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, log, sizeof(log) - 1), (ssize_t)(sizeof(log) - 1));
	close(fd);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_msg(weblog_read_file(path, 1704067200, 1704067260, &a, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(weblog_parse(log, sizeof(log) - 1, path, 1704067200, 1704067260, &b, &err), 0);
	unlink(path);
	ck_assert_uint_eq(a.bytes, 350);
	ck_assert_uint_eq(a.requests, 2);
	ck_assert_uint_eq(a.outside, 1);
	ck_assert_uint_eq(a.lines, 3);
	ck_assert_mem_eq(&a, &b, sizeof(a));
}
END_TEST

START_TEST(a_line_over_the_size_limit_is_malformed_in_a_file_and_in_memory)
{
	static const char good[] = L("01/Jan/2024:00:00:00 +0000", "GET / HTTP/1.1", "200", "100") "\n";
	size_t glen = sizeof(good) - 1, n = 0, cap = 200 * glen + WEBLOG_LINE_MAX + 100;
	char *log = malloc(cap), path[] = "/tmp/ctv-weblog-long.XXXXXX";
	struct weblog_sum a, b;
	struct ctv_err err = { "" };
	int fd;

	ck_assert_ptr_nonnull(log);
	for (int i = 0; i < 199; i++, n += glen)
		memcpy(log + n, good, glen);
	/* Line 200: one byte over the limit, then a good line 201. */
	memset(log + n, 'x', WEBLOG_LINE_MAX + 1);
	n += WEBLOG_LINE_MAX + 1;
	log[n++] = '\n';
	memcpy(log + n, good, glen);
	n += glen;
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, log, n), (ssize_t)n);
	close(fd);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_msg(weblog_read_file(path, 0, 0, &a, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(weblog_parse(log, n, path, 0, 0, &b, &err), 0);
	ck_assert_uint_eq(a.malformed, 1);
	ck_assert_uint_eq(a.lines, 201);
	ck_assert_uint_eq(a.bytes, 200 * 100);
	ck_assert_msg(strstr(a.first_bad, ":200: a line longer than 65536 bytes") != NULL, "%s", a.first_bad);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	/* A line exactly at the limit is read (and is malformed for what it holds). */
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(weblog_parse(log + 199 * glen + 1, WEBLOG_LINE_MAX, path, 0, 0, &a, &err), -1);
	ck_assert_msg(strstr(err.msg, "longer than") == NULL, "%s", err.msg);
	unlink(path);
	free(log);
}
END_TEST

START_TEST(a_missing_file_names_the_path)
{
	struct weblog_sum s;
	struct ctv_err err = { "" };

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(weblog_read_file("/nonexistent/access.log", 0, 0, &s, &err), -1);
	ck_assert_msg(strstr(err.msg, "/nonexistent/access.log") == err.msg, "%s", err.msg);
}
END_TEST

void add_weblog_tests(Suite *s)
{
	TCase *tc = tcase_create("weblog");

	tcase_add_test(tc, common_and_combined_lines_sum_their_response_sizes);
	tcase_add_test(tc, a_vhost_before_the_host_is_read_too);
	tcase_add_test(tc, the_logged_offset_gives_utc_epoch_seconds);
	tcase_add_test(tc, requests_outside_the_window_are_not_summed);
	tcase_add_test(tc, an_escaped_quote_inside_the_request_does_not_end_it);
	tcase_add_test(tc, a_malformed_line_in_a_short_log_is_an_error_naming_file_and_line);
	tcase_add_test(tc, a_line_over_the_size_limit_is_malformed_in_a_file_and_in_memory);
	tcase_add_test(tc, one_malformed_line_in_a_hundred_is_tolerated_and_remembered);
	tcase_add_test(tc, a_file_read_as_a_stream_sums_like_the_same_text_in_memory);
	tcase_add_test(tc, a_missing_file_names_the_path);
	suite_add_tcase(s, tc);
}
