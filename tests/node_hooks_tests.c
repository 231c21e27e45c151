/* Which containers are hooked (node_hooks.c: node_hook_decide) and how
 * ctnode metrics shows it (node_stat_print_hooked). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_nft.h"
#include "node_stat.h"
#include "unit_tests.h"

static int only_veth101_exists(const char *dev)
{
	return !strcmp(dev, "veth101");
}

static const char *const both[] = { "veth101", "veth103" };

START_TEST(a_device_that_exists_and_both_chains_hook_is_hooked)
{
	ck_assert_int_eq(node_hook_decide("veth101", only_veth101_exists, both, 2, both, 2), 1);
}
END_TEST

START_TEST(a_missing_device_is_not_hooked_even_if_a_chain_still_names_it)
{
	/* 6.18 keeps a hook by name for a device that is gone. */
	ck_assert_int_eq(node_hook_decide("veth103", only_veth101_exists, both, 2, both, 2), 0);
}
END_TEST

START_TEST(a_device_made_again_that_the_chains_lost_is_not_hooked)
{
	/* 6.1: the device is back, the base chains dropped it when it went. */
	static const char *const other[] = { "veth103" };

	ck_assert_int_eq(node_hook_decide("veth101", only_veth101_exists, other, 1, other, 1), 0);
}
END_TEST

START_TEST(a_device_only_one_direction_hooks_is_not_hooked)
{
	static const char *const other[] = { "veth103" };

	ck_assert_int_eq(node_hook_decide("veth101", only_veth101_exists, both, 2, other, 1), 0);
	ck_assert_int_eq(node_hook_decide("veth101", only_veth101_exists, other, 1, both, 2), 0);
}
END_TEST

START_TEST(no_base_chain_means_nothing_is_hooked)
{
	ck_assert_int_eq(node_hook_decide("veth101", only_veth101_exists, NULL, 0, NULL, 0), 0);
}
END_TEST

static int any_exists(const char *dev)
{
	(void)dev;
	return 1;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(among_thousands_of_hooked_devices_each_is_found_and_others_are_not)
{
	enum { N = 3000 };
	static char names[N][16];
	const char *ing[N], *egr[N - 1];
	char dev[16];

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "vb%d", i * 2);
		ing[i] = names[i];
	}
	/* The lists are sorted by name (what the reader does). */
	qsort(ing, N, sizeof(*ing), str_cmp);
	memcpy(egr, ing + 1, sizeof(egr)); /* egress lacks the first name */
	for (int i = 0; i < N; i++) {
		int only_in = !strcmp(names[i], ing[0]);

		ck_assert_int_eq(node_hook_decide(names[i], any_exists, ing, N, egr, N - 1), !only_in);
		snprintf(dev, sizeof(dev), "vb%d", i * 2 + 1);
		ck_assert_int_eq(node_hook_decide(dev, any_exists, ing, N, egr, N - 1), 0);
	}
}
END_TEST

START_TEST(metrics_show_each_container_hooked_or_not)
{
	struct node_hook hooks[] = { { "101", "veth101", 1 }, { "103", "veth103", 0 } };
	struct node_counters nc = { NULL, 0, hooks, 2 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	node_stat_print_hooked(fp, &nc);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(buf, "# TYPE ctnode_container_hooked gauge\n"));
	ck_assert_ptr_nonnull(strstr(buf, "ctnode_container_hooked{ct=\"101\",dev=\"veth101\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "ctnode_container_hooked{ct=\"103\",dev=\"veth103\"} 0\n"));
	free(buf);
}
END_TEST

START_TEST(metrics_without_device_containers_print_no_hooked_family)
{
	struct node_counters nc = { NULL, 0, NULL, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	node_stat_print_hooked(fp, &nc);
	fclose(fp);
	ck_assert_uint_eq(len, 0);
	free(buf);
}
END_TEST

void add_node_hooks_tests(Suite *s)
{
	TCase *tc = tcase_create("node_hooks");

	tcase_add_test(tc, a_device_that_exists_and_both_chains_hook_is_hooked);
	tcase_add_test(tc, a_missing_device_is_not_hooked_even_if_a_chain_still_names_it);
	tcase_add_test(tc, a_device_made_again_that_the_chains_lost_is_not_hooked);
	tcase_add_test(tc, a_device_only_one_direction_hooks_is_not_hooked);
	tcase_add_test(tc, no_base_chain_means_nothing_is_hooked);
	tcase_add_test(tc, among_thousands_of_hooked_devices_each_is_found_and_others_are_not);
	tcase_add_test(tc, metrics_show_each_container_hooked_or_not);
	tcase_add_test(tc, metrics_without_device_containers_print_no_hooked_family);
	suite_add_tcase(s, tc);
}
