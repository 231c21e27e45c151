#include "config.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "nlack.h"
#include "unit_tests.h"

/* Appends an NLMSG_ERROR answer to seq with error (0: an ack). */
static size_t put_answer(char *buf, size_t off, uint32_t seq, int error)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf + off);
	struct nlmsgerr *e;

	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(h, sizeof(*e));
	e->error = -error;
	e->msg.nlmsg_seq = seq;
	return off + NLMSG_ALIGN(h->nlmsg_len);
}

START_TEST(the_ack_of_the_last_message_ends_the_answer)
{
	char buf[1024] = { 0 };
	struct nlack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = put_answer(buf, 0, 12, 0);

	nlack_scan(&st, buf, len);
	ck_assert_int_eq(st.done, 0);
	len = put_answer(buf, 0, 15, 0);
	nlack_scan(&st, buf, len);
	ck_assert_int_eq(st.done, 1);
	ck_assert_int_eq(st.error, 0);
}
END_TEST

START_TEST(the_first_failure_is_kept_with_its_message)
{
	char buf[1024] = { 0 };
	struct nlack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = 0;

	len = put_answer(buf, len, 12, ENOENT);
	len = put_answer(buf, len, 13, EEXIST);
	nlack_scan(&st, buf, len);
	ck_assert_int_eq(st.error, ENOENT);
	ck_assert_uint_eq(st.error_seq, 12);
	ck_assert_int_eq(st.done, 0);
}
END_TEST

START_TEST(an_error_about_the_batch_itself_ends_the_answer)
{
	char buf[1024] = { 0 };
	struct nlack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = put_answer(buf, 0, 10, EPERM);

	nlack_scan(&st, buf, len);
	ck_assert_int_eq(st.done, 1);
	ck_assert_int_eq(st.error, EPERM);
}
END_TEST

START_TEST(a_truncated_answer_is_ignored)
{
	char buf[1024] = { 0 };
	struct nlack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = put_answer(buf, 0, 15, EPERM);

	nlack_scan(&st, buf, len - 8);
	ck_assert_int_eq(st.done, 0);
	ck_assert_int_eq(st.error, 0);
}
END_TEST

void add_nlack_tests(Suite *s)
{
	TCase *tc = tcase_create("nlack");

	tcase_add_test(tc, the_ack_of_the_last_message_ends_the_answer);
	tcase_add_test(tc, the_first_failure_is_kept_with_its_message);
	tcase_add_test(tc, an_error_about_the_batch_itself_ends_the_answer);
	tcase_add_test(tc, a_truncated_answer_is_ignored);
	suite_add_tcase(s, tc);
}
