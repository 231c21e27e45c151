#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "unit_tests.h"

/* Parses s (a C string) by flags; returns the faults, 0 on success. */
static unsigned faults_of(const char *s, unsigned flags, struct cidr *out)
{
	unsigned f = 12345;
	int r = cidr_parse(s, strlen(s), flags, out, &f);

	ck_assert_int_eq(r, f ? -1 : 0);
	if (r < 0)
		ck_assert_int_eq(errno, EINVAL);
	return f;
}

static const char *text_of(const struct cidr *c)
{
	static char buf[CIDR_STR_LEN];

	return cidr_format(c, buf, sizeof(buf));
}

START_TEST(an_ipv4_network_is_read)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("198.18.0.0/24", 0, &c), 0);
	ck_assert_uint_eq(c.family, AF_INET);
	ck_assert_uint_eq(c.prefix, 24);
	ck_assert_uint_eq(c.addr[0], 198);
	ck_assert_uint_eq(c.addr[1], 18);
	for (int i = 2; i < 16; i++)
		ck_assert_uint_eq(c.addr[i], 0);
	ck_assert_str_eq(text_of(&c), "198.18.0.0/24");
	ck_assert_uint_eq(faults_of("0.0.0.0/0", 0, &c), 0);
	ck_assert_uint_eq(c.prefix, 0);
	ck_assert_uint_eq(faults_of("255.255.255.255/32", 0, &c), 0);
	ck_assert_str_eq(text_of(&c), "255.255.255.255/32");
}
END_TEST

START_TEST(an_ipv6_network_is_read)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("2001:db8:5::/48", 0, &c), 0);
	ck_assert_uint_eq(c.family, AF_INET6);
	ck_assert_uint_eq(c.prefix, 48);
	ck_assert_uint_eq(c.addr[0], 0x20);
	ck_assert_uint_eq(c.addr[5], 0x05);
	ck_assert_str_eq(text_of(&c), "2001:db8:5::/48");
	ck_assert_uint_eq(faults_of("2001:DB8::A/128", 0, &c), 0);
	ck_assert_str_eq(text_of(&c), "2001:db8::a/128");
	ck_assert_uint_eq(faults_of("0:0:0:0:0:0:0:1/128", 0, &c), 0);
	ck_assert_str_eq(text_of(&c), "::1/128");
}
END_TEST

START_TEST(the_whole_ipv6_space_may_be_written_colon_colon_zero)
{
	struct cidr a, b;

	ck_assert_uint_eq(faults_of("::0/0", CIDR_PREFIX_REQUIRED | CIDR_HOST_BITS_MASK, &a), 0);
	ck_assert_uint_eq(faults_of("::/0", CIDR_PREFIX_REQUIRED | CIDR_HOST_BITS_MASK, &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_uint_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.prefix, 0);
	ck_assert_str_eq(text_of(&a), "::/0");
}
END_TEST

START_TEST(host_bits_are_refused_when_asked)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("198.18.1.1/24", CIDR_HOST_BITS_REFUSE, &c), CIDR_E_HOST_BITS);
	/* what was read stays, for the message */
	ck_assert_str_eq(text_of(&c), "198.18.1.1/24");
	ck_assert_int_eq(cidr_has_host_bits(&c), 1);
	cidr_mask(&c);
	ck_assert_str_eq(text_of(&c), "198.18.1.0/24");
	ck_assert_uint_eq(faults_of("2001:db8::1/64", CIDR_HOST_BITS_REFUSE, &c), CIDR_E_HOST_BITS);
	ck_assert_uint_eq(faults_of("0.0.0.1/0", CIDR_HOST_BITS_REFUSE, &c), CIDR_E_HOST_BITS);
	/* the last bit before the prefix ends is not a host bit */
	ck_assert_uint_eq(faults_of("198.18.1.128/25", CIDR_HOST_BITS_REFUSE, &c), 0);
	ck_assert_uint_eq(faults_of("198.18.1.1", CIDR_HOST_BITS_REFUSE, &c), 0);
}
END_TEST

START_TEST(host_bits_are_masked_when_asked)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("10.1.2.3/24", CIDR_HOST_BITS_MASK, &c), 0);
	ck_assert_str_eq(text_of(&c), "10.1.2.0/24");
	ck_assert_uint_eq(faults_of("10.1.2.255/23", CIDR_HOST_BITS_MASK, &c), 0);
	ck_assert_str_eq(text_of(&c), "10.1.2.0/23");
	ck_assert_uint_eq(faults_of("2001:db8:ffff:ffff::1/33", CIDR_HOST_BITS_MASK, &c), 0);
	ck_assert_str_eq(text_of(&c), "2001:db8:8000::/33");
	ck_assert_uint_eq(faults_of("::1/0", CIDR_HOST_BITS_MASK, &c), 0);
	ck_assert_str_eq(text_of(&c), "::/0");
}
END_TEST

START_TEST(host_bits_are_kept_as_written_unless_asked)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("10.1.2.3/24", 0, &c), 0);
	ck_assert_str_eq(text_of(&c), "10.1.2.3/24");
	ck_assert_int_eq(cidr_has_host_bits(&c), 1);
}
END_TEST

START_TEST(a_prefix_above_the_family_maximum_is_refused)
{
	struct cidr c;

	/* a number a prefix can be, of the other family */
	ck_assert_uint_eq(faults_of("198.18.0.0/33", 0, &c), CIDR_E_PREFIX_RANGE);
	ck_assert_uint_eq(c.family, AF_INET);
	ck_assert_uint_eq(faults_of("198.18.0.0/128", 0, &c), CIDR_E_PREFIX_RANGE);
	/* no prefix of any family */
	ck_assert_uint_eq(faults_of("2001:db8::/129", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("198.18.0.0/200", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("198.18.0.0/99999999999999999999999", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("198.18.0.0/32", 0, &c), 0);
	ck_assert_uint_eq(faults_of("2001:db8::/128", 0, &c), 0);
}
END_TEST

START_TEST(a_missing_prefix_is_one_host_unless_required)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("198.18.0.1", 0, &c), 0);
	ck_assert_uint_eq(c.prefix, 32);
	ck_assert_uint_eq(faults_of("2001:db8::1", 0, &c), 0);
	ck_assert_uint_eq(c.prefix, 128);
	ck_assert_uint_eq(faults_of("198.18.0.1", CIDR_PREFIX_REQUIRED, &c), CIDR_E_NO_PREFIX);
	/* what it would have been, for a message that says so */
	ck_assert_str_eq(text_of(&c), "198.18.0.1/32");
	ck_assert_uint_eq(faults_of("2001:db8::1", CIDR_PREFIX_REQUIRED, &c), CIDR_E_NO_PREFIX);
	ck_assert_uint_eq(c.prefix, 128);
}
END_TEST

START_TEST(an_address_alone_may_have_no_prefix_at_all)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("198.18.0.1", CIDR_PREFIX_NONE, &c), 0);
	ck_assert_uint_eq(c.prefix, 32);
	ck_assert_uint_eq(faults_of("198.18.0.1/32", CIDR_PREFIX_NONE, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("2001:db8::1/128", CIDR_PREFIX_NONE, &c), CIDR_E_ADDR);
}
END_TEST

START_TEST(junk_is_not_an_address)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("example.com", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("198.18.0/24", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("198.18.0.256", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("1.2.3.4.5", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("0x0a.0.0.1", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("10", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of(" 10.0.0.1", 0, &c), CIDR_E_ADDR);
	/* a prefix of 33..128 tells nothing without the family */
	ck_assert_uint_eq(faults_of("junk/64", 0, &c), CIDR_E_ADDR);
}
END_TEST

START_TEST(trailing_garbage_is_refused)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("10.0.0.0/8x", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.0/8/9", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.0/8 ", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.0/", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.1x", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("10.0.0.1 ", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("10.0.0.0 /8", 0, &c), CIDR_E_ADDR);
	/* what strtoul would let through */
	ck_assert_uint_eq(faults_of("10.0.0.0/+8", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.0/-0", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.0/ 8", 0, &c), CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("10.0.0.0/0x8", 0, &c), CIDR_E_PREFIX_SYNTAX);
	/* leading zeros are only zeros */
	ck_assert_uint_eq(faults_of("10.0.0.0/008", 0, &c), 0);
	ck_assert_uint_eq(c.prefix, 8);
}
END_TEST

START_TEST(the_empty_string_is_not_an_address)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("", CIDR_PREFIX_REQUIRED, &c), CIDR_E_ADDR | CIDR_E_NO_PREFIX);
	ck_assert_uint_eq(faults_of("/", 0, &c), CIDR_E_ADDR | CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("/8", 0, &c), CIDR_E_ADDR);
}
END_TEST

START_TEST(scoped_and_odd_ipv6_forms)
{
	struct cidr c;

	/* a zone is an interface's, not a network's */
	ck_assert_uint_eq(faults_of("fe80::1%eth0", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("fe80::1%eth0/64", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("[2001:db8::1]", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("[2001:db8::]/32", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("2001:db8::1::2", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("2001:db8:0:0:0:0:0:0:1", 0, &c), CIDR_E_ADDR);
	ck_assert_uint_eq(faults_of("12345::", 0, &c), CIDR_E_ADDR);
	/* an IPv4-mapped address is IPv6 */
	ck_assert_uint_eq(faults_of("::ffff:198.18.0.1", 0, &c), 0);
	ck_assert_uint_eq(c.family, AF_INET6);
	ck_assert_str_eq(text_of(&c), "::ffff:198.18.0.1/128");
	ck_assert_uint_eq(faults_of("::ffff:0:0/96", CIDR_HOST_BITS_REFUSE, &c), 0);
	ck_assert_uint_eq(faults_of("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", 0, &c), 0);
}
END_TEST

START_TEST(every_fault_is_reported_so_each_caller_picks_its_order)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("junk/200", 0, &c), CIDR_E_ADDR | CIDR_E_PREFIX_SYNTAX);
	ck_assert_uint_eq(faults_of("junk", CIDR_PREFIX_REQUIRED, &c), CIDR_E_ADDR | CIDR_E_NO_PREFIX);
	/* host bits are only looked at in an otherwise good network */
	ck_assert_uint_eq(faults_of("10.1.2.3/33", CIDR_HOST_BITS_REFUSE, &c), CIDR_E_PREFIX_RANGE);
	/* a NULL faults pointer is allowed */
	ck_assert_int_eq(cidr_parse("junk", 4, 0, &c, NULL), -1);
	ck_assert_int_eq(cidr_parse("10.0.0.1", 8, 0, &c, NULL), 0);
}
END_TEST

START_TEST(the_family_can_be_restricted)
{
	struct cidr c;

	ck_assert_uint_eq(faults_of("10.0.0.0/8", CIDR_V4, &c), 0);
	ck_assert_uint_eq(faults_of("10.0.0.0/8", CIDR_V6, &c), CIDR_E_FAMILY);
	ck_assert_uint_eq(c.family, AF_INET); /* for a message naming it */
	ck_assert_uint_eq(faults_of("2001:db8::/32", CIDR_V4, &c), CIDR_E_FAMILY);
	ck_assert_uint_eq(faults_of("2001:db8::/32", CIDR_V6, &c), 0);
	ck_assert_uint_eq(faults_of("2001:db8::/32", CIDR_V4 | CIDR_V6, &c), 0);
	ck_assert_uint_eq(faults_of("::ffff:10.0.0.1", CIDR_V4, &c), CIDR_E_FAMILY);
}
END_TEST

START_TEST(a_long_text_is_refused_unread_when_asked)
{
	const char *at_max = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/0000128";
	const char *over = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/00000128";
	struct cidr c;

	ck_assert_uint_eq(strlen(at_max), CIDR_TEXT_MAX);
	ck_assert_uint_eq(faults_of(at_max, CIDR_TEXT_LIMIT, &c), 0);
	ck_assert_uint_eq(faults_of(over, CIDR_TEXT_LIMIT, &c), CIDR_E_TOO_LONG);
	ck_assert_uint_eq(c.family, 0);
	ck_assert_uint_eq(faults_of(over, 0, &c), 0);
}
END_TEST

START_TEST(the_text_is_read_by_length_and_a_nul_is_not_an_address)
{
	struct cidr c;
	unsigned f;

	ck_assert_int_eq(cidr_parse("10.0.0.0/8,10.1.0.0/16", 10, 0, &c, &f), 0);
	ck_assert_str_eq(text_of(&c), "10.0.0.0/8");
	ck_assert_int_eq(cidr_parse("10.0.0.1\0/8", 11, 0, &c, &f), -1);
	ck_assert_uint_eq(f, CIDR_E_ADDR);
	ck_assert_int_eq(cidr_parse("10.0.0.0/8\0", 11, 0, &c, &f), -1);
	ck_assert_uint_eq(f, CIDR_E_PREFIX_SYNTAX);
}
END_TEST

START_TEST(a_formatted_network_parses_back_to_itself)
{
	const char *texts[] = { "0.0.0.0/0", "198.18.7.0/24", "203.0.113.9/32", "::/0",
				"2001:db8:5::/48", "::ffff:198.18.0.0/112", "fe80::/10" };
	char buf[CIDR_STR_LEN], small[8];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cidr a, b;

		ck_assert_uint_eq(faults_of(texts[i], CIDR_HOST_BITS_REFUSE, &a), 0);
		ck_assert_str_eq(cidr_format(&a, buf, sizeof(buf)), texts[i]);
		ck_assert_uint_eq(faults_of(buf, CIDR_PREFIX_REQUIRED | CIDR_HOST_BITS_REFUSE, &b), 0);
		ck_assert_mem_eq(&a, &b, sizeof(a));
	}
	{
		struct cidr a;

		ck_assert_uint_eq(faults_of("198.18.7.0/24", 0, &a), 0);
		ck_assert_str_eq(cidr_format(&a, small, sizeof(small)), "198.18.");
	}
	ck_assert_int_eq(cidr_max_prefix(AF_INET), 32);
	ck_assert_int_eq(cidr_max_prefix(AF_INET6), 128);
}
END_TEST

void add_cidr_tests(Suite *s)
{
	TCase *tc = tcase_create("cidr");

	tcase_add_test(tc, an_ipv4_network_is_read);
	tcase_add_test(tc, an_ipv6_network_is_read);
	tcase_add_test(tc, the_whole_ipv6_space_may_be_written_colon_colon_zero);
	tcase_add_test(tc, host_bits_are_refused_when_asked);
	tcase_add_test(tc, host_bits_are_masked_when_asked);
	tcase_add_test(tc, host_bits_are_kept_as_written_unless_asked);
	tcase_add_test(tc, a_prefix_above_the_family_maximum_is_refused);
	tcase_add_test(tc, a_missing_prefix_is_one_host_unless_required);
	tcase_add_test(tc, an_address_alone_may_have_no_prefix_at_all);
	tcase_add_test(tc, junk_is_not_an_address);
	tcase_add_test(tc, trailing_garbage_is_refused);
	tcase_add_test(tc, the_empty_string_is_not_an_address);
	tcase_add_test(tc, scoped_and_odd_ipv6_forms);
	tcase_add_test(tc, every_fault_is_reported_so_each_caller_picks_its_order);
	tcase_add_test(tc, the_family_can_be_restricted);
	tcase_add_test(tc, a_long_text_is_refused_unread_when_asked);
	tcase_add_test(tc, the_text_is_read_by_length_and_a_nul_is_not_an_address);
	tcase_add_test(tc, a_formatted_network_parses_back_to_itself);
	suite_add_tcase(s, tc);
}
