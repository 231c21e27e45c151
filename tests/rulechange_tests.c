/* The install and remove transactions, over a fake backend in a
 * temporary state directory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rulechange.h"
#include "rulestate.h"
#include "snapshot.h"
#include "store.h"
#include "unit_tests.h"

static char dir[64];

/* The firewall holds our table while "present"; it counts one service
 * that may leave the spec. */
static struct {
	int present, fail_install, installs, reads;
} fw;

static int fw_read(struct ctv_counters *out, struct ctv_err *err)
{
	static const char *const names[] = { "local", "http", "mail", "other" };

	fw.reads++;
	if (!fw.present) {
		ctv_err_set(err, "table inet ctverify is gone");
		errno = ENOENT;
		return -1;
	}
	out->c = calloc(4, sizeof(*out->c));
	ck_assert_ptr_nonnull(out->c);
	out->n = 4;
	for (size_t i = 0; i < 4; i++) {
		snprintf(out->c[i].name, sizeof(out->c[i].name), "%s", names[i]);
		out->c[i].in_bytes = 1000 * (i + 1);
		out->c[i].out_packets = i + 1;
	}
	return 0;
}

static int fw_install(const struct svcspec *spec, struct ctv_err *err)
{
	(void)spec;
	if (fw.fail_install) {
		ctv_err_set(err, "the kernel refused the batch");
		return -1;
	}
	fw.installs++;
	fw.present = 1;
	return 0;
}

static int fw_remove(struct ctv_err *err)
{
	(void)err;
	fw.present = 0;
	return 0;
}

static const struct backend fake = {
	.name = "fake", .install = fw_install, .remove = fw_remove, .read = fw_read,
};

static const struct ctv_warn warn = { test_warn, NULL };
static struct svcspec spec;

static void parse(struct svcspec *s, const char *text)
{
	struct ctv_err err = { "" };

	svcspec_init(s);
	ck_assert_msg(svcspec_parse_buffer(s, "t", text, strlen(text), &err) == 0, "%s", err.msg);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ctv-rulechange-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("CTVERIFY_STATEDIR", dir, 1);
	memset(&fw, 0, sizeof(fw));
	test_nwarned = 0;
	parse(&spec, "service http proto=tcp lport=80\n");
}

static void teardown(void)
{
	char cmd[128];

	svcspec_free(&spec);
	unsetenv("CTVERIFY_STATEDIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void saved_is(const char *want)
{
	char name[64];

	ck_assert_int_eq(rulechange_saved(name, sizeof(name), NULL), 0);
	ck_assert_str_eq(name, want);
}

START_TEST(an_install_hands_back_the_counters_of_services_that_left)
{
	struct ctv_counters removed;
	struct ctv_err err = { "" };

	fw.present = 1;
	ck_assert_int_eq(rulestate_save("fake", &spec, &err), 0);
	ck_assert_msg(rulechange_install(&warn, &fake, "fake", &spec, &removed, &err) == 0, "%s",
		      err.msg);
	/* local and other always stay; http is in the spec; mail left. */
	ck_assert_uint_eq(removed.n, 1);
	ck_assert_str_eq(removed.c[0].name, "mail");
	ck_assert_uint_eq(removed.c[0].in_bytes, 3000);
	ck_assert_uint_eq(removed.c[0].out_packets, 3);
	ctv_counters_free(&removed);
	ck_assert_int_eq(test_nwarned, 0); /* no history kept: no snapshot to take */
	saved_is("fake");
}
END_TEST

START_TEST(a_first_install_has_nothing_to_hand_back_and_saves_the_spec)
{
	struct ctv_counters removed;
	struct ctv_err err = { "" };

	saved_is("");
	ck_assert_int_eq(rulechange_install(&warn, &fake, "", &spec, &removed, &err), 0);
	ck_assert_uint_eq(removed.n, 0);
	ck_assert_int_eq(fw.reads, 0);
	ck_assert_int_eq(fw.installs, 1);
	saved_is("fake");
}
END_TEST

START_TEST(a_refused_install_saves_nothing_and_names_the_backend)
{
	struct ctv_counters removed;
	struct ctv_err err = { "" };

	fw.fail_install = 1;
	ck_assert_int_eq(rulechange_install(&warn, &fake, "", &spec, &removed, &err), -1);
	ck_assert_str_eq(err.msg, "fake backend: the kernel refused the batch");
	saved_is("");
}
END_TEST

START_TEST(with_history_kept_the_rules_are_snapshotted_before_the_change)
{
	struct ctv_counters removed;
	struct ctv_err err = { "" };
	struct store_intervals iv;
	struct store *st;

	fw.present = 1;
	ck_assert_int_eq(rulestate_save("fake", &spec, &err), 0);
	st = snapshot_open_store(snapshot_default_db(), &err);
	ck_assert_ptr_nonnull(st);
	store_close(st);
	ck_assert_int_eq(rulechange_install(&warn, &fake, "fake", &spec, &removed, &err), 0);
	ctv_counters_free(&removed);
	ck_assert_int_eq(test_nwarned, 0);
	ck_assert_int_eq(fw.reads, 2); /* the snapshot, then the counters that go */
	st = store_open(snapshot_default_db(), STORE_READ, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_intervals(st, 0, INT64_MAX, NULL, -1, &iv, &err), 0);
	ck_assert_uint_eq(iv.n, 0); /* the first reading is the baseline */
	store_intervals_free(&iv);
	store_close(st);
}
END_TEST

START_TEST(rules_gone_before_a_change_give_their_error_once_then_the_warning)
{
	struct ctv_counters removed;
	struct ctv_err err = { "" };
	struct store *st;

	ck_assert_int_eq(rulestate_save("fake", &spec, &err), 0);
	st = snapshot_open_store(snapshot_default_db(), &err);
	ck_assert_ptr_nonnull(st);
	store_close(st);
	ck_assert_int_eq(rulechange_install(&warn, &fake, "fake", &spec, &removed, &err), 0);
	ctv_counters_free(&removed);
	ck_assert_int_eq(test_nwarned, 2);
	ck_assert_str_eq(test_warned[0], "table inet ctverify is gone");
	ck_assert_str_eq(test_warned[1], "warning: no snapshot before the change");
	ck_assert_int_eq(fw.installs, 1); /* the change goes on, and is not a repair */
}
END_TEST

START_TEST(a_backend_that_cannot_be_used_is_told_apart_from_a_failed_remove)
{
	struct ctv_err err = { "" };

	ck_assert_int_eq(rulechange_remove(&warn, "no-such-backend", &err), RULECHANGE_NO_BACKEND);
	ck_assert_int_ne(err.msg[0], '\0');
}
END_TEST

void add_rulechange_tests(Suite *s)
{
	TCase *tc = tcase_create("rulechange");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_install_hands_back_the_counters_of_services_that_left);
	tcase_add_test(tc, a_first_install_has_nothing_to_hand_back_and_saves_the_spec);
	tcase_add_test(tc, a_refused_install_saves_nothing_and_names_the_backend);
	tcase_add_test(tc, with_history_kept_the_rules_are_snapshotted_before_the_change);
	tcase_add_test(tc, rules_gone_before_a_change_give_their_error_once_then_the_warning);
	tcase_add_test(tc, a_backend_that_cannot_be_used_is_told_apart_from_a_failed_remove);
	suite_add_tcase(s, tc);
}
