#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "node_int.h"
#include "unit_tests.h"

START_TEST(counter_names_start_with_a_letter_and_parse_back)
{
	const char *ids[] = { "101", "0", "ct-a", "a_c1_in4", "6f1c2a3b-1234-5678-9abc-def012345678",
			      "x.y" };
	char name[128], ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	int dir, fam, legacy;

	node_counter_name(name, sizeof(name), "101", 3, 0, AF_INET);
	ck_assert_str_eq(name, "ct101_c3_in4");
	node_counter_name(name, sizeof(name), "101", 15, 1, AF_INET6);
	ck_assert_str_eq(name, "ct101_c15_out6");
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++)
		for (int d = 0; d <= 1; d++) {
			node_counter_name(name, sizeof(name), ids[i], 7, d, d ? AF_INET6 : AF_INET);
			ck_assert_msg(node_parse_name(name, ct, &cls, &dir, &fam, &legacy) == 0, "%s", name);
			ck_assert_str_eq(ct, ids[i]);
			ck_assert_uint_eq(cls, 7);
			ck_assert_int_eq(dir, d);
			ck_assert_int_eq(fam, d ? AF_INET6 : AF_INET);
			ck_assert_int_eq(legacy, 0);
		}
}
END_TEST

START_TEST(the_names_of_earlier_versions_parse_as_legacy)
{
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	int dir, fam, legacy;

	ck_assert_int_eq(node_parse_name("101:1:in:4", ct, &cls, &dir, &fam, &legacy), 0);
	ck_assert_str_eq(ct, "101");
	ck_assert_uint_eq(cls, 1);
	ck_assert_int_eq(dir, 0);
	ck_assert_int_eq(fam, AF_INET);
	ck_assert_int_eq(legacy, 1);
	ck_assert_int_eq(node_parse_name("ct-b:15:out:6", ct, &cls, &dir, &fam, &legacy), 0);
	ck_assert_str_eq(ct, "ct-b");
	ck_assert_int_eq(legacy, 1);
}
END_TEST

START_TEST(names_not_ours_are_refused)
{
	const char *bad[] = { "", "ct", "ct_c1_in4", "ct101_c0_in4", "ct101_c16_in4", "ct101_c01_in4",
			      "ct101_c1_in5", "ct101_c1_up4", "ct101_c1_in", "ct101_in4", "x101_c1_in4",
			      "ct101_c1x_in4", "ct1!_c1_in4", "101:0:in:4", "101:1:in:4:x", "101:1:sideways:4",
			      "in_web" };
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	int dir, fam, legacy;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(node_parse_name(bad[i], ct, &cls, &dir, &fam, &legacy) < 0, "'%s'", bad[i]);
}
END_TEST

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

START_TEST(devices_that_do_not_exist_now_are_named_by_file_and_line)
{
	const char *ctext = "1 0.0.0.0/0\n";
	const char *ttext = "101 veth lo\n\n102 veth ctvtest102\n103 veth ctvtest103\n";
	struct classes cls;
	struct containers cts;
	struct node_plan *p;
	struct ctv_err err;
	char buf[512];
	const char *n;

	ck_assert_int_eq(classes_parse(ctext, strlen(ctext), "nc", &cls, &err), 0);
	ck_assert_int_eq(containers_parse(ttext, strlen(ttext), "cts", &cts, &err), 0);
	p = node_plan_build(&cls, &cts, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	n = node_plan_notice(p, "containers", buf, sizeof(buf));
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n, "warning: containers:3: interface ctvtest102 of container 102 does not "
			 "exist now (stopped?); its traffic is counted from when it appears (1 more "
			 "containers like it)");
	node_plan_free(p);
	containers_free(&cts);
	/* Every device present: nothing to say. */
	ck_assert_int_eq(containers_parse("101 veth lo\n", 12, "cts", &cts, &err), 0);
	p = node_plan_build(&cls, &cts, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_ptr_null(node_plan_notice(p, "containers", buf, sizeof(buf)));
	node_plan_free(p);
	containers_free(&cts);
	classes_free(&cls);
}
END_TEST

START_TEST(a_plan_hooks_each_device_once_in_file_order_and_finds_containers_by_id)
{
	const char *ctext = "1 0.0.0.0/0\n";
	const char *ttext = "300 ip 198.18.30.1 dev ctvtestB\n"
			    "20 veth ctvtestA\n"
			    "ct-x ip 198.18.30.2 dev ctvtestB\n"
			    "100 ip 198.18.30.3 dev ctvtestC\n"
			    "5 ip 198.18.30.4 dev ctvtestB\n";
	struct classes cls;
	struct containers cts;
	struct node_plan *p;
	struct ctv_err err;

	ck_assert_int_eq(classes_parse(ctext, strlen(ctext), "nc", &cls, &err), 0);
	ck_assert_int_eq(containers_parse(ttext, strlen(ttext), "cts", &cts, &err), 0);
	p = node_plan_build(&cls, &cts, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_uint_eq(p->ndevs, 3);
	ck_assert_str_eq(p->devs[0], "ctvtestB");
	ck_assert_str_eq(p->devs[1], "ctvtestA");
	ck_assert_str_eq(p->devs[2], "ctvtestC");
	ck_assert_ptr_eq(node_plan_ct(p, "300"), &p->cts[0]);
	ck_assert_ptr_eq(node_plan_ct(p, "20"), &p->cts[1]);
	ck_assert_ptr_eq(node_plan_ct(p, "ct-x"), &p->cts[2]);
	ck_assert_ptr_eq(node_plan_ct(p, "100"), &p->cts[3]);
	ck_assert_ptr_eq(node_plan_ct(p, "5"), &p->cts[4]);
	ck_assert_ptr_null(node_plan_ct(p, "30"));
	ck_assert_ptr_null(node_plan_ct(p, "ct-"));
	node_plan_free(p);
	containers_free(&cts);
	classes_free(&cls);
}
END_TEST

void add_node_nft_tests(Suite *s)
{
	TCase *tc = tcase_create("node_nft");

	tcase_add_test(tc, container_ids_sort_numerically_then_by_name);
	tcase_add_test(tc, counter_names_start_with_a_letter_and_parse_back);
	tcase_add_test(tc, the_names_of_earlier_versions_parse_as_legacy);
	tcase_add_test(tc, names_not_ours_are_refused);
	tcase_add_test(tc, a_plan_describes_devices_ranges_and_counters);
	tcase_add_test(tc, devices_that_do_not_exist_now_are_named_by_file_and_line);
	tcase_add_test(tc, a_plan_hooks_each_device_once_in_file_order_and_finds_containers_by_id);
	suite_add_tcase(s, tc);
}
