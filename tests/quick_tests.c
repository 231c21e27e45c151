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

/* quick_print()'s return, the view of nft (a) and iptables (b) it writes
 * in *text (malloc'ed). */
static int printed(struct quick_source a, struct quick_source b, double uptime, char **text)
{
	struct quick_view v;
	size_t len = 0;
	FILE *fp;
	int rc;

	memset(&v, 0, sizeof(v));
	v.src[0] = a;
	v.src[1] = b;
	v.n = 2;
	v.nshown = quick_choose(v.src, v.n);
	fp = open_memstream(text, &len);
	ck_assert_ptr_nonnull(fp);
	rc = quick_print(fp, &v, uptime);
	fclose(fp);
	return rc;
}

/* One backend's reading in a choice: found and its counts, or failed
 * with error (when error is set). */
struct side {
	int found;
	uint64_t in_bytes, out_bytes;
	const char *error;
};

static struct quick_source side_source(const char *backend, const struct side *sd)
{
	return sd->error ? failed(backend, sd->found, sd->error)
			 : src(backend, sd->found, sd->in_bytes, sd->out_bytes);
}

/* A choice between nft and iptables, a row per case: the sentence, the two
 * readings, which are shown. */
static const struct choose_case {
	const char *what;
	struct side nft, ipt;
	int show_nft, show_ipt;
} choose_cases[] = {
	{ "legacy counters are shown when nftables has none",
	  { 0, 0, 0, NULL }, { 1, 39056474, 1000, NULL }, 0, 1 },
	{ "nftables counters are shown when legacy has none",
	  { 1, 5000, 6000, NULL }, { 0, 0, 0, NULL }, 1, 0 },
	{ "both are shown when both counted",
	  { 1, 5000, 0, NULL }, { 1, 0, 7000, NULL }, 1, 1 },
	{ "a table that counted nothing gives way to one that did",
	  { 1, 5000, 6000, NULL }, { 1, 0, 0, NULL }, 1, 0 },
	{ "tables that exist but counted nothing are still shown",
	  { 0, 0, 0, NULL }, { 1, 0, 0, NULL }, 0, 1 },
	{ "a failed backend is never shown",
	  { 1, 0, 0, "lost" }, { 1, 1, 1, NULL }, 0, 1 },
};

START_TEST(a_backend_is_shown_when_it_was_read_and_counted_or_none_counted)
{
	const struct choose_case *c = &choose_cases[_i];
	struct quick_source s[2] = { side_source("nft", &c->nft), side_source("iptables", &c->ipt) };
	size_t n = quick_choose(s, 2);

	ck_assert_msg(n == (size_t)(c->show_nft + c->show_ipt), "%s: %zu shown, wanted %d", c->what, n,
		      c->show_nft + c->show_ipt);
	ck_assert_msg(s[0].shown == c->show_nft, "%s: nft shown %d, wanted %d", c->what, s[0].shown,
		      c->show_nft);
	ck_assert_msg(s[1].shown == c->show_ipt, "%s: iptables shown %d, wanted %d", c->what,
		      s[1].shown, c->show_ipt);
}
END_TEST

/* What quick_print writes for nft and iptables, a row per case: the
 * sentence, the readings, the uptime, the return; the text starts with
 * starts and lacks lacks (when set) and has each has[i][0], has[i][1]
 * after it (when set). */
static const struct print_case {
	const char *what;
	struct side nft, ipt;
	double uptime;
	int rc;
	const char *starts, *lacks;
	const char *has[4][2];
} print_cases[] = {
	{ "no counters anywhere shows nothing and says so",
	  { 0, 0, 0, NULL }, { 0, 0, 0, "cannot open the filter table" }, -1, 1, NULL, NULL,
	  { { "nftables: what was read.\n" },
	    { "legacy iptables: cannot open the filter table.\n" },
	    { "There are no existing counters to estimate from" } } },
	{ "two sources are printed each under its label",
	  { 1, 5000, 6000, NULL }, { 1, 39056474, 7000, NULL }, 3661, 0, NULL, NULL,
	  { { "uptime:   0 days 01:01:01 (3661 s)\n" },
	    { "\nnftables:\nreceived: ", "(5000 bytes, 50 packets)" },
	    { "\nlegacy iptables:\nreceived: ", "(39056474 bytes, 390564 packets)" },
	    { "do not add them" } } },
	{ "one source is printed without a label",
	  { 0, 0, 0, NULL }, { 1, 39056474, 7000, NULL }, -1, 0, "received:", "legacy iptables:\n",
	  { { "source:   legacy iptables: what was read\n" } } },
	{ "a backend that failed beside one shown is named",
	  { 0, 0, 0, "netlink: Operation not permitted" }, { 1, 39056474, 7000, NULL }, -1, 0,
	  NULL, NULL, { { "not read:  nftables: netlink: Operation not permitted\n" } } },
};

/* Whether text has first and, when then is set, then after it. */
static int found_then(const char *text, const char *first, const char *then)
{
	const char *at = strstr(text, first);

	return at && (!then || strstr(at, then));
}

START_TEST(the_view_labels_two_sources_not_one_and_names_what_was_not_read)
{
	const struct print_case *c = &print_cases[_i];
	char *text = NULL;
	int rc = printed(side_source("nft", &c->nft), side_source("iptables", &c->ipt), c->uptime,
			 &text);

	ck_assert_msg(rc == c->rc, "%s: returned %d, wanted %d", c->what, rc, c->rc);
	if (c->starts)
		ck_assert_msg(!strncmp(text, c->starts, strlen(c->starts)), "%s: does not start with '%s':\n%s",
			      c->what, c->starts, text);
	if (c->lacks)
		ck_assert_msg(!strstr(text, c->lacks), "%s: has '%s':\n%s", c->what, c->lacks, text);
	for (size_t i = 0; i < 4 && c->has[i][0]; i++)
		ck_assert_msg(found_then(text, c->has[i][0], c->has[i][1]),
			      "%s: no '%s' (then '%s') in:\n%s", c->what, c->has[i][0],
			      c->has[i][1] ? c->has[i][1] : "", text);
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

	tcase_add_loop_test(tc, a_backend_is_shown_when_it_was_read_and_counted_or_none_counted, 0,
			    (int)(sizeof(choose_cases) / sizeof(choose_cases[0])));
	tcase_add_loop_test(tc, the_view_labels_two_sources_not_one_and_names_what_was_not_read, 0,
			    (int)(sizeof(print_cases) / sizeof(print_cases[0])));
	tcase_add_test(tc, an_unknown_backend_name_is_refused);
	suite_add_tcase(s, tc);
}
