#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linefile.h"
#include "unit_tests.h"

START_TEST(lines_come_numbered_with_comments_cut)
{
	const char *text = "a b # note\n\n# only a comment\nlast";
	char line[32];
	struct linefile lf;
	struct ctv_err err = { "" };

	linefile_init(&lf, text, strlen(text), "f", line, sizeof(line) - 1);
	ck_assert_int_eq(linefile_next(&lf, &err), 1);
	ck_assert_str_eq(line, "a b ");
	ck_assert_uint_eq(lf.lineno, 1);
	ck_assert_int_eq(linefile_next(&lf, &err), 1);
	ck_assert_str_eq(line, "");
	ck_assert_int_eq(linefile_next(&lf, &err), 1);
	ck_assert_str_eq(line, "");
	ck_assert_int_eq(linefile_next(&lf, &err), 1);
	ck_assert_str_eq(line, "last");
	ck_assert_uint_eq(lf.lineno, 4);
	ck_assert_int_eq(linefile_next(&lf, &err), 0);
}
END_TEST

START_TEST(a_too_long_line_is_refused_naming_file_and_line)
{
	const char *text = "ok\n0123456789\n";
	char line[6];
	struct linefile lf;
	struct ctv_err err = { "" };

	linefile_init(&lf, text, strlen(text), "conf", line, sizeof(line) - 1);
	ck_assert_int_eq(linefile_next(&lf, &err), 1);
	ck_assert_int_eq(linefile_next(&lf, &err), -1);
	ck_assert_str_eq(err.msg, "conf:2: line longer than 5 bytes");
}
END_TEST

START_TEST(a_nul_byte_is_refused_naming_file_and_line)
{
	const char text[] = "a\nb\0c\n";
	char line[16];
	struct linefile lf;
	struct ctv_err err = { "" };

	linefile_init(&lf, text, sizeof(text) - 1, "conf", line, sizeof(line) - 1);
	ck_assert_int_eq(linefile_next(&lf, &err), 1);
	ck_assert_int_eq(linefile_next(&lf, &err), -1);
	ck_assert_str_eq(err.msg, "conf:2: NUL byte in line");
}
END_TEST

START_TEST(split_counts_fields_and_says_when_there_are_too_many)
{
	char a[] = " \tone  two\r";
	char b[] = "x y z";
	char *f[2];

	ck_assert_int_eq(linefile_split(a, f, 2), 2);
	ck_assert_str_eq(f[0], "one");
	ck_assert_str_eq(f[1], "two");
	ck_assert_int_eq(linefile_split(b, f, 2), 3);
}
END_TEST

START_TEST(read_returns_the_whole_file_and_names_a_missing_one)
{
	char path[] = "/tmp/linefile_testXXXXXX";
	int fd = mkstemp(path);
	struct ctv_err err = { "" };
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "1 0.0.0.0/0\n", 12), 12);
	close(fd);
	ck_assert_msg(linefile_read(path, &buf, &len, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(len, 12);
	ck_assert_int_eq(memcmp(buf, "1 0.0.0.0/0\n", 12), 0);
	free(buf);
	unlink(path);
	ck_assert_int_eq(linefile_read(path, &buf, &len, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
}
END_TEST

START_TEST(read_input_stops_at_the_limit_saying_what_it_expected)
{
	char path[] = "/tmp/linefile_testXXXXXX";
	char block[65536];
	int fd = mkstemp(path);
	struct ctv_err err = { "" };
	char *buf = NULL, expect[256];
	size_t len = 0;

	ck_assert_int_ge(fd, 0);
	memset(block, 'x', sizeof(block));
	ck_assert_int_eq(write(fd, block, 100), 100);
	ck_assert_msg(linefile_read_input(path, 1u << 20, "a list", &buf, &len, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(len, 100);
	free(buf);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(write(fd, block, sizeof(block)), (int)sizeof(block));
	close(fd);
	ck_assert_int_eq(linefile_read_input(path, 1u << 20, "a list", &buf, &len, &err), -1);
	snprintf(expect, sizeof(expect), "%s: larger than 1 MiB, not a list", path);
	ck_assert_str_eq(err.msg, expect);
	unlink(path);
}
END_TEST

START_TEST(mkdirs_creates_missing_parents_and_names_a_file_in_the_way)
{
	char top[] = "/tmp/ctv-mkdirs.XXXXXX", path[256], file[256];
	struct ctv_err err = { 0 };
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/a/b/c", top);
	ck_assert_int_eq(linefile_mkdirs(path, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(linefile_mkdirs(path, &err), 0); /* already there */
	snprintf(file, sizeof(file), "%s/f", top);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof(path), "%s/f/d", top);
	ck_assert_int_eq(linefile_mkdirs(path, &err), -1);
	ck_assert_msg(strstr(err.msg, path) != NULL, "the error names the path: %s", err.msg);
	rmdir(strcat(strcpy(path, top), "/a/b/c"));
	rmdir(strcat(strcpy(path, top), "/a/b"));
	rmdir(strcat(strcpy(path, top), "/a"));
	unlink(file);
	rmdir(top);
}
END_TEST

void add_linefile_tests(Suite *s)
{
	TCase *tc = tcase_create("linefile");

	tcase_add_test(tc, lines_come_numbered_with_comments_cut);
	tcase_add_test(tc, a_too_long_line_is_refused_naming_file_and_line);
	tcase_add_test(tc, a_nul_byte_is_refused_naming_file_and_line);
	tcase_add_test(tc, split_counts_fields_and_says_when_there_are_too_many);
	tcase_add_test(tc, read_returns_the_whole_file_and_names_a_missing_one);
	tcase_add_test(tc, read_input_stops_at_the_limit_saying_what_it_expected);
	tcase_add_test(tc, mkdirs_creates_missing_parents_and_names_a_file_in_the_way);
	suite_add_tcase(s, tc);
}
