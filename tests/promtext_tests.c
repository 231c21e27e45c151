#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "promtext.h"
#include "unit_tests.h"

static void body(FILE *out, const void *arg)
{
	promtext_family(out, "t_bytes_total", "counter", "test bytes.");
	fprintf(out, "t_bytes_total{k=\"%s\"} 42\n", (const char *)arg);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The directory's entries other than . and .., one string "a b ". */
static const char *entries(const char *dir)
{
	static char list[1024];
	struct dirent *e;
	DIR *d = opendir(dir);

	list[0] = '\0';
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s ", e->d_name);
	if (d)
		closedir(d);
	return list;
}

START_TEST(a_textfile_is_written_whole_and_no_temporary_file_stays)
{
	char dir[] = "/tmp/ctv-promtext.XXXXXX", path[256];
	struct ctv_err err = { "" };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(promtext_write(stdout, dir, "t", "/nonexistent/t.db", body, "a", &err), 0);
	snprintf(path, sizeof(path), "%s/t.prom", dir);
	ck_assert_str_eq(slurp(path), "# HELP t_bytes_total test bytes.\n# TYPE t_bytes_total counter\n"
				      "t_bytes_total{k=\"a\"} 42\n");
	ck_assert_str_eq(entries(dir), "t.prom ");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(a_failed_write_keeps_the_old_file)
{
	char dir[] = "/tmp/ctv-promtext.XXXXXX", path[256], bad[300];
	struct ctv_err err = { "" };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(promtext_write(stdout, dir, "t", "/nonexistent/t.db", body, "old", &err), 0);
	/* A store that exists but is not one: the exposition fails after the
	 * body was written to the temporary file. */
	snprintf(bad, sizeof(bad), "%s/not-a-store", dir);
	FILE *f = fopen(bad, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not SQLite\n", f);
	fclose(f);
	ck_assert_int_eq(promtext_write(stdout, dir, "t", bad, body, "new", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not-a-store"));
	snprintf(path, sizeof(path), "%s/t.prom", dir);
	ck_assert_ptr_nonnull(strstr(slurp(path), "k=\"old\""));
	snprintf(bad, sizeof(bad), "%s/t.prom.tmp", dir);
	ck_assert_int_eq(access(bad, F_OK), -1);
	snprintf(bad, sizeof(bad), "%s/not-a-store", dir);
	unlink(bad);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(a_missing_directory_is_an_error_naming_the_file)
{
	struct ctv_err err = { "" };

	ck_assert_int_eq(promtext_write(stdout, "/nonexistent/dir", "t", "/nonexistent/t.db", body, "a",
					&err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/dir/t.prom.tmp"));
}
END_TEST

void add_promtext_tests(Suite *s)
{
	TCase *tc = tcase_create("promtext");

	tcase_add_test(tc, a_textfile_is_written_whole_and_no_temporary_file_stays);
	tcase_add_test(tc, a_failed_write_keeps_the_old_file);
	tcase_add_test(tc, a_missing_directory_is_an_error_naming_the_file);
	suite_add_tcase(s, tc);
}
