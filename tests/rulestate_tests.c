#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "rulestate.h"
#include "unit_tests.h"

static char dir[] = "/tmp/ctv-rulestate-XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("CTVERIFY_STATEDIR", dir, 1);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/ctv-rulestate-XXXXXX");
	unsetenv("CTVERIFY_STATEDIR");
	unsetenv("CTVERIFY_RULES_DIR");
}

static void touch(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(the_saved_spec_loads_back_equal_with_its_backend)
{
	const char *text = "service web proto=tcp lport=80\nservice u user=root\n";
	struct svcspec a, b;
	struct ctv_err err;
	char backend[16];

	svcspec_init(&a);
	svcspec_init(&b);
	ck_assert_int_eq(svcspec_parse_buffer(&a, "x", text, strlen(text), &err), 0);
	ck_assert_str_eq(rulestate_dir(), dir);
	ck_assert_int_eq(rulestate_save("nft", &a, &err), 0);
	ck_assert_int_eq(rulestate_load(backend, sizeof(backend), &b, &err), 0);
	ck_assert_str_eq(backend, "nft");
	ck_assert_int_eq(svcspec_equal(&a, &b), 1);
	svcspec_free(&b);
	ck_assert_int_eq(rulestate_clear(&err), 0);
	ck_assert_int_eq(rulestate_load(backend, sizeof(backend), &b, &err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_msg(strstr(err.msg, "no rules installed by ctverify"), "%s", err.msg);
	ck_assert_int_eq(rulestate_clear(&err), 0);
	svcspec_free(&a);
}
END_TEST

START_TEST(a_state_file_without_its_backend_line_is_refused)
{
	char path[256], backend[16];
	struct svcspec spec;
	struct ctv_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, RULESTATE_FILE);
	touch(path, "# no backend\nservice a proto=tcp\n");
	svcspec_init(&spec);
	ck_assert_int_eq(rulestate_load(backend, sizeof(backend), &spec, &err), -1);
	ck_assert_msg(strstr(err.msg, "no '# backend: ' line"), "%s", err.msg);
	ck_assert_uint_eq(spec.n, 0);
}
END_TEST

START_TEST(a_directory_is_not_a_rules_file)
{
	struct svcspec spec;
	struct ctv_err err;

	svcspec_init(&spec);
	ck_assert_int_eq(svcspec_parse_file(&spec, dir, &err), -1);
	ck_assert_msg(strstr(err.msg, "not a regular file"), "%s", err.msg);
}
END_TEST

START_TEST(a_missing_state_directory_is_created_on_save)
{
	char sub[128];
	struct svcspec a;
	struct ctv_err err;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	setenv("CTVERIFY_STATEDIR", sub, 1);
	svcspec_init(&a);
	ck_assert_int_eq(rulestate_save("nft", &a, &err), 0);
	snprintf(sub, sizeof(sub), "%s/a/b/%s", dir, RULESTATE_FILE);
	ck_assert_int_eq(stat(sub, &st), 0);
}
END_TEST

START_TEST(rules_files_come_from_rules_d_in_lexical_order_else_the_default)
{
	char path[256], **files;
	struct ctv_err err;

	setenv("CTVERIFY_RULES_DIR", dir, 1);
	files = rulestate_default_files(&err);
	ck_assert_ptr_nonnull(files);
	ck_assert_str_eq(files[0], PKGDATADIR "/rules/default.rules");
	ck_assert_ptr_null(files[1]);
	rulestate_files_free(files);
	snprintf(path, sizeof(path), "%s/20-web.rules", dir);
	touch(path, "");
	snprintf(path, sizeof(path), "%s/10-mail.rules", dir);
	touch(path, "");
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	touch(path, "");
	files = rulestate_default_files(&err);
	snprintf(path, sizeof(path), "%s/10-mail.rules", dir);
	ck_assert_str_eq(files[0], path);
	snprintf(path, sizeof(path), "%s/20-web.rules", dir);
	ck_assert_str_eq(files[1], path);
	ck_assert_ptr_null(files[2]);
	rulestate_files_free(files);
}
END_TEST

START_TEST(buckets_are_put_in_spec_order_with_local_first_and_other_last)
{
	const char *text = "service b proto=tcp\nservice a proto=udp\n";
	struct ctv_counter c[] = { { .name = "other" }, { .name = "a" }, { .name = "gone" },
				   { .name = "local" }, { .name = "b" } };
	struct ctv_counters cs = { .c = c, .n = 5 };
	struct svcspec spec;
	struct ctv_err err;

	svcspec_init(&spec);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "x", text, strlen(text), &err), 0);
	ctv_counters_order(&cs, &spec);
	ck_assert_str_eq(c[0].name, "local");
	ck_assert_str_eq(c[1].name, "b");
	ck_assert_str_eq(c[2].name, "a");
	ck_assert_str_eq(c[3].name, "gone");
	ck_assert_str_eq(c[4].name, "other");
	svcspec_free(&spec);
}
END_TEST

START_TEST(an_explicit_backend_wins_and_an_unknown_one_is_named)
{
	struct ctv_err err;

	ck_assert_ptr_eq(backend_choose("nft", "iptables", &err), &backend_nft);
	ck_assert_ptr_eq(backend_choose("auto", "nft", &err), &backend_nft);
	ck_assert_ptr_null(backend_find("pf", &err));
	ck_assert_msg(strstr(err.msg, "unknown backend 'pf'"), "%s", err.msg);
}
END_TEST

void add_rulestate_tests(Suite *s)
{
	TCase *tc = tcase_create("rulestate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_saved_spec_loads_back_equal_with_its_backend);
	tcase_add_test(tc, a_state_file_without_its_backend_line_is_refused);
	tcase_add_test(tc, a_directory_is_not_a_rules_file);
	tcase_add_test(tc, a_missing_state_directory_is_created_on_save);
	tcase_add_test(tc, rules_files_come_from_rules_d_in_lexical_order_else_the_default);
	tcase_add_test(tc, buckets_are_put_in_spec_order_with_local_first_and_other_last);
	tcase_add_test(tc, an_explicit_backend_wins_and_an_unknown_one_is_named);
	suite_add_tcase(s, tc);
}
