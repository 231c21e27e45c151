#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "classes.h"
#include "unit_tests.h"

static struct classes parsed(const char *text)
{
	struct classes c;
	struct ctv_err err = { "" };

	ck_assert_msg(classes_parse(text, strlen(text), "nc", &c, &err) == 0, "%s", err.msg);
	return c;
}

static const char *parse_error(const char *text)
{
	static struct ctv_err err;
	struct classes c;

	ck_assert_int_eq(classes_parse(text, strlen(text), "nc", &c, &err), -1);
	ck_assert_ptr_null(c.nets);
	return err.msg;
}

/* The loader's notice for c as read from a file named name, or "". */
static const char *notice_of(const struct classes *c, const char *name)
{
	static char buf[CLASSES_NOTICE_MAX + 4096];

	return classes_notice(c, name, buf, sizeof(buf)) ? buf : "";
}

static int cls_of(const struct classes *c, const char *addr)
{
	uint8_t a[16] = { 0 };
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	struct classes_flat f;
	int ref, flat;

	ck_assert_int_eq(inet_pton(fam, addr, a), 1);
	ref = classes_lookup(c, fam, a);
	ck_assert_int_eq(classes_flatten(c, &f, NULL), 0);
	flat = classes_flat_lookup(&f, fam, a);
	classes_flat_free(&f);
	/* The kernel gets the flattened form: it must agree with the rules. */
	ck_assert_msg(flat == (ref < 0 ? 0 : ref), "%s: flat %d, reference %d", addr, flat, ref);
	return ref;
}

#define ALL "1 0.0.0.0/0\n1 ::/0\n"

struct want_range {
	const char *first, *last;
	int cls;
};

/* The flattened ranges of one family are exactly want, in order. */
static void check_ranges(const struct classes_range *r, size_t n, int family,
			 const struct want_range *want, size_t nwant)
{
	char a[64], b[64];

	ck_assert_uint_eq(n, nwant);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(classes_addr_str(family, r[i].first, a, sizeof(a)), want[i].first);
		ck_assert_str_eq(classes_addr_str(family, r[i].last, b, sizeof(b)), want[i].last);
		ck_assert_int_eq(r[i].cls, want[i].cls);
	}
}

START_TEST(a_class_one_hole_inside_a_class_two_network_is_class_one)
{
	struct classes c = parsed(ALL "2 10.0.0.0/8\n1 10.1.2.0/24\n");

	ck_assert_int_eq(cls_of(&c, "10.0.0.1"), 2);
	ck_assert_int_eq(cls_of(&c, "10.1.1.255"), 2);
	ck_assert_int_eq(cls_of(&c, "10.1.2.0"), 1);
	ck_assert_int_eq(cls_of(&c, "10.1.2.255"), 1);
	ck_assert_int_eq(cls_of(&c, "10.1.3.0"), 2);
	ck_assert_int_eq(cls_of(&c, "10.255.255.255"), 2);
	ck_assert_int_eq(cls_of(&c, "11.0.0.0"), 1);
	ck_assert_int_eq(cls_of(&c, "8.8.8.8"), 1);
	classes_free(&c);
}
END_TEST

START_TEST(a_class_zero_network_is_never_counted_even_under_a_longer_prefix)
{
	struct classes c = parsed(ALL "2 10.0.0.0/8\n0 10.9.0.0/16\n5 10.9.1.0/24\n"
				  "0 2001:db8::/32\n3 2001:db8:1::/48\n");

	ck_assert_int_eq(cls_of(&c, "10.9.0.1"), 0);
	ck_assert_int_eq(cls_of(&c, "10.9.1.1"), 0);
	ck_assert_int_eq(cls_of(&c, "10.10.0.0"), 2);
	ck_assert_int_eq(cls_of(&c, "2001:db8:1::1"), 0);
	ck_assert_int_eq(cls_of(&c, "2001:db9::1"), 1);
	classes_free(&c);
}
END_TEST

START_TEST(the_later_line_wins_a_tie_and_the_longest_prefix_wins_otherwise)
{
	struct classes c = parsed(ALL "3 192.0.2.0/24\n4 192.0.2.0/24\n"
				  "6 198.51.100.0/25\n5 198.51.100.0/24\n");

	ck_assert_int_eq(cls_of(&c, "192.0.2.77"), 4);
	ck_assert_int_eq(cls_of(&c, "198.51.100.1"), 6);
	ck_assert_int_eq(cls_of(&c, "198.51.100.200"), 5);
	classes_free(&c);
}
END_TEST

START_TEST(ipv6_networks_classify_ipv6_peers_only)
{
	struct classes c = parsed(ALL "2 2001:db8::/32\n3 2001:db8:1::/48\n0 2001:db8:ff::/48\n"
				  "7 ::ffff:0:0/96\n");

	ck_assert_int_eq(cls_of(&c, "2001:db8:1::5"), 3);
	ck_assert_int_eq(cls_of(&c, "2001:db8:2::1"), 2);
	ck_assert_int_eq(cls_of(&c, "2001:db8:ff::1"), 0);
	ck_assert_int_eq(cls_of(&c, "2001:db9::1"), 1);
	ck_assert_int_eq(cls_of(&c, "::ffff:10.0.0.1"), 7);
	ck_assert_int_eq(cls_of(&c, "10.0.0.1"), 1); /* not the mapped v6 network */
	classes_free(&c);
}
END_TEST

/* Worked by hand: 1 everywhere, 2 on 10/8 with a class-1 /24 and a class-0
 * /16 cut out. */
START_TEST(flattening_gives_the_hand_worked_disjoint_ranges)
{
	static const struct want_range want[] = {
		{ "0.0.0.0", "9.255.255.255", 1 },
		{ "10.0.0.0", "10.1.1.255", 2 },
		{ "10.1.2.0", "10.1.2.255", 1 },
		{ "10.1.3.0", "10.8.255.255", 2 },
		{ "10.9.0.0", "10.9.255.255", 0 },
		{ "10.10.0.0", "10.255.255.255", 2 },
		{ "11.0.0.0", "255.255.255.255", 1 },
	};
	struct classes c = parsed(ALL "2 10.0.0.0/8\n1 10.1.2.0/24\n0 10.9.0.0/16\n");
	struct classes_flat f;
	char a[64], b[64];

	ck_assert_int_eq(classes_flatten(&c, &f, NULL), 0);
	check_ranges(f.v4, f.n4, AF_INET, want, sizeof(want) / sizeof(want[0]));
	ck_assert_uint_eq(f.n6, 1);
	ck_assert_str_eq(classes_addr_str(AF_INET6, f.v6[0].first, a, sizeof(a)), "::");
	ck_assert_str_eq(classes_addr_str(AF_INET6, f.v6[0].last, b, sizeof(b)),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	classes_flat_free(&f);
	classes_free(&c);
}
END_TEST

START_TEST(ipv6_flattening_gives_the_hand_worked_ranges)
{
	static const struct want_range want[] = {
		{ "::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::", "2001:db8:0:ffff:ffff:ffff:ffff:ffff", 2 },
		{ "2001:db8:1::", "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8:2::", "2001:db8:fe:ffff:ffff:ffff:ffff:ffff", 2 },
		{ "2001:db8:ff::", "2001:db8:ff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "2001:db8:100::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 2 },
		{ "2001:db9::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	};
	struct classes c = parsed(ALL "2 2001:db8::/32\n1 2001:db8:1::/48\n0 2001:db8:ff::/48\n");
	struct classes_flat f;

	ck_assert_int_eq(classes_flatten(&c, &f, NULL), 0);
	check_ranges(f.v6, f.n6, AF_INET6, want, sizeof(want) / sizeof(want[0]));
	ck_assert_uint_eq(f.n4, 1);
	classes_flat_free(&f);
	classes_free(&c);
}
END_TEST

START_TEST(flattening_merges_neighbours_of_the_same_class)
{
	struct classes c = parsed(ALL "2 10.0.0.0/9\n2 10.128.0.0/9\n");
	struct classes_flat f;

	ck_assert_int_eq(classes_flatten(&c, &f, NULL), 0);
	ck_assert_uint_eq(f.n4, 3);
	ck_assert_int_eq(f.v4[1].cls, 2);
	ck_assert_int_eq(f.v4[1].first[0], 10);
	ck_assert_int_eq(f.v4[1].last[1], 255);
	classes_flat_free(&f);
	classes_free(&c);
}
END_TEST

START_TEST(flattening_agrees_with_the_rules_on_random_files)
{
	srand(7);
	for (int round = 0; round < 50; round++) {
		char text[8192] = ALL;
		size_t n = strlen(text);
		struct classes c;
		struct classes_flat f;

		for (int i = 0; i < 30; i++) {
			int p = 4 + rand() % 20;

			n += (size_t)snprintf(text + n, sizeof(text) - n, "%d 10.%d.%d.0/%d\n",
					      rand() % 4, rand() % 4, rand() % 8, p);
		}
		c = parsed(text);
		ck_assert_int_eq(classes_flatten(&c, &f, NULL), 0);
		for (int i = 0; i < 2000; i++) {
			uint8_t a[16] = { 10, (uint8_t)(rand() % 5), (uint8_t)(rand() % 9),
					  (uint8_t)rand() };
			int ref = classes_lookup(&c, AF_INET, a);

			ck_assert_int_eq(classes_flat_lookup(&f, AF_INET, a), ref < 0 ? 0 : ref);
		}
		for (size_t i = 1; i < f.n4; i++) /* maximal runs */
			ck_assert_int_ne(f.v4[i].cls, f.v4[i - 1].cls);
		classes_flat_free(&f);
		classes_free(&c);
	}
}
END_TEST

START_TEST(tabs_trailing_blanks_crlf_and_comments_are_accepted)
{
	struct classes c = parsed("# Virtuozzo style\r\n\r\n1\t0.0.0.0/0 \r\n  1 ::/0\t# all\r\n"
				  "\t2\t10.0.0.0/8\t\t# ours\r\n#2 11.0.0.0/8\n");

	ck_assert_uint_eq(c.n, 3);
	ck_assert_int_eq(c.nets[2].cls, 2);
	ck_assert_uint_eq(c.nets[2].line, 5);
	ck_assert_int_eq(cls_of(&c, "10.3.3.3"), 2);
	ck_assert_int_eq(cls_of(&c, "11.3.3.3"), 1);
	classes_free(&c);
}
END_TEST

START_TEST(host_bits_are_masked_like_virtuozzo_does)
{
	struct classes c = parsed(ALL "2 10.1.2.3/24\n");

	ck_assert_int_eq(c.nets[2].addr[3], 0);
	ck_assert_int_eq(cls_of(&c, "10.1.2.200"), 2);
	ck_assert_int_eq(cls_of(&c, "10.1.3.1"), 1);
	classes_free(&c);
}
END_TEST

START_TEST(errors_name_the_file_and_line)
{
	ck_assert_str_eq(parse_error(ALL "16 10.0.0.0/8\n"), "nc:3: class '16' is not a number from 0 to 15");
	ck_assert_str_eq(parse_error(ALL "# c\n2 10.0.0.0\n"),
			 "nc:4: '10.0.0.0' has no prefix length (vzctl would skip this line)");
	ck_assert_str_eq(parse_error(ALL "2 10.0.0.0/33\n"),
			 "nc:3: prefix 33 is above 32 (vzctl would cap it to /32)");
	ck_assert_str_eq(parse_error(ALL "2 2001:db8::/129\n"),
			 "nc:3: prefix 129 is above 128 (vzctl would cap it to /128)");
	ck_assert_str_eq(parse_error(ALL "2 10.0.0.0/\n"), "nc:3: prefix '/' is not a number from 0 to 32");
	ck_assert_str_eq(parse_error(ALL "2 10.0.0/8\n"), "nc:3: '10.0.0' is not an IPv4 or IPv6 address");
	ck_assert_str_eq(parse_error(ALL "2 10.0.0.0/8 x\n"), "nc:3: unexpected text after the network");
	ck_assert_str_eq(parse_error(ALL "2\n"), "nc:3: expected '<class> <address>/<prefix>'");
	ck_assert_str_eq(parse_error(ALL "-1 10.0.0.0/8\n"), "nc:3: class '-1' is not a number from 0 to 15");
	ck_assert_str_eq(parse_error(ALL "2 10.0.0.0/+8\n"), "nc:3: prefix '/+8' is not a number from 0 to 32");
}
END_TEST

START_TEST(class_one_must_cover_ipv4)
{
	ck_assert_str_eq(parse_error("1 ::/0\n2 10.0.0.0/8\n"),
			 "nc: class 1 must cover all addresses: add the line '1 0.0.0.0/0'");
	ck_assert_str_eq(parse_error("2 0.0.0.0/0\n2 ::/0\n"),
			 "nc: class 1 must cover all addresses: add the line '1 0.0.0.0/0'");
	ck_assert_str_eq(parse_error(""), "nc: class 1 must cover all addresses: add the line '1 0.0.0.0/0'");
}
END_TEST

START_TEST(without_a_line_for_all_ipv6_unlisted_ipv6_is_class_0_and_a_notice_says_so)
{
	struct classes c = parsed("1 0.0.0.0/0\n2 2001:db8::/32\n");
	struct classes_flat f;

	ck_assert_str_eq(notice_of(&c, "nc"), "nc: no line for ::/0: IPv6 traffic outside the listed networks "
			 "is class 0, not accounted (add '1 ::/0' to bill it as class 1)");
	ck_assert_int_eq(cls_of(&c, "2001:db8::1"), 2);
	ck_assert_int_eq(cls_of(&c, "2001:db9::1"), -1); /* no network: class 0 when flattened */
	ck_assert_int_eq(classes_flatten(&c, &f, NULL), 0);
	ck_assert_uint_eq(f.n6, 3);
	ck_assert_int_eq(f.v6[0].cls, 0);
	ck_assert_int_eq(f.v6[1].cls, 2);
	ck_assert_int_eq(f.v6[2].cls, 0);
	classes_flat_free(&f);
	classes_free(&c);
	/* Any class for ::/0 covers IPv6: no notice. */
	c = parsed("1 0.0.0.0/0\n2 ::/0\n");
	ck_assert_str_eq(notice_of(&c, "nc"), "");
	ck_assert_int_eq(cls_of(&c, "2001:db9::1"), 2);
	classes_free(&c);
	c = parsed(ALL);
	ck_assert_str_eq(notice_of(&c, "nc"), "");
	classes_free(&c);
}
END_TEST

static struct classes fixture(const char *file)
{
	const char *src = getenv("top_srcdir");
	struct ctv_err err = { "" };
	struct classes c;
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fixtures/classes/%s", src ? src : "..", file);
	ck_assert_msg(classes_load(path, &c, &err) == 0, "%s: %s", file, err.msg);
	return c;
}

/* The man page's example, worked by hand: class 2 on 10/8 and 11/8, two
 * class-0 /24s and a class-1 hole inside 10/8, no IPv6 line. */
static void check_man_page_example(const struct classes *c)
{
	static const struct want_range want[] = {
		{ "0.0.0.0", "9.255.255.255", 1 },
		{ "10.0.0.0", "10.10.9.255", 2 },
		{ "10.10.10.0", "10.10.10.255", 0 },
		{ "10.10.11.0", "10.10.14.255", 2 },
		{ "10.10.15.0", "10.10.15.255", 0 },
		{ "10.10.16.0", "10.10.16.255", 1 },
		{ "10.10.17.0", "11.255.255.255", 2 },
		{ "12.0.0.0", "255.255.255.255", 1 },
	};
	struct classes_flat f;
	char a[64], b[64];

	ck_assert_uint_eq(c->n, 6);
	ck_assert_uint_eq(c->nets[5].line, 10);
	ck_assert_int_eq(cls_of(c, "10.10.10.7"), 0);
	ck_assert_int_eq(cls_of(c, "10.10.16.1"), 1);
	ck_assert_int_eq(cls_of(c, "10.200.0.1"), 2);
	ck_assert_int_eq(cls_of(c, "11.1.1.1"), 2);
	ck_assert_int_eq(cls_of(c, "8.8.8.8"), 1);
	ck_assert_int_eq(cls_of(c, "2001:db8::1"), -1);
	ck_assert_str_eq(notice_of(c, "f"), "f: no line for ::/0: IPv6 traffic outside the listed "
			 "networks is class 0, not accounted (add '1 ::/0' to bill it as class 1)");
	ck_assert_int_eq(classes_flatten(c, &f, NULL), 0);
	check_ranges(f.v4, f.n4, AF_INET, want, sizeof(want) / sizeof(want[0]));
	/* IPv6: one range, not accounted; the node's class map gets no
	 * IPv6 element of any class. */
	ck_assert_uint_eq(f.n6, 1);
	ck_assert_int_eq(f.v6[0].cls, 0);
	ck_assert_str_eq(classes_addr_str(AF_INET6, f.v6[0].first, a, sizeof(a)), "::");
	ck_assert_str_eq(classes_addr_str(AF_INET6, f.v6[0].last, b, sizeof(b)),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	classes_flat_free(&f);
}

START_TEST(the_man_page_example_loads_and_leaves_unlisted_ipv6_unaccounted)
{
	struct classes c = fixture("vz_manpage");

	check_man_page_example(&c);
	classes_free(&c);
}
END_TEST

START_TEST(the_man_page_example_with_tabs_reads_like_the_one_with_spaces)
{
	struct classes c = fixture("vz_manpage_tabs"), d = fixture("vz_manpage");

	check_man_page_example(&c);
	ck_assert_uint_eq(c.n, d.n);
	for (size_t i = 0; i < c.n; i++) {
		ck_assert_int_eq(c.nets[i].cls, d.nets[i].cls);
		ck_assert_int_eq(c.nets[i].prefix, d.nets[i].prefix);
		ck_assert_int_eq(memcmp(c.nets[i].addr, d.nets[i].addr, 16), 0);
	}
	classes_free(&c);
	classes_free(&d);
}
END_TEST

START_TEST(the_stock_vzctl_file_with_0_0_slash_0_is_class_1_everywhere)
{
	struct classes c = fixture("vz_stock");
	struct classes_flat f;

	ck_assert_uint_eq(c.n, 2);
	ck_assert_int_eq(c.nets[1].family, AF_INET6);
	ck_assert_int_eq(c.nets[1].prefix, 0);
	ck_assert_uint_eq(c.nets[1].line, 22);
	ck_assert_str_eq(notice_of(&c, "nc"), "");
	ck_assert_int_eq(cls_of(&c, "10.10.10.1"), 1);
	ck_assert_int_eq(cls_of(&c, "2001:db8::1"), 1);
	ck_assert_int_eq(classes_flatten(&c, &f, NULL), 0);
	ck_assert_uint_eq(f.n4, 1);
	ck_assert_uint_eq(f.n6, 1);
	ck_assert_int_eq(f.v6[0].cls, 1);
	classes_flat_free(&f);
	classes_free(&c);
	/* ::0/0 written in the middle of a line, with a tab. */
	c = parsed("1\t0.0.0.0/0\n1\t::0/0\t# all IPv6\n");
	ck_assert_str_eq(notice_of(&c, "nc"), "");
	ck_assert_int_eq(cls_of(&c, "::1"), 1);
	classes_free(&c);
}
END_TEST

START_TEST(the_shipped_example_parses)
{
	struct classes c;
	struct ctv_err err;
	char path[4096];
	const char *src = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/rules/networks_classes", src ? src : "..");
	ck_assert_msg(classes_load(path, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_ge(c.n, 2);
	classes_free(&c);
	ck_assert_int_eq(classes_load("/nonexistent/nc", &c, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/nc: No such file or directory");
}
END_TEST

void add_classes_tests(Suite *s)
{
	TCase *tc = tcase_create("classes");

	tcase_add_test(tc, a_class_one_hole_inside_a_class_two_network_is_class_one);
	tcase_add_test(tc, a_class_zero_network_is_never_counted_even_under_a_longer_prefix);
	tcase_add_test(tc, the_later_line_wins_a_tie_and_the_longest_prefix_wins_otherwise);
	tcase_add_test(tc, ipv6_networks_classify_ipv6_peers_only);
	tcase_add_test(tc, flattening_gives_the_hand_worked_disjoint_ranges);
	tcase_add_test(tc, ipv6_flattening_gives_the_hand_worked_ranges);
	tcase_add_test(tc, flattening_merges_neighbours_of_the_same_class);
	tcase_add_test(tc, flattening_agrees_with_the_rules_on_random_files);
	tcase_add_test(tc, tabs_trailing_blanks_crlf_and_comments_are_accepted);
	tcase_add_test(tc, host_bits_are_masked_like_virtuozzo_does);
	tcase_add_test(tc, errors_name_the_file_and_line);
	tcase_add_test(tc, class_one_must_cover_ipv4);
	tcase_add_test(tc, without_a_line_for_all_ipv6_unlisted_ipv6_is_class_0_and_a_notice_says_so);
	tcase_add_test(tc, the_man_page_example_loads_and_leaves_unlisted_ipv6_unaccounted);
	tcase_add_test(tc, the_man_page_example_with_tabs_reads_like_the_one_with_spaces);
	tcase_add_test(tc, the_stock_vzctl_file_with_0_0_slash_0_is_class_1_everywhere);
	tcase_add_test(tc, the_shipped_example_parses);
	suite_add_tcase(s, tc);
}
