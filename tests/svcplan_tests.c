#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svcplan.h"
#include "unit_tests.h"

static struct svcspec spec;
static struct svcplan plan;
static struct ctv_err err;

static void setup(void)
{
	svcspec_init(&spec);
	memset(&plan, 0, sizeof(plan));
}

static void teardown(void)
{
	svcplan_free(&plan);
	svcspec_free(&spec);
}

static void build(const char *text)
{
	ck_assert_msg(svcspec_parse_buffer(&spec, "p.rules", text, strlen(text), &err) == 0, "%s",
		      err.msg);
	ck_assert_msg(svcplan_build(&spec, &plan, &err) == 0, "%s", err.msg);
}

static unsigned port(const uint8_t *k)
{
	return (unsigned)k[0] << 8 | k[1];
}

/* The map as text: "lo-hi:svc lo-hi:svc ..." */
static const char *ports(const struct svcplan_map *m)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u-%u:%zu", i ? " " : "",
					port(m->iv[i].lo), port(m->iv[i].hi), m->iv[i].svc);
	return buf;
}

static struct svcplan_iv iv(unsigned lo, unsigned hi, size_t svc)
{
	struct svcplan_iv x;

	memset(&x, 0, sizeof(x));
	x.lo[0] = (uint8_t)(lo >> 8);
	x.lo[1] = (uint8_t)lo;
	x.hi[0] = (uint8_t)(hi >> 8);
	x.hi[1] = (uint8_t)hi;
	x.svc = svc;
	return x;
}

START_TEST(an_earlier_range_wins_where_ranges_overlap)
{
	struct svcplan_iv in[] = { iv(80, 90, 0), iv(85, 100, 1), iv(1, 65535, 2) };
	struct svcplan_map m = { .width = 2 };
	long n = svcplan_flatten(in, 3, 2, &m.iv);

	ck_assert_int_eq(n, 4);
	m.n = (size_t)n;
	ck_assert_str_eq(ports(&m), "1-79:2 80-90:0 91-100:1 101-65535:2");
	free(m.iv);
}
END_TEST

START_TEST(a_later_wider_range_does_not_take_an_earlier_port)
{
	struct svcplan_iv in[] = { iv(443, 443, 0), iv(1, 65535, 1) };
	struct svcplan_map m = { .width = 2 };
	long n = svcplan_flatten(in, 2, 2, &m.iv);

	m.n = (size_t)n;
	ck_assert_str_eq(ports(&m), "1-442:1 443-443:0 444-65535:1");
	free(m.iv);
}
END_TEST

START_TEST(adjacent_and_repeated_ranges_of_one_service_merge)
{
	struct svcplan_iv in[] = { iv(81, 81, 0), iv(80, 80, 0), iv(82, 90, 0), iv(85, 85, 0),
				   iv(0, 0, 1), iv(65535, 65535, 1) };
	struct svcplan_map m = { .width = 2 };
	long n = svcplan_flatten(in, 6, 2, &m.iv);

	m.n = (size_t)n;
	ck_assert_str_eq(ports(&m), "0-0:1 80-90:0 65535-65535:1");
	free(m.iv);
}
END_TEST

START_TEST(port_only_services_in_a_row_share_one_map_per_protocol)
{
	build("service web proto=tcp lport=80,443\n"
	      "service dns proto=any lport=53\n"
	      "service alt proto=tcp lport=8000-8100\n"
	      "service mix proto=tcp lport=22 peer=198.18.1.0/24\n"
	      "service web2 proto=udp lport=443\n");
	ck_assert_uint_eq(plan.n, 4);
	ck_assert_int_eq(plan.steps[0].kind, SVCPLAN_MAP);
	ck_assert_int_eq(plan.steps[0].map.proto, SVC_PROTO_TCP);
	ck_assert_int_eq(plan.steps[0].map.key, SVCPLAN_LPORT);
	ck_assert_str_eq(ports(&plan.steps[0].map), "53-53:1 80-80:0 443-443:0 8000-8100:2");
	ck_assert_int_eq(plan.steps[1].map.proto, SVC_PROTO_UDP);
	ck_assert_str_eq(ports(&plan.steps[1].map), "53-53:1");
	/* Two options on one line: a step of its own, in order. */
	ck_assert_int_eq(plan.steps[2].kind, SVCPLAN_SVC);
	ck_assert_uint_eq(plan.steps[2].svc, 3);
	ck_assert_int_eq(plan.steps[3].kind, SVCPLAN_MAP);
	ck_assert_str_eq(ports(&plan.steps[3].map), "443-443:4");
}
END_TEST

START_TEST(a_thousand_tcp_port_services_become_one_lookup)
{
	size_t cap = 64 * 1000, len = 0;
	char *text = malloc(cap);

	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len, "service s%d proto=tcp lport=%d\n", i,
					10000 + i * 2);
	len += (size_t)snprintf(text + len, cap - len, "service all proto=tcp lport=10000-20000\n");
	build(text);
	free(text);
	ck_assert_uint_eq(plan.n, 1);
	/* 1000 single ports, and the gaps between them for "all". */
	ck_assert_uint_eq(plan.steps[0].map.n, 1000 + 999 + 1);
	ck_assert_uint_eq(plan.steps[0].map.iv[0].svc, 0);
	ck_assert_uint_eq(plan.steps[0].map.iv[1].svc, 1000);
}
END_TEST

START_TEST(peer_services_get_one_map_per_family_with_whole_networks)
{
	build("service a peer=198.18.0.0/15,2001:db8::/32\n"
	      "service b peer=198.18.1.0/24\n");
	ck_assert_uint_eq(plan.n, 2);
	ck_assert_int_eq(plan.steps[0].map.key, SVCPLAN_PEER4);
	ck_assert_uint_eq(plan.steps[0].map.n, 1); /* b is inside a: a wins */
	ck_assert_uint_eq(plan.steps[0].map.iv[0].hi[0], 198);
	ck_assert_uint_eq(plan.steps[0].map.iv[0].hi[1], 19);
	ck_assert_uint_eq(plan.steps[0].map.iv[0].hi[3], 255);
	ck_assert_int_eq(plan.steps[1].map.key, SVCPLAN_PEER6);
	ck_assert_uint_eq(plan.steps[1].map.width, 16);
	ck_assert_uint_eq(plan.steps[1].map.iv[0].hi[4], 0xff);
	ck_assert_uint_eq(plan.steps[1].map.iv[0].hi[3], 0xb8);
}
END_TEST

START_TEST(owner_services_get_mark_ids_in_order_and_at_most_255)
{
	size_t cap = 40 * 300, len = 0;
	char *text;

	build("service a proto=tcp lport=1\nservice u user=0\nservice g group=0\n");
	ck_assert_uint_eq(plan.n_owners, 2);
	ck_assert_uint_eq(plan.owner_id[0], 0);
	ck_assert_uint_eq(plan.owner_id[1], 1);
	ck_assert_uint_eq(plan.owner_id[2], 2);
	ck_assert_int_eq(plan.steps[1].kind, SVCPLAN_SVC);
	svcplan_free(&plan);
	svcspec_free(&spec);

	text = malloc(cap);
	for (int i = 0; i < 256; i++)
		len += (size_t)snprintf(text + len, cap - len, "service u%d user=%d\n", i, i);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "p.rules", text, len, &err), 0);
	free(text);
	ck_assert_int_eq(svcplan_build(&spec, &plan, &err), -1);
	ck_assert_msg(strstr(err.msg, "p.rules:256: service 'u255': more than 255"), "%s", err.msg);
}
END_TEST

void add_svcplan_tests(Suite *s)
{
	TCase *tc = tcase_create("svcplan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_earlier_range_wins_where_ranges_overlap);
	tcase_add_test(tc, a_later_wider_range_does_not_take_an_earlier_port);
	tcase_add_test(tc, adjacent_and_repeated_ranges_of_one_service_merge);
	tcase_add_test(tc, port_only_services_in_a_row_share_one_map_per_protocol);
	tcase_add_test(tc, a_thousand_tcp_port_services_become_one_lookup);
	tcase_add_test(tc, peer_services_get_one_map_per_family_with_whole_networks);
	tcase_add_test(tc, owner_services_get_mark_ids_in_order_and_at_most_255);
	suite_add_tcase(s, tc);
}
