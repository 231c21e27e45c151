/* rtnl's link event decoder over hand-built messages. */
#include "config.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "rtnl.h"
#include "unit_tests.h"

static struct nlmsghdr *link_msg(char *buf, uint16_t type, int index, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = index;
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

START_TEST(a_new_link_is_decoded_with_its_name_and_index)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_link_event ev;

	ck_assert_int_eq(rtnl_link_decode(link_msg(buf, RTM_NEWLINK, 7, "veth101"), &ev), 1);
	ck_assert_int_eq(ev.created, 1);
	ck_assert_int_eq(ev.ifindex, 7);
	ck_assert_str_eq(ev.ifname, "veth101");
}
END_TEST

START_TEST(a_deleted_link_is_not_created)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_link_event ev;

	ck_assert_int_eq(rtnl_link_decode(link_msg(buf, RTM_DELLINK, 9, "veth102"), &ev), 1);
	ck_assert_int_eq(ev.created, 0);
	ck_assert_str_eq(ev.ifname, "veth102");
}
END_TEST

START_TEST(other_messages_are_not_link_events)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_link_event ev;

	ck_assert_int_eq(rtnl_link_decode(link_msg(buf, RTM_NEWADDR, 7, "veth101"), &ev), 0);
}
END_TEST

START_TEST(a_link_without_a_name_or_with_an_empty_or_too_long_one_is_malformed)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_link_event ev;

	errno = 0;
	ck_assert_int_eq(rtnl_link_decode(link_msg(buf, RTM_NEWLINK, 7, NULL), &ev), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(rtnl_link_decode(link_msg(buf, RTM_NEWLINK, 7, "a-name-longer-than-ifnamsiz"), &ev), -1);
	ck_assert_int_eq(rtnl_link_decode(link_msg(buf, RTM_NEWLINK, 7, ""), &ev), -1);
}
END_TEST

void add_rtnl_tests(Suite *s)
{
	TCase *tc = tcase_create("rtnl");

	tcase_add_test(tc, a_new_link_is_decoded_with_its_name_and_index);
	tcase_add_test(tc, a_deleted_link_is_not_created);
	tcase_add_test(tc, other_messages_are_not_link_events);
	tcase_add_test(tc, a_link_without_a_name_or_with_an_empty_or_too_long_one_is_malformed);
	suite_add_tcase(s, tc);
}
