/* The container's side of a reconcile, gathered from a temporary store. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "reconcile_input.h"
#include "store.h"
#include "unit_tests.h"

static char dir[64];
static char db[128];
static struct store *st;

/* Events are found by when they were recorded (now): readings end a
 * few minutes ago, on a whole minute. */
static int64_t T0;

/* Readings every minute from T0 (n + 1 of them): local grows 100 bytes a
 * minute, http 1000; UDP send errors 2 a minute, eth0 drops 1 a minute,
 * eth0's MTU 1500. */
static void fill(int n)
{
	for (int m = 0; m <= n; m++) {
		uint64_t k = (uint64_t)m + 1;
		struct store_sample s[2] = {
			{ "local", 0, { 100 * k, k, 100 * k, k } },
			{ "http", 0, { 1000 * k, 10 * k, 3000 * k, 20 * k } },
		};
		struct store_scalar sc[4] = {
			{ "Udp.SndbufErrors", 0, 2 * k },
			{ "if.eth0.rx_dropped", 0, k },
			{ "if.eth0.tx_dropped", 0, 0 },
			{ "if.eth0.mtu", 1, 1500 },
		};

		test_record(st, T0 + 60 * m, 1000000 + 60000LL * m, s, 2, sc, 4);
	}
}

static void setup(void)
{
	struct ctv_err err = { "" };

	snprintf(dir, sizeof(dir), "/tmp/ctv-rcin-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/ctverify.db", dir);
	set_tz("UTC");
	T0 = (int64_t)time(NULL) / 60 * 60 - 1200;
	st = store_open(db, STORE_WRITE, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const struct reconcile_bucket *bucket(const struct reconcile_gathered *g, const char *name)
{
	for (size_t i = 0; i < g->nbuckets; i++)
		if (!strcmp(g->buckets[i].name, name))
			return &g->buckets[i];
	ck_abort_msg("no bucket %s", name);
	return NULL;
}

/* Six minutes of readings gathered for the node's window [f, t] (seconds
 * after T0), which chooses minutes 1 to 4. */
static void gather_four(struct reconcile_input *in, struct reconcile_gathered *g, int64_t f,
			int64_t t)
{
	struct ctv_err err = { "" };

	fill(6);
	memset(in, 0, sizeof(*in));
	ck_assert_msg(reconcile_input_gather(st, in, (T0 + f) * 1000, (T0 + t) * 1000, g, &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(in->span_hi - in->span_lo, 4);
	ck_assert_int_eq(g->spans[in->span_lo].start_ms, (T0 + 60) * 1000);
}

START_TEST(the_spans_reaching_past_the_node_window_carry_their_bytes_for_the_edges)
{
	struct reconcile_input in;
	struct reconcile_gathered g;

	/* The node's window starts and ends 20 s inside a minute: the first
	 * and last chosen intervals reach past it, window_skew reads them. */
	gather_four(&in, &g, 80, 280);
	ck_assert_uint_eq(g.spans[in.span_lo].in_bytes, 1100);
	ck_assert_uint_eq(g.spans[in.span_lo].out_bytes, 3100);
	ck_assert_int_eq(g.spans[in.span_hi - 1].end_ms, (T0 + 300) * 1000);
	ck_assert_uint_eq(g.spans[in.span_hi - 1].in_bytes, 1100);
	ck_assert_uint_eq(g.spans[in.span_hi - 1].out_bytes, 3100);
	ck_assert_uint_eq(bucket(&g, "http")->c.in_bytes, 4000);
	reconcile_gathered_free(&g);
}
END_TEST

START_TEST(buckets_and_figures_are_summed_over_the_chosen_intervals_only)
{
	struct reconcile_input in;
	struct reconcile_gathered g;

	/* The node's window: minutes 1 to 4 (four intervals). */
	gather_four(&in, &g, 60, 300);
	ck_assert_uint_eq(bucket(&g, "http")->c.in_bytes, 4000);
	ck_assert_uint_eq(bucket(&g, "http")->c.out_packets, 80);
	ck_assert_uint_eq(bucket(&g, "local")->c.out_bytes, 400);
	ck_assert_int_eq(in.has_snmp, 1);
	ck_assert_uint_eq(in.udp_sndbuf_errors, 8);
	ck_assert_int_eq(in.has_drops, 1);
	ck_assert_uint_eq(in.rx_dropped, 4);
	ck_assert_uint_eq(in.tx_dropped, 0);
	ck_assert_str_eq(in.drop_ifaces, "eth0");
	ck_assert_uint_eq(in.mtu, 1500);
	ck_assert_ptr_eq(in.buckets, g.buckets);
	reconcile_gathered_free(&g);
}
END_TEST

START_TEST(class_series_are_the_mirror_and_not_buckets)
{
	struct reconcile_input in;
	struct reconcile_gathered g;
	struct ctv_err err = { "" };

	for (int m = 0; m <= 4; m++) {
		uint64_t k = (uint64_t)m + 1;
		struct store_sample s[3] = {
			{ "http", 0, { 1000 * k, 10 * k, 3000 * k, 20 * k } },
			{ "class:0", 0, { 200 * k, 2 * k, 500 * k, 5 * k } },
			{ "class:2", 0, { 800 * k, 8 * k, 2500 * k, 15 * k } },
		};

		test_record(st, T0 + 60 * m, 1000000 + 60000LL * m, s, 3, NULL, 0);
	}
	memset(&in, 0, sizeof(in));
	ck_assert_msg(reconcile_input_gather(st, &in, (T0 + 60) * 1000, (T0 + 240) * 1000, &g,
					     &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(g.nbuckets, 1); /* http only: the class series are no service */
	ck_assert_uint_eq(bucket(&g, "http")->c.in_bytes, 3000);
	ck_assert_uint_eq(in.class_seen, (1u << 0) | (1u << 2));
	ck_assert_uint_eq(in.class_c[0].in_bytes, 600);
	ck_assert_uint_eq(in.class_c[0].out_bytes, 1500);
	ck_assert_uint_eq(in.class_c[2].out_bytes, 7500);
	ck_assert_uint_eq(in.class_c[2].out_packets, 45);
	ck_assert_uint_eq(in.class_c[1].in_bytes, 0);
	reconcile_gathered_free(&g);
}
END_TEST

START_TEST(resets_gaps_and_reboots_are_unobserved_windows_and_clock_steps_are_not)
{
	struct reconcile_input in;
	struct reconcile_gathered g;
	struct ctv_err err = { "" };

	fill(3);
	ck_assert_int_eq(store_event_add(st, "gap", NULL, 0, (T0 + 60) * 1000, (T0 + 90) * 1000,
					 "our rules were gone", &err), 0);
	ck_assert_int_eq(store_event_add(st, "reset", "http", 0, (T0 + 100) * 1000,
					 (T0 + 120) * 1000, "went back", &err), 0);
	ck_assert_int_eq(store_event_add(st, "clock_step", NULL, 0, T0 * 1000, (T0 + 60) * 1000,
					 "forward", &err), 0);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(reconcile_input_gather(st, &in, T0 * 1000, (T0 + 180) * 1000, &g, &err), 0);
	ck_assert_uint_eq(in.ngaps, 2);
	ck_assert_str_eq(in.gaps[0].kind, "gap");
	ck_assert_str_eq(in.gaps[0].key, "");
	ck_assert_str_eq(in.gaps[1].kind, "reset");
	ck_assert_str_eq(in.gaps[1].key, "http");
	ck_assert_int_eq(in.gaps[1].from_ms, (T0 + 100) * 1000);
	reconcile_gathered_free(&g);
}
END_TEST

START_TEST(no_interval_in_the_window_names_collect_and_the_db)
{
	struct reconcile_input in;
	struct reconcile_gathered g;
	struct ctv_err err = { "" };

	fill(2);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(reconcile_input_gather(st, &in, (T0 + 86400) * 1000, (T0 + 90000) * 1000,
						&g, &err), -1);
	ck_assert_str_eq(err.msg, "the store has no interval matching the node's window "
				  "(is 'ctverify collect' running, and is this the right --db?)");
	reconcile_gathered_free(&g);
}
END_TEST

START_TEST(without_recorded_mtu_the_largest_ip_packet_bounds_drops)
{
	struct reconcile_input in;
	struct reconcile_gathered g;
	struct ctv_err err = { "" };
	struct store_sample s = { "http", 0, { 0, 0, 0, 0 } };

	for (int m = 0; m < 3; m++) {
		s.c.in_bytes = 10 * (uint64_t)m;
		test_record(st, T0 + 60 * m, 1000000 + 60000LL * m, &s, 1, NULL, 0);
	}
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(reconcile_input_gather(st, &in, T0 * 1000, (T0 + 120) * 1000, &g, &err), 0);
	ck_assert_uint_eq(in.mtu, 65535);
	ck_assert_int_eq(in.has_drops, 0);
	ck_assert_int_eq(in.has_snmp, 0);
	reconcile_gathered_free(&g);
}
END_TEST

static void cidr(struct svc_cidr *c, const char *addr, unsigned prefix)
{
	memset(c, 0, sizeof(*c));
	c->family = AF_INET;
	c->prefix = (uint8_t)prefix;
	ck_assert_int_eq(inet_pton(AF_INET, addr, c->addr), 1);
}

START_TEST(the_installed_rules_say_which_bucket_is_what)
{
	static const char rules[] =
		"service web proto=tcp lport=80,443\n"
		"service backup peer=10.1.0.0/16,10.2.0.0/24\n"
		"service mixed peer=10.1.0.0/16,192.0.2.0/24\n"
		"service nb peer=198.18.10.0/24\n"
		"service cron user=0\n";
	static const char *const names[] = { "local", "web", "backup", "mixed", "nb", "cron",
					     "other" };
	struct reconcile_bucket b[7];
	struct svcspec spec;
	struct classes cls = { NULL, 0 };
	struct svc_cidr nbs[1];
	struct reconcile_knowledge k;
	struct ctv_err err = { "" };
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/networks_classes", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0 10.0.0.0/8\n1 0.0.0.0/0\n1 ::/0\n", f);
	fclose(f);
	ck_assert_msg(classes_load(path, &cls, &err) == 0, "%s", err.msg);
	svcspec_init(&spec);
	ck_assert_msg(svcspec_parse_buffer(&spec, "t", rules, strlen(rules), &err) == 0, "%s",
		      err.msg);
	cidr(&nbs[0], "198.18.0.0", 16);
	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < 7; i++)
		snprintf(b[i].name, sizeof(b[i].name), "%s", names[i]);
	k = (struct reconcile_knowledge){ &spec, &cls, "nc", nbs, 1, "198.18.0.0/16" };
	reconcile_input_flag(b, 7, &k);
	ck_assert_uint_eq(b[0].flags, RECONCILE_LOCAL);
	ck_assert_str_eq(b[0].why, "loopback");
	ck_assert_uint_eq(b[1].flags, RECONCILE_WEB);
	ck_assert_uint_eq(b[2].flags, RECONCILE_CLASS0);
	ck_assert_str_eq(b[2].why, "peer=10.1.0.0/16,10.2.0.0/24, class 0 in nc");
	ck_assert_uint_eq(b[3].flags, 0); /* one peer outside class 0: not claimed */
	ck_assert_uint_eq(b[4].flags, RECONCILE_NEIGHBOR);
	ck_assert_str_eq(b[4].why, "peer=198.18.10.0/24, neighbours 198.18.0.0/16");
	ck_assert_uint_eq(b[5].flags, RECONCILE_OWNER);
	ck_assert_str_eq(b[5].why, "rule 'service cron user=0'");
	ck_assert_uint_eq(b[6].flags, 0);
	/* Without the installed spec only loopback is known. */
	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < 7; i++)
		snprintf(b[i].name, sizeof(b[i].name), "%s", names[i]);
	k.spec = NULL;
	reconcile_input_flag(b, 7, &k);
	ck_assert_uint_eq(b[0].flags, RECONCILE_LOCAL);
	for (size_t i = 1; i < 7; i++)
		ck_assert_uint_eq(b[i].flags, 0);
	svcspec_free(&spec);
	classes_free(&cls);
}
END_TEST

START_TEST(web_logs_are_summed_over_the_window_and_named)
{
	struct reconcile_input in;
	struct weblog_sum wl;
	struct ctv_err err = { "" };
	char a[128], b[128];
	const char *files[2] = { a, b };
	FILE *f;

	snprintf(a, sizeof(a), "%s/a.log", dir);
	snprintf(b, sizeof(b), "%s/b.log", dir);
	f = fopen(a, "w");
	ck_assert_ptr_nonnull(f);
	fputs("1.2.3.4 - - [14/Nov/2023:22:14:30 +0000] \"GET / HTTP/1.1\" 200 500\n"
	      "1.2.3.4 - - [14/Nov/2023:23:14:30 +0000] \"GET / HTTP/1.1\" 200 9999\n", f);
	fclose(f);
	f = fopen(b, "w");
	ck_assert_ptr_nonnull(f);
	fputs("1.2.3.4 - - [14/Nov/2023:22:15:00 +0000] \"GET /x HTTP/1.1\" 200 70\n", f);
	fclose(f);
	memset(&in, 0, sizeof(in));
	memset(&wl, 0, sizeof(wl));
	in.from = 1700000040; /* 2023-11-14 22:14 UTC */
	in.to = 1700000040 + 600;
	ck_assert_msg(reconcile_input_weblogs(&in, files, 2, &wl, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(in.has_weblog, 1);
	ck_assert_uint_eq(in.weblog_bytes, 570);
	ck_assert_uint_eq(in.weblog_requests, 2);
	ck_assert_ptr_nonnull(strstr(in.weblog_files, "a.log, "));
	ck_assert_ptr_nonnull(strstr(in.weblog_files, "b.log"));
}
END_TEST

void add_reconcile_input_tests(Suite *s)
{
	TCase *tc = tcase_create("reconcile_input");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, buckets_and_figures_are_summed_over_the_chosen_intervals_only);
	tcase_add_test(tc, the_spans_reaching_past_the_node_window_carry_their_bytes_for_the_edges);
	tcase_add_test(tc, class_series_are_the_mirror_and_not_buckets);
	tcase_add_test(tc, resets_gaps_and_reboots_are_unobserved_windows_and_clock_steps_are_not);
	tcase_add_test(tc, no_interval_in_the_window_names_collect_and_the_db);
	tcase_add_test(tc, without_recorded_mtu_the_largest_ip_packet_bounds_drops);
	tcase_add_test(tc, the_installed_rules_say_which_bucket_is_what);
	tcase_add_test(tc, web_logs_are_summed_over_the_window_and_named);
	suite_add_tcase(s, tc);
}
