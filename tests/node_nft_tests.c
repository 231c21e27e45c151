#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "node_nft.h"
#include "unit_tests.h"

START_TEST(container_ids_sort_numerically_then_by_name)
{
	ck_assert_int_lt(node_ct_cmp("99", "101"), 0);
	ck_assert_int_gt(node_ct_cmp("1000", "101"), 0);
	ck_assert_int_eq(node_ct_cmp("0101", "101"), 0);
	ck_assert_int_lt(node_ct_cmp("101", "a1"), 0);
	ck_assert_int_lt(node_ct_cmp("ct-a", "ct-b"), 0);
}
END_TEST

/* Devices that do not exist here: no route lookup, no link touched. */
START_TEST(a_plan_describes_devices_ranges_and_counters)
{
	const char *ctext = "1 0.0.0.0/0\n1 ::/0\n2 198.19.0.0/16\n1 198.19.7.0/24\n0 198.19.9.0/24\n";
	const char *ttext = "101 veth ctvtest101\n102 ip 198.18.20.102 dev ctvtest102\n";
	struct classes cls;
	struct containers cts;
	struct node_plan *p;
	struct ctv_err err;
	char *d;

	ck_assert_int_eq(classes_parse(ctext, strlen(ctext), "nc", &cls, &err), 0);
	ck_assert_int_eq(containers_parse(ttext, strlen(ttext), "cts", &cts, &err), 0);
	p = node_plan_build(&cls, &cts, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	d = node_plan_describe(p);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(strstr(d, "devices: ctvtest101 ctvtest102\n"));
	ck_assert_ptr_nonnull(strstr(d, "container 102: routed via ctvtest102, addresses 198.18.20.102"));
	ck_assert_ptr_nonnull(strstr(d, "  198.19.7.0-198.19.7.255 -> class 1\n"));
	ck_assert_ptr_nonnull(strstr(d, "  198.19.9.0-198.19.9.255 -> not accounted (class 0)\n"));
	/* 2 containers x (2 IPv4 classes + 1 IPv6 class) x 2 directions */
	ck_assert_ptr_nonnull(strstr(d, "= 12\n"));
	free(d);
	node_plan_free(p);
	containers_free(&cts);
	classes_free(&cls);
}
END_TEST

void add_node_nft_tests(Suite *s)
{
	TCase *tc = tcase_create("node_nft");

	tcase_add_test(tc, container_ids_sort_numerically_then_by_name);
	tcase_add_test(tc, a_plan_describes_devices_ranges_and_counters);
	suite_add_tcase(s, tc);
}
