#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/set.h>

#include "backend.h"
#include "nft_int.h"
#include "unit_tests.h"

/* What the nft backend would build, from describe(): no root needed. */
static char *describe(const char *text)
{
	struct svcspec spec;
	struct ctv_err err;
	char *d;

	svcspec_init(&spec);
	ck_assert_msg(svcspec_parse_buffer(&spec, "t.rules", text, strlen(text), &err) == 0, "%s",
		      err.msg);
	d = backend_nft.describe(&spec, &err);
	ck_assert_msg(d != NULL, "%s", err.msg);
	svcspec_free(&spec);
	return d;
}

static void has(const char *d, const char *want)
{
	ck_assert_msg(strstr(d, want), "missing '%s' in:\n%s", want, d);
}

START_TEST(a_thousand_port_services_are_one_rule_and_one_map_per_direction)
{
	size_t cap = 64 * 1000, len = 0;
	char *text = malloc(cap), *d;

	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len, "service s%d proto=%s lport=%d\n", i,
					i % 2 ? "tcp" : "udp", 20000 + i);
	d = describe(text);
	free(text);
	has(d, "2004 counters"); /* 1,000 services, local and other; in and out */
	has(d, "map m0_in: 1000 elements");
	has(d, "map m0_out: 1000 elements");
	has(d, "chain in: hook prerouting priority -150, 3 rules");
	has(d, "chain out: hook postrouting priority 300, 3 rules");
	ck_assert_ptr_null(strstr(d, "chain owner_mark"));
	free(d);
}
END_TEST

START_TEST(tcp_and_udp_ports_of_one_group_share_one_map_keyed_by_protocol_and_port)
{
	char *d = describe("service dns proto=any lport=53\nservice web proto=tcp lport=80\n");

	has(d, "map m0_in: 3 elements");
	has(d, "[ meta load l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg 9 ] [ objref sreg 1 set m0_in ]");
	has(d, "[ meta load l4proto => reg 1 ] [ payload load 2b @ transport header + 0 => reg 9 ] [ objref sreg 1 set m0_out ]");
	free(d);
}
END_TEST

START_TEST(ports_too_many_for_a_hash_use_an_interval_map_per_protocol)
{
	char *d = describe("service high proto=tcp lport=10000-30000\n");

	/* An end element at 0, the start, the end at 30001. */
	has(d, "map m0_in: 3 elements");
	has(d, "[ cmp eq reg 1 0x00000006 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ objref sreg 1 set m0_in ]");
	free(d);
}
END_TEST

START_TEST(owner_services_tag_connections_without_touching_other_mark_bits)
{
	char *d = describe("service web proto=tcp lport=80\nservice u user=33\nservice g group=44\n");

	has(d, "chain owner_mark: hook output priority -150, 2 rules");
	/* Only while our bits are unset, and then only our bits change. */
	has(d, "[ bitwise reg 1 = ( reg 1 & 0x00ff0000 ) ^ 0x00000000 ] [ cmp eq reg 1 0x00000000 ] [ meta load skuid => reg 1 ] [ cmp eq reg 1 0x00000021 ]");
	has(d, "[ bitwise reg 1 = ( reg 1 & 0xff00ffff ) ^ 0x00010000 ] [ ct set mark with reg 1 ]");
	has(d, "[ meta load skgid => reg 1 ] [ cmp eq reg 1 0x0000002c ] [ ct load mark => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0xff00ffff ) ^ 0x00020000 ]");
	/* Both directions are attributed by the mark. */
	has(d, "[ cmp eq reg 1 0x00010000 ] [ objref type 1 name in_u ]");
	has(d, "[ cmp eq reg 1 0x00020000 ] [ objref type 1 name out_g ]");
	free(d);
}
END_TEST

START_TEST(loopback_comes_first_and_other_last_in_both_chains)
{
	char *d = describe("service p peer=198.18.0.0/15,2001:db8::/32\n");
	const char *in = strstr(d, "chain in:"), *out = strstr(d, "chain out:");

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	has(in, "\n    [ meta load iif => reg 1 ] [ cmp eq reg 1 0x00000001 ] [ objref type 1 name in_local ] [ immediate reg 0 accept ]");
	has(out, "\n    [ meta load oif => reg 1 ] [ cmp eq reg 1 0x00000001 ] [ objref type 1 name out_local ]");
	has(in, "[ objref type 1 name in_other ] \n  chain out");
	/* Peers: one map per family, saddr in, daddr out. */
	has(d, "[ payload load 4b @ network header + 12 => reg 1 ] [ objref sreg 1 set m0_in ]");
	has(d, "[ payload load 16b @ network header + 24 => reg 1 ] [ objref sreg 1 set m1_out ]");
	free(d);
}
END_TEST

/* What nft(8) 1.0.6 reads back unquoted (docs/DESIGN.md "Names nft can
 * read back"): a letter first, then letters, digits, '_', '.', '-'; and a
 * '_', which no nft keyword has. The two base chains "in" and "out" are
 * nft tokens only inside ipsec expressions (checked with nft -c). */
static int nft_name_ok(const char *n)
{
	if (!strcmp(n, "in") || !strcmp(n, "out"))
		return 1;
	if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) || !strchr(n, '_'))
		return 0;
	return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       strlen(n);
}

START_TEST(every_name_of_every_rule_kind_is_one_nft_reads_back)
{
	const char *text = "service web proto=tcp lport=80,443\n"
			   "service 9lives proto=udp rport=53\n"
			   "service a.b-c_d proto=any lport=20000-30000\n"
			   "service peers peer=198.19.7.0/24,2001:db8:77::/48\n"
			   "service both proto=tcp lport=22 rport=1024-65535 peer=10.0.0.0/8,fd00::/8\n"
			   "service nobody user=65534\n"
			   "service grp group=0 proto=tcp rport=443\n"
			   "service ping proto=icmp\n";
	struct svcspec spec;
	struct ctv_err err;
	struct model m;
	int owner = 0;

	svcspec_init(&spec);
	ck_assert_msg(svcspec_parse_buffer(&spec, "t.rules", text, strlen(text), &err) == 0, "%s",
		      err.msg);
	ck_assert_msg(nftb_model_build(&spec, 0, &m, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < m.n_chains; i++) {
		ck_assert_msg(nft_name_ok(m.chains[i].name), "chain %s", m.chains[i].name);
		owner |= !strcmp(m.chains[i].name, "owner_mark");
	}
	ck_assert_msg(owner, "no owner_mark chain");
	ck_assert_uint_gt(m.n_sets, 5);
	for (size_t i = 0; i < m.n_sets; i++) {
		const char *n = nftnl_set_get_str(m.sets[i], NFTNL_SET_NAME);

		ck_assert_msg(nft_name_ok(n), "set %s", n);
	}
	ck_assert_uint_eq(m.counters.n, 2 * (spec.n + 2));
	for (size_t i = 0; i < m.counters.n; i++)
		ck_assert_msg(nft_name_ok(m.counters.v[i]), "counter %s", m.counters.v[i]);
	nftb_model_free(&m);
	svcspec_free(&spec);
}
END_TEST

START_TEST(the_class_mirror_is_one_map_lookup_per_family_right_after_loopback)
{
	const char *rules = "service web proto=tcp lport=80\n";
	const char *nc = "0 198.18.60.0/24\n1 0.0.0.0/0\n1 ::/0\n2 198.19.0.0/16\n";
	struct svcspec spec;
	struct ctv_err err;
	struct model m;
	char *d, buf[16];
	const char *in;

	svcspec_init(&spec);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "t.rules", rules, strlen(rules), &err), 0);
	ck_assert_int_eq(classes_parse(nc, strlen(nc), "nc", &spec.classes, &err), 0);
	d = backend_nft.describe(&spec, &err);
	ck_assert_ptr_nonnull(d);
	in = strstr(d, "chain in:");
	ck_assert_ptr_nonnull(in);
	/* local (accept), then IPv4 and IPv6 class maps by saddr without a
	 * verdict, then the services. */
	has(in, "[ immediate reg 0 accept ] \n    [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] "
		"[ payload load 4b @ network header + 12 => reg 1 ] [ objref sreg 1 set class4_in ] \n"
		"    [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] "
		"[ payload load 16b @ network header + 8 => reg 1 ] [ objref sreg 1 set class6_in ] \n");
	has(d, "[ payload load 16b @ network header + 24 => reg 1 ] [ objref sreg 1 set class6_out ]");
	/* 0.0.0.0-198.18.59.255, 198.18.60/24, ..61-255, 198.19/16, 198.20-: 5
	 * ranges, an end element after each but the last. */
	has(d, "map class4_in: 9 elements");
	free(d);
	ck_assert_int_eq(nftb_model_build(&spec, 0, &m, &err), 0);
	/* Services' counters and one pair per class bucket (0, 1, 2). */
	ck_assert_uint_eq(m.counters.n, 2 * (spec.n + 2) + 2 * 3);
	ck_assert_int_eq(nfnl_names_has(&m.counters, "class_2_out"), 1);
	for (size_t i = 0; i < m.counters.n; i++)
		ck_assert_msg(nft_name_ok(m.counters.v[i]), "counter %s", m.counters.v[i]);
	nftb_model_free(&m);
	ck_assert_int_eq(nftb_class_counter("class_15_in", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "class:15");
	ck_assert_int_eq(nftb_class_counter("class_0_out", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "class:0");
	ck_assert_int_eq(nftb_class_counter("class_16_in", buf, sizeof(buf)), -1);
	ck_assert_int_eq(nftb_class_counter("in_class_2", buf, sizeof(buf)), -1);
	svcspec_free(&spec);
}
END_TEST

void add_nft_backend_tests(Suite *s)
{
	TCase *tc = tcase_create("nft_backend");

	tcase_add_test(tc, a_thousand_port_services_are_one_rule_and_one_map_per_direction);
	tcase_add_test(tc, tcp_and_udp_ports_of_one_group_share_one_map_keyed_by_protocol_and_port);
	tcase_add_test(tc, ports_too_many_for_a_hash_use_an_interval_map_per_protocol);
	tcase_add_test(tc, owner_services_tag_connections_without_touching_other_mark_bits);
	tcase_add_test(tc, loopback_comes_first_and_other_last_in_both_chains);
	tcase_add_test(tc, every_name_of_every_rule_kind_is_one_nft_reads_back);
	tcase_add_test(tc, the_class_mirror_is_one_map_lookup_per_family_right_after_loopback);
	suite_add_tcase(s, tc);
}
