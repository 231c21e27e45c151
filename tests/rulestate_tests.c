#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "history.h"
#include "rulestate.h"
#include "statement.h"
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

START_TEST(the_mirrored_classes_are_saved_with_the_spec_and_come_from_a_file_or_a_statement)
{
	const char *rules = "service web proto=tcp lport=80\n";
	const char *nc = "# node\n0 198.18.60.0/24\n1 0.0.0.0/0\n2 198.19.0.0/16\n";
	const char *st = "{\"format\":\"ctverify-statement/1\",\"source\":\"ctnode\",\"ct\":\"101\","
			 "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":0,\"out_bytes\":0},"
			 "\"networks\":[{\"class\":0,\"cidr\":\"198.18.60.0/24\"},"
			 "{\"class\":1,\"cidr\":\"0.0.0.0/0\"},{\"class\":2,\"cidr\":\"198.19.0.0/16\"}]}";
	struct svcspec a, b, c;
	struct ctv_err err;
	char backend[16], path[256], path2[256];
	int ids[CLASSES_MAX];

	svcspec_init(&a);
	svcspec_init(&b);
	svcspec_init(&c);
	snprintf(path, sizeof(path), "%s/nc", dir);
	snprintf(path2, sizeof(path2), "%s/st.json", dir);
	touch(path, nc);
	touch(path2, st);
	ck_assert_int_eq(svcspec_parse_buffer(&a, "x", rules, strlen(rules), &err), 0);
	ck_assert_int_eq(svcspec_parse_buffer(&c, "x", rules, strlen(rules), &err), 0);
	ck_assert_int_eq(rulestate_load_classes(path, NULL, &a, &err), 0);
	ck_assert_int_eq(rulestate_load_classes(path2, NULL, &c, &err), 0);
	ck_assert_int_eq(svcspec_equal(&a, &c), 1);
	ck_assert_int_eq(svcspec_class_ids(&a, ids), 3);
	ck_assert_int_eq(ids[2], 2);
	ck_assert_int_eq(rulestate_save("iptables", &a, &err), 0);
	ck_assert_int_eq(rulestate_load(backend, sizeof(backend), &b, &err), 0);
	ck_assert_uint_eq(b.classes.n, 3);
	ck_assert_int_eq(svcspec_equal(&a, &b), 1);
	/* Without classes the specs differ. */
	svcspec_free(&c);
	ck_assert_int_eq(svcspec_parse_buffer(&c, "x", rules, strlen(rules), &err), 0);
	ck_assert_int_eq(svcspec_equal(&a, &c), 0);
	ck_assert_int_eq(svcspec_class_ids(&c, ids), 0);
	/* Errors name the line, or the entry of networks. */
	touch(path, "1 0.0.0.0/0\n2 198.19.0.0\n");
	ck_assert_int_eq(rulestate_load_classes(path, NULL, &c, &err), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err.msg, "/nc:2:"), "%s", err.msg);
	touch(path2, "{\"format\":\"ctverify-statement/1\",\"source\":\"ctnode\",\"ct\":\"1\","
		     "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":0,\"out_bytes\":0}}");
	ck_assert_int_eq(rulestate_load_classes(path2, NULL, &c, &err), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err.msg, "no \"networks\""), "%s", err.msg);
	ck_assert_uint_eq(c.classes.n, 0);
	svcspec_free(&a);
	svcspec_free(&b);
	svcspec_free(&c);
}
END_TEST

START_TEST(the_classes_the_rules_mirror_become_an_exports_networks_in_file_order)
{
	/* Ground truth: the classes file given to 'rules install --classes'. */
	static const struct { int cls; const char *cidr; } file[] = {
		{ 0, "198.18.60.0/24" }, { 0, "2001:db8:60::/48" }, { 1, "0.0.0.0/0" },
		{ 1, "::/0" }, { 2, "198.19.0.0/16" }, { 2, "2001:db8:62::/48" },
	};
	const char *rules = "service web proto=tcp lport=80\n";
	struct svcspec a;
	struct classes mirror = { NULL, 0 };
	struct statement sm, back;
	struct ctv_err err = { "" };
	char path[256], text[512] = "# the node's classes\n", *json;
	size_t n = sizeof(file) / sizeof(file[0]);

	/* Nothing installed: no networks, no error. */
	ck_assert_int_eq(rulestate_mirror_classes(&mirror, &err), 0);
	ck_assert_uint_eq(mirror.n, 0);
	/* Installed without --classes: none either. */
	svcspec_init(&a);
	ck_assert_int_eq(svcspec_parse_buffer(&a, "x", rules, strlen(rules), &err), 0);
	ck_assert_int_eq(rulestate_save("nft", &a, &err), 0);
	ck_assert_int_eq(rulestate_mirror_classes(&mirror, &err), 0);
	ck_assert_uint_eq(mirror.n, 0);
	/* With --classes FILE: the file's networks, in its order. */
	for (size_t i = 0; i < n; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%d %s\n", file[i].cls,
			 file[i].cidr);
	snprintf(path, sizeof(path), "%s/nc", dir);
	touch(path, text);
	ck_assert_int_eq(rulestate_load_classes(path, NULL, &a, &err), 0);
	ck_assert_int_eq(rulestate_save("nft", &a, &err), 0);
	ck_assert_int_eq(rulestate_mirror_classes(&mirror, &err), 0);
	ck_assert_uint_eq(mirror.n, n);
	statement_init(&sm, STATEMENT_CTVERIFY);
	strcpy(sm.ct, "101");
	ck_assert_int_eq(history_networks(&sm, &mirror, &err), 0);
	json = statement_dump(&sm, &err);
	ck_assert_msg(json != NULL, "%s", err.msg);
	ck_assert_msg(strstr(json, "\"networks\":[{\"class\":0,\"cidr\":\"198.18.60.0/24\"},"
			       "{\"class\":0,\"cidr\":\"2001:db8:60::/48\"}"), "%s", json);
	ck_assert_int_eq(statement_parse(json, strlen(json), "export", &back, &err), 0);
	ck_assert_int_eq(back.has_networks, 1);
	ck_assert_uint_eq(back.n_networks, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(back.networks[i].class, file[i].cls);
		ck_assert_str_eq(back.networks[i].cidr, file[i].cidr);
	}
	free(json);
	statement_free(&back);
	statement_free(&sm);
	classes_free(&mirror);
	/* A saved spec that does not load is an error, not silence. */
	snprintf(path, sizeof(path), "%s/%s", dir, RULESTATE_FILE);
	touch(path, "garbage\n");
	ck_assert_int_eq(rulestate_mirror_classes(&mirror, &err), -1);
	ck_assert_uint_eq(mirror.n, 0);
	svcspec_free(&a);
}
END_TEST

START_TEST(buckets_are_put_in_spec_order_with_local_first_and_other_last)
{
	const char *text = "service b proto=tcp\nservice a proto=udp\n";
	struct ctv_counter c[] = { { .name = "class:2" }, { .name = "other" }, { .name = "a" },
				   { .name = "gone" }, { .name = "class:0" }, { .name = "local" },
				   { .name = "b" } };
	struct ctv_counters cs = { .c = c, .n = 7 };
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
	/* The class buckets after other, by class. */
	ck_assert_str_eq(c[5].name, "class:0");
	ck_assert_str_eq(c[6].name, "class:2");
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
	tcase_add_test(tc, the_mirrored_classes_are_saved_with_the_spec_and_come_from_a_file_or_a_statement);
	tcase_add_test(tc, the_classes_the_rules_mirror_become_an_exports_networks_in_file_order);
	tcase_add_test(tc, a_state_file_without_its_backend_line_is_refused);
	tcase_add_test(tc, a_directory_is_not_a_rules_file);
	tcase_add_test(tc, a_missing_state_directory_is_created_on_save);
	tcase_add_test(tc, rules_files_come_from_rules_d_in_lexical_order_else_the_default);
	tcase_add_test(tc, buckets_are_put_in_spec_order_with_local_first_and_other_last);
	tcase_add_test(tc, an_explicit_backend_wins_and_an_unknown_one_is_named);
	suite_add_tcase(s, tc);
}
