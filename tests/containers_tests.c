#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "containers.h"
#include "unit_tests.h"

static const char *parse_error(const char *text)
{
	static struct ctv_err err;
	struct containers c;

	ck_assert_int_eq(containers_parse(text, strlen(text), "cts", &c, &err), -1);
	ck_assert_ptr_null(c.v);
	return err.msg;
}

START_TEST(bridged_and_routed_containers_parse_in_file_order)
{
	const char *text = "# node 7\r\n101 veth veth101\n\n102\tip 198.18.20.102,2001:db8:20::102 # venet\n"
			   "103 veth veth103 \n104 ip 198.18.20.104 dev venet0\n105 ip 198.18.20.105 dev venet0\n";
	struct containers c;
	struct ctv_err err;
	char buf[64];

	ck_assert_msg(containers_parse(text, strlen(text), "cts", &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_str_eq(c.v[4].ifname, "venet0"); /* routed containers may share a device */
	ck_assert_str_eq(c.v[0].id, "101");
	ck_assert_int_eq(c.v[0].kind, CONTAINERS_VETH);
	ck_assert_str_eq(c.v[0].ifname, "veth101");
	ck_assert_uint_eq(c.v[0].line, 2);
	ck_assert_int_eq(c.v[1].kind, CONTAINERS_IP);
	ck_assert_str_eq(c.v[1].ifname, "");
	ck_assert_uint_eq(c.v[1].n_addrs, 2);
	ck_assert_int_eq(c.v[1].addrs[1].family, AF_INET6);
	ck_assert_str_eq(inet_ntop(AF_INET6, c.v[1].addrs[1].addr, buf, sizeof(buf)), "2001:db8:20::102");
	ck_assert_str_eq(inet_ntop(AF_INET, c.v[1].addrs[0].addr, buf, sizeof(buf)), "198.18.20.102");
	ck_assert_str_eq(c.v[3].ifname, "venet0");
	ck_assert_ptr_eq(containers_find(&c, "103"), &c.v[2]);
	ck_assert_ptr_null(containers_find(&c, "106"));
	containers_free(&c);
}
END_TEST

START_TEST(duplicates_are_refused_naming_both_lines)
{
	ck_assert_str_eq(parse_error("101 veth veth101\n101 ip 198.18.0.1\n"),
			 "cts:2: container 101 is already defined on line 1");
	ck_assert_str_eq(parse_error("101 veth veth101\n\n103 veth veth101\n"),
			 "cts:3: interface veth101 is already container 101's (line 1)");
	ck_assert_str_eq(parse_error("101 veth veth101\n102 ip 198.18.0.2 dev veth101\n"),
			 "cts:2: interface veth101 is already container 101's (line 1)");
	ck_assert_str_eq(parse_error("102 ip 198.18.0.2 dev venet0\n101 veth venet0\n"),
			 "cts:2: interface venet0 is already container 102's (line 1)");
	ck_assert_str_eq(parse_error("102 ip 198.18.0.1\n104 ip 2001:db8::1,198.18.0.1\n"),
			 "cts:2: address 198.18.0.1 is already container 102's (line 1)");
	ck_assert_str_eq(parse_error("102 ip 2001:db8::1,2001:DB8:0::1\n"),
			 "cts:1: address 2001:DB8:0::1 is already container 102's (line 1)");
}
END_TEST

START_TEST(malformed_lines_name_the_file_and_line)
{
	ck_assert_str_eq(parse_error("101 bridge br0\n"), "cts:1: unknown kind 'bridge' (veth or ip)");
	ck_assert_str_eq(parse_error("#\n101 veth\n"),
			 "cts:2: expected 'CTID veth IFNAME' or 'CTID ip ADDR[,ADDR]...'");
	ck_assert_str_eq(parse_error("1/1 veth v1\n"),
			 "cts:1: '1/1' is not a container id (1 to 64 of A-Z a-z 0-9 . _ -)");
	ck_assert_str_eq(parse_error("101 veth veth101 extra\n"), "cts:1: unexpected 'extra' after the interface");
	ck_assert_str_eq(parse_error("101 veth a/b\n"), "cts:1: 'a/b' is not an interface name");
	ck_assert_str_eq(parse_error("101 veth 0123456789abcdef\n"),
			 "cts:1: '0123456789abcdef' is not an interface name");
	ck_assert_str_eq(parse_error("102 ip 198.18.0.1,\n"), "cts:1: empty address in '198.18.0.1,'");
	ck_assert_str_eq(parse_error("102 ip 198.18.0.1/32\n"),
			 "cts:1: '198.18.0.1/32' is not an IPv4 or IPv6 address");
	ck_assert_str_eq(parse_error("102 ip 198.18.0.1 via x\n"),
			 "cts:1: unexpected 'via' after the addresses (only 'dev IFNAME')");
	ck_assert_str_eq(parse_error("102 ip 198.18.0.1 dev\n"),
			 "cts:1: unexpected 'dev' after the addresses (only 'dev IFNAME')");
}
END_TEST

START_TEST(an_empty_file_has_no_containers)
{
	struct containers c;

	ck_assert_int_eq(containers_parse("# none\n\n", 8, "cts", &c, NULL), 0);
	ck_assert_uint_eq(c.n, 0);
	containers_free(&c);
}
END_TEST

START_TEST(container_ids_are_checked)
{
	ck_assert(containers_id_valid("101"));
	ck_assert(containers_id_valid("c0ffee00-1111-2222-3333-444455556666"));
	ck_assert(!containers_id_valid(""));
	ck_assert(!containers_id_valid("-1"));
	ck_assert(!containers_id_valid("a:b"));
}
END_TEST

void add_containers_tests(Suite *s)
{
	TCase *tc = tcase_create("containers");

	tcase_add_test(tc, bridged_and_routed_containers_parse_in_file_order);
	tcase_add_test(tc, duplicates_are_refused_naming_both_lines);
	tcase_add_test(tc, malformed_lines_name_the_file_and_line);
	tcase_add_test(tc, an_empty_file_has_no_containers);
	tcase_add_test(tc, container_ids_are_checked);
	suite_add_tcase(s, tc);
}
