#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_tests.h"
#include "xtlock.h"

static char lockfile[64];

static void setup(void)
{
	int fd;

	snprintf(lockfile, sizeof(lockfile), "/tmp/ctv-xtlock-XXXXXX");
	fd = mkstemp(lockfile);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(lockfile);
}

START_TEST(the_lock_is_taken_released_and_taken_again)
{
	int fd = xtlock_take(lockfile, 100, NULL);

	ck_assert_int_ge(fd, 0);
	xtlock_release(fd);
	fd = xtlock_take(lockfile, 100, NULL);
	ck_assert_int_ge(fd, 0);
	xtlock_release(fd);
}
END_TEST

START_TEST(a_held_lock_times_out_with_a_message_naming_the_file)
{
	struct ctv_err err;
	int held = xtlock_take(lockfile, 100, NULL);

	ck_assert_int_ge(held, 0);
	/* flock() locks belong to the open file: a second open conflicts
	 * even in this process, like another iptables would. */
	errno = 0;
	ck_assert_int_eq(xtlock_take(lockfile, 150, &err), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(err.msg, lockfile));
	ck_assert_ptr_nonnull(strstr(err.msg, "gave up after 0.150 s"));
	xtlock_release(held);
	held = xtlock_take(lockfile, 100, NULL);
	ck_assert_int_ge(held, 0);
	xtlock_release(held);
}
END_TEST

START_TEST(a_lock_file_that_cannot_be_opened_says_so)
{
	struct ctv_err err;

	ck_assert_int_eq(xtlock_take("/nonexistent-dir/xtables.lock", 100, &err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/xtables.lock"));
}
END_TEST

START_TEST(xtables_lockfile_in_the_environment_is_honoured)
{
	unsetenv("XTABLES_LOCKFILE");
	ck_assert_str_eq(xtlock_path(), "/run/xtables.lock");
	setenv("XTABLES_LOCKFILE", "/tmp/other.lock", 1);
	ck_assert_str_eq(xtlock_path(), "/tmp/other.lock");
	unsetenv("XTABLES_LOCKFILE");
}
END_TEST

void add_xtlock_tests(Suite *s)
{
	TCase *tc = tcase_create("xtlock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_lock_is_taken_released_and_taken_again);
	tcase_add_test(tc, a_held_lock_times_out_with_a_message_naming_the_file);
	tcase_add_test(tc, a_lock_file_that_cannot_be_opened_says_so);
	tcase_add_test(tc, xtables_lockfile_in_the_environment_is_honoured);
	suite_add_tcase(s, tc);
}
