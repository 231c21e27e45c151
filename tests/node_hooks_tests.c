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
static const char *const other[] = { "veth103" };

/* node_hook_decide for dev against the devices the ingress and the
 * egress base chains hook, only veth101 existing; a row per case. */
static const struct decide_case {
	const char *what;
	const char *dev;
	const char *const *ingress;
	size_t ningress;
	const char *const *egress;
	size_t negress;
	int hooked;
} decide_cases[] = {
	{ "a device that exists and both chains hook is hooked",
	  "veth101", both, 2, both, 2, 1 },
	/* 6.18 keeps a hook by name for a device that is gone. */
	{ "a missing device is not hooked even if a chain still names it",
	  "veth103", both, 2, both, 2, 0 },
	/* 6.1: the device is back, the base chains dropped it when it went. */
	{ "a device made again that the chains lost is not hooked",
	  "veth101", other, 1, other, 1, 0 },
	{ "a device only one direction hooks is not hooked (egress lacks it)",
	  "veth101", both, 2, other, 1, 0 },
	{ "a device only one direction hooks is not hooked (ingress lacks it)",
	  "veth101", other, 1, both, 2, 0 },
	{ "no base chain means nothing is hooked",
	  "veth101", NULL, 0, NULL, 0, 0 },
};

START_TEST(a_device_is_hooked_when_it_exists_and_both_chains_hook_it)
{
	const struct decide_case *c = &decide_cases[_i];
	int got = node_hook_decide(c->dev, only_veth101_exists, c->ingress, c->ningress,
				   c->egress, c->negress);

	ck_assert_msg(got == c->hooked, "%s: got %d, wanted %d", c->what, got, c->hooked);
}
END_TEST

/* What node_stat_print_hooked prints for nc; *len its length. malloc'ed. */
static char *hooked_text(const struct node_counters *nc, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	ck_assert_ptr_nonnull(fp);
	node_stat_print_hooked(fp, nc);
	fclose(fp);
	return buf;
}

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
	size_t len = 0;
	char *buf = hooked_text(&nc, &len);

	ck_assert_ptr_nonnull(strstr(buf, "# TYPE ctnode_container_hooked gauge\n"));
	ck_assert_ptr_nonnull(strstr(buf, "ctnode_container_hooked{ct=\"101\",dev=\"veth101\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "ctnode_container_hooked{ct=\"103\",dev=\"veth103\"} 0\n"));
	free(buf);
}
END_TEST

START_TEST(metrics_without_device_containers_print_no_hooked_family)
{
	struct node_counters nc = { NULL, 0, NULL, 0 };
	size_t len = 0;
	char *buf = hooked_text(&nc, &len);

	ck_assert_uint_eq(len, 0);
	free(buf);
}
END_TEST

void add_node_hooks_tests(Suite *s)
{
	TCase *tc = tcase_create("node_hooks");

	tcase_add_loop_test(tc, a_device_is_hooked_when_it_exists_and_both_chains_hook_it, 0,
			    (int)(sizeof(decide_cases) / sizeof(decide_cases[0])));
	tcase_add_test(tc, among_thousands_of_hooked_devices_each_is_found_and_others_are_not);
	tcase_add_test(tc, metrics_show_each_container_hooked_or_not);
	tcase_add_test(tc, metrics_without_device_containers_print_no_hooked_family);
	suite_add_tcase(s, tc);
}
