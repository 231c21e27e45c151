#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quick.h"
#include "unit_tests.h"

static struct quick_source src(const char *backend, int found, uint64_t in_bytes,
			       uint64_t out_bytes)
{
	struct quick_source s;

	memset(&s, 0, sizeof(s));
	s.backend = backend;
	s.label = !strcmp(backend, "nft") ? "nftables" : "legacy iptables";
	s.q.found = found;
	s.q.in_bytes = in_bytes;
	s.q.in_packets = in_bytes / 100;
	s.q.out_bytes = out_bytes;
	s.q.out_packets = out_bytes / 100;
	snprintf(s.q.what, sizeof(s.q.what), "%s: what was read", s.label);
	return s;
}

/* A backend whose reading failed with error. */
static struct quick_source failed(const char *backend, int found, const char *error)
{
	struct quick_source s = src(backend, found, found * 5000, found * 6000);

	s.failed = 1;
	snprintf(s.error, sizeof(s.error), "%s", error);
	return s;
}

/* Chooses between nft (a) and iptables (b); asserts which are shown. */
static void choose2(struct quick_source a, struct quick_source b, int show_a, int show_b)
{
	struct quick_source s[2] = { a, b };

	ck_assert_uint_eq(quick_choose(s, 2), (size_t)(show_a + show_b));
	ck_assert_int_eq(s[0].shown, show_a);
	ck_assert_int_eq(s[1].shown, show_b);
}

/* The view of nft (a) and iptables (b) as quick_print() writes it; *rc
 * its return. malloc'ed. */
static char *printed(struct quick_source a, struct quick_source b, double uptime, int *rc)
{
	struct quick_view v;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	memset(&v, 0, sizeof(v));
	v.src[0] = a;
	v.src[1] = b;
	v.n = 2;
	v.nshown = quick_choose(v.src, v.n);
	fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	*rc = quick_print(fp, &v, uptime);
	fclose(fp);
	return text;
}

START_TEST(legacy_counters_are_shown_when_nftables_has_none)
{
	choose2(src("nft", 0, 0, 0), src("iptables", 1, 39056474, 1000), 0, 1);
}
END_TEST

START_TEST(nftables_counters_are_shown_when_legacy_has_none)
{
	choose2(src("nft", 1, 5000, 6000), src("iptables", 0, 0, 0), 1, 0);
}
END_TEST

START_TEST(both_are_shown_when_both_counted)
{
	choose2(src("nft", 1, 5000, 0), src("iptables", 1, 0, 7000), 1, 1);
}
END_TEST

START_TEST(a_table_that_counted_nothing_gives_way_to_one_that_did)
{
	choose2(src("nft", 1, 5000, 6000), src("iptables", 1, 0, 0), 1, 0);
}
END_TEST

START_TEST(tables_that_exist_but_counted_nothing_are_still_shown)
{
	choose2(src("nft", 0, 0, 0), src("iptables", 1, 0, 0), 0, 1);
}
END_TEST

START_TEST(a_failed_backend_is_never_shown)
{
	choose2(failed("nft", 1, "lost"), src("iptables", 1, 1, 1), 0, 1);
}
END_TEST

START_TEST(no_counters_anywhere_shows_nothing_and_says_so)
{
	char *text;
	int rc;

	text = printed(src("nft", 0, 0, 0), failed("iptables", 0, "cannot open the filter table"),
		       -1, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(text, "nftables: what was read.\n"));
	ck_assert_ptr_nonnull(strstr(text, "legacy iptables: cannot open the filter table.\n"));
	ck_assert_ptr_nonnull(strstr(text, "There are no existing counters to estimate from"));
	free(text);
}
END_TEST

START_TEST(two_sources_are_printed_each_under_its_label)
{
	char *a, *b, *text;
	int rc;

	text = printed(src("nft", 1, 5000, 6000), src("iptables", 1, 39056474, 7000), 3661, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(text, "uptime:   0 days 01:01:01 (3661 s)\n"));
	a = strstr(text, "\nnftables:\nreceived: ");
	b = strstr(text, "\nlegacy iptables:\nreceived: ");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(strstr(a, "(5000 bytes, 50 packets)"));
	ck_assert_ptr_nonnull(strstr(b, "(39056474 bytes, 390564 packets)"));
	ck_assert_ptr_nonnull(strstr(text, "do not add them"));
	free(text);
}
END_TEST

START_TEST(one_source_is_printed_without_a_label)
{
	char *text;
	int rc;

	text = printed(src("nft", 0, 0, 0), src("iptables", 1, 39056474, 7000), -1, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_eq(strstr(text, "received:"), text);
	ck_assert_ptr_null(strstr(text, "legacy iptables:\n"));
	ck_assert_ptr_nonnull(strstr(text, "source:   legacy iptables: what was read\n"));
	free(text);
}
END_TEST

START_TEST(a_backend_that_failed_beside_one_shown_is_named)
{
	char *text;
	int rc;

	text = printed(failed("nft", 0, "netlink: Operation not permitted"),
		       src("iptables", 1, 39056474, 7000), -1, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(text, "not read:  nftables: netlink: Operation not permitted\n"));
	free(text);
}
END_TEST

START_TEST(an_unknown_backend_name_is_refused)
{
	struct quick_view v;
	struct ctv_err err = { "" };

	ck_assert_int_eq(quick_read("pf", &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown backend 'pf'"));
}
END_TEST

void add_quick_tests(Suite *s)
{
	TCase *tc = tcase_create("quick");

	tcase_add_test(tc, legacy_counters_are_shown_when_nftables_has_none);
	tcase_add_test(tc, nftables_counters_are_shown_when_legacy_has_none);
	tcase_add_test(tc, both_are_shown_when_both_counted);
	tcase_add_test(tc, a_table_that_counted_nothing_gives_way_to_one_that_did);
	tcase_add_test(tc, tables_that_exist_but_counted_nothing_are_still_shown);
	tcase_add_test(tc, a_failed_backend_is_never_shown);
	tcase_add_test(tc, no_counters_anywhere_shows_nothing_and_says_so);
	tcase_add_test(tc, two_sources_are_printed_each_under_its_label);
	tcase_add_test(tc, one_source_is_printed_without_a_label);
	tcase_add_test(tc, a_backend_that_failed_beside_one_shown_is_named);
	tcase_add_test(tc, an_unknown_backend_name_is_refused);
	suite_add_tcase(s, tc);
}
