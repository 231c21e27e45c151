#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
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
	ck_assert_ptr_null(strstr(d, "chain mark"));
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

	has(d, "chain mark: hook output priority -150, 2 rules");
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

void add_nft_backend_tests(Suite *s)
{
	TCase *tc = tcase_create("nft_backend");

	tcase_add_test(tc, a_thousand_port_services_are_one_rule_and_one_map_per_direction);
	tcase_add_test(tc, tcp_and_udp_ports_of_one_group_share_one_map_keyed_by_protocol_and_port);
	tcase_add_test(tc, ports_too_many_for_a_hash_use_an_interval_map_per_protocol);
	tcase_add_test(tc, owner_services_tag_connections_without_touching_other_mark_bits);
	tcase_add_test(tc, loopback_comes_first_and_other_last_in_both_chains);
	suite_add_tcase(s, tc);
}
