/* The container's snapshot and self-repair, over a fake backend and a
 * temporary store; the kernel paths are the e2e tests'. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rulestate.h"
#include "snapshot.h"
#include "store.h"
#include "svcspec.h"
#include "unit_tests.h"

static char dir[64];
static char db[128];

/* The fake firewall: counters that move as the test says. */
static struct {
	int reads, installs, checks, removes;
	int gone;       /* read says ENOENT until install */
	int differs;    /* check finds the rules changed */
	const char *respec; /* saved into the state on the next failed read */
	struct ctv_counter c[3];
} fw;

static int fake_read(struct ctv_counters *out, struct ctv_err *err)
{
	fw.reads++;
	if (fw.gone) {
		if (fw.respec) {
			struct svcspec other;

			svcspec_init(&other);
			ck_assert_int_eq(svcspec_parse_buffer(&other, "t", fw.respec, strlen(fw.respec),
							      err), 0);
			ck_assert_int_eq(rulestate_save("fake", &other, err), 0);
			svcspec_free(&other);
		}
		ctv_err_set(err, "table inet ctverify is gone");
		errno = ENOENT;
		return -1;
	}
	out->c = calloc(3, sizeof(*out->c));
	ck_assert_ptr_nonnull(out->c);
	memcpy(out->c, fw.c, sizeof(fw.c));
	out->n = 3;
	return 0;
}

static int fake_install(const struct svcspec *spec, struct ctv_err *err)
{
	(void)spec;
	(void)err;
	fw.installs++;
	fw.gone = 0;
	fw.differs = 0;
	for (int i = 0; i < 3; i++) /* new rules count from zero */
		fw.c[i].in_bytes = fw.c[i].in_packets = fw.c[i].out_bytes = fw.c[i].out_packets = 0;
	return 0;
}

static int fake_check(const struct svcspec *spec, char **diff, struct ctv_err *err)
{
	(void)spec;
	(void)err;
	fw.checks++;
	if (!fw.differs)
		return 0;
	*diff = strdup("chain in is empty (flushed)\n");
	return 1;
}

static int fake_remove(struct ctv_err *err)
{
	(void)err;
	fw.removes++;
	return 0;
}

static const struct backend fake = {
	.name = "fake", .install = fake_install, .remove = fake_remove, .read = fake_read,
	.check = fake_check,
};

/* The clocks: each reading takes the next (wall, boot time) pair. */
static struct {
	int64_t wall[8], mono[8];
	int n, next;
} clk;

static int fake_now(struct store_reading *r, struct ctv_err *err)
{
	(void)err;
	ck_assert_int_lt(clk.next, clk.n);
	r->wall_ms = clk.wall[clk.next];
	r->mono_ms = clk.mono[clk.next];
	clk.next++;
	snprintf(r->boot_id, sizeof(r->boot_id), "b1");
	return 0;
}

static void tick(int64_t wall_s, int64_t mono_s)
{
	clk.wall[clk.n] = wall_s * 1000;
	clk.mono[clk.n] = mono_s * 1000;
	clk.n++;
}

static struct snapshot sn;
static char fixture[3][256];
static struct snapshot_proc proc;

static void setup(void)
{
	struct ctv_err err = { "" };
	struct svcspec spec;
	const char *top = getenv("top_srcdir");

	snprintf(dir, sizeof(dir), "/tmp/ctv-snapshot-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("CTVERIFY_STATEDIR", dir, 1);
	snprintf(db, sizeof(db), "%s/ctverify.db", dir);
	memset(&fw, 0, sizeof(fw));
	memset(&clk, 0, sizeof(clk));
	test_nwarned = 0;
	snprintf(fw.c[0].name, sizeof(fw.c[0].name), "local");
	snprintf(fw.c[1].name, sizeof(fw.c[1].name), "http");
	snprintf(fw.c[2].name, sizeof(fw.c[2].name), "other");
	svcspec_init(&spec);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "t", "service http proto=tcp lport=80\n", 32,
					      &err), 0);
	ck_assert_msg(rulestate_save("fake", &spec, &err) == 0, "%s", err.msg);
	svcspec_free(&spec);
	snprintf(fixture[0], sizeof(fixture[0]), "%s/tests/fixtures/snmp", top ? top : ".");
	snprintf(fixture[1], sizeof(fixture[1]), "%s/tests/fixtures/net_dev", top ? top : ".");
	snprintf(fixture[2], sizeof(fixture[2]), "%s/tests/fixtures/sysnet", top ? top : ".");
	proc = (struct snapshot_proc){ fixture[0], fixture[1], fixture[2], "/nonexistent/uptime" };
	memset(&sn, 0, sizeof(sn));
	sn.warn.fn = test_warn;
	sn.backend = &fake;
	sn.now = fake_now;
	sn.proc = &proc;
	sn.st = snapshot_open_store(db, &err);
	ck_assert_msg(sn.st != NULL, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	snapshot_free(&sn);
	if (sn.st)
		store_close(sn.st);
	unsetenv("CTVERIFY_STATEDIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void take(struct store_result *res)
{
	struct ctv_err err = { "" };

	ck_assert_msg(snapshot_take(&sn, res, &err) == 0, "snapshot_take: %s", err.msg);
}

static void http_in(uint64_t bytes)
{
	fw.c[1].in_bytes = bytes;
	fw.c[1].in_packets = bytes / 100;
}

/* The events of one kind in the store, and the last one's window. */
static size_t events(const char *kind, int64_t *from_ms, int64_t *to_ms)
{
	struct store_events ev;
	struct ctv_err err = { "" };
	size_t n = 0;

	ck_assert_int_eq(store_events(sn.st, 0, INT64_MAX, NULL, &ev, &err), 0);
	for (size_t i = 0; i < ev.n; i++) {
		if (strcmp(ev.v[i].kind, kind))
			continue;
		n++;
		if (from_ms)
			*from_ms = ev.v[i].from_ms;
		if (to_ms)
			*to_ms = ev.v[i].to_ms;
	}
	store_events_free(&ev);
	return n;
}

START_TEST(the_first_snapshot_is_a_baseline_read_in_one_pass)
{
	struct store_result res;

	tick(1700000000, 100);
	http_in(1000);
	take(&res);
	ck_assert_int_eq(res.baseline, 1);
	ck_assert_int_eq(fw.reads, 1);
	ck_assert_int_eq(fw.checks, 0);
	ck_assert_int_eq(test_nwarned, 0);
}
END_TEST

START_TEST(a_counter_that_went_back_is_a_reset_with_its_window)
{
	struct store_result res;
	int64_t from = 0, to = 0;

	tick(1700000000, 100);
	tick(1700000060, 160);
	http_in(5000);
	take(&res);
	http_in(300);
	take(&res);
	ck_assert_int_eq(res.baseline, 0);
	ck_assert_uint_ge(res.resets, 1);
	ck_assert_uint_eq(events("reset", &from, &to), 1);
	ck_assert_int_eq(from, 1700000000000LL);
	ck_assert_int_eq(to, 1700000060000LL);
	ck_assert_int_eq(fw.installs, 0);
}
END_TEST

START_TEST(rules_found_gone_are_reinstalled_and_the_gap_recorded)
{
	struct store_result res;

	tick(1700000000, 100);
	tick(1700000060, 160);
	http_in(5000);
	take(&res);
	fw.gone = 1;
	take(&res);
	ck_assert_int_eq(fw.installs, 1);
	ck_assert_int_eq(fw.reads, 3); /* the one that failed, and again after the install */
	ck_assert_uint_eq(events("gap", NULL, NULL), 1);
	ck_assert_int_eq(test_nwarned, 1);
	ck_assert_str_eq(test_warned[0], "our fake rules were gone; reinstalled them from the saved spec");
	/* The new rules count from zero: the store sees a reset. */
	ck_assert_uint_ge(res.resets, 1);
}
END_TEST

START_TEST(rules_gone_before_a_change_are_not_reinstalled_and_fail_once)
{
	struct store_result res;
	struct ctv_err err = { "" };

	tick(1700000000, 100);
	take(&res);
	fw.gone = 1;
	sn.no_repair = 1;
	ck_assert_int_eq(snapshot_take(&sn, &res, &err), -1);
	ck_assert_str_eq(err.msg, "table inet ctverify is gone");
	ck_assert_int_eq(fw.installs, 0);
	ck_assert_int_eq(fw.reads, 2);
	ck_assert_int_eq(test_nwarned, 0);
	ck_assert_uint_eq(events("gap", NULL, NULL), 0);
}
END_TEST

START_TEST(rules_gone_while_the_saved_spec_changed_are_left_alone)
{
	struct store_result res;
	struct ctv_err err = { "" };

	tick(1700000000, 100);
	take(&res);
	fw.gone = 1;
	fw.respec = "service mail proto=tcp lport=25\n";
	ck_assert_int_eq(snapshot_take(&sn, &res, &err), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_str_eq(err.msg, "our rules were gone while the saved spec changed; not reinstalling");
	ck_assert_int_eq(fw.installs, 0);
}
END_TEST

START_TEST(counters_that_did_not_move_are_checked_and_flushed_rules_put_back)
{
	struct store_result res;

	tick(1700000000, 100);
	tick(1700000060, 160);
	tick(1700000120, 220);
	http_in(5000);
	take(&res);
	take(&res); /* nothing moved, the rules are as saved */
	ck_assert_int_eq(fw.checks, 1);
	ck_assert_int_eq(fw.installs, 0);
	fw.differs = 1;
	take(&res);
	ck_assert_int_eq(fw.checks, 2);
	ck_assert_int_eq(fw.installs, 1);
	ck_assert_uint_eq(events("gap", NULL, NULL), 1);
	ck_assert_int_eq(test_nwarned, 1);
	ck_assert_str_eq(test_warned[0], "our fake rules were changed or flushed; reinstalled them from "
				    "the saved spec");
}
END_TEST

START_TEST(moving_counters_are_one_read_without_a_check)
{
	struct store_result res;

	tick(1700000000, 100);
	tick(1700000060, 160);
	tick(1700000120, 220);
	fw.differs = 1;
	for (int i = 1; i <= 3; i++) {
		http_in((uint64_t)i * 1000);
		take(&res);
	}
	ck_assert_int_eq(fw.reads, 3);
	ck_assert_int_eq(fw.checks, 0);
	ck_assert_int_eq(fw.installs, 0);
}
END_TEST

START_TEST(a_stale_reading_is_read_again)
{
	struct store_result res;

	tick(1700000000, 100);
	tick(1700000030, 50);  /* another writer's newer reading came first */
	tick(1700000060, 160);
	http_in(1000);
	take(&res);
	http_in(2000);
	take(&res);
	ck_assert_int_eq(fw.reads, 3);
	ck_assert_int_eq(res.baseline, 0);
	ck_assert_int_eq(res.span.end_ms - res.span.start_ms, 60000);
}
END_TEST

START_TEST(a_wall_clock_stepped_forward_keeps_the_elapsed_time)
{
	struct store_result res;

	tick(1700000000, 100);
	tick(1700003600, 160); /* an hour on the wall, a minute elapsed */
	take(&res);
	take(&res);
	ck_assert_int_ne(res.span.step_ms, 0);
	ck_assert_int_eq(res.span.end_ms - res.span.start_ms, 60000);
	ck_assert_uint_eq(events("clock_step", NULL, NULL), 1);
}
END_TEST

START_TEST(the_kernel_figures_are_recorded_and_a_missing_one_warned_once)
{
	struct store_result res;
	struct store_scalar_sums sums;
	struct ctv_err err = { "" };
	int udp = 0, mtu = 0;

	proc.snmp = "/nonexistent/snmp";
	tick(1700000000, 100);
	tick(1700000060, 160);
	take(&res);
	take(&res);
	ck_assert_int_eq(test_nwarned, 1);
	ck_assert_ptr_nonnull(strstr(test_warned[0], "(UDP/ICMP figures not recorded)"));
	ck_assert_int_eq(strncmp(test_warned[0], "warning: ", 9), 0);
	ck_assert_int_eq(store_scalars_between(sn.st, 0, INT64_MAX, &sums, &err), 0);
	for (size_t i = 0; i < sums.n; i++) {
		udp += !strncmp(sums.v[i].name, "Udp.", 4);
		mtu += !strcmp(sums.v[i].name, "if.eth0.mtu");
	}
	store_scalar_sums_free(&sums);
	ck_assert_int_eq(udp, 0);
	ck_assert_int_eq(mtu, 1);
}
END_TEST

START_TEST(no_saved_rules_says_to_install_them)
{
	struct store_result res;
	struct ctv_err err = { "" };

	ck_assert_int_eq(rulestate_clear(&err), 0);
	ck_assert_int_eq(snapshot_take(&sn, &res, &err), -1);
	ck_assert_str_eq(err.msg, "no accounting rules installed (run 'ctverify rules install' first)");
	ck_assert_int_eq(fw.reads, 0);
}
END_TEST

START_TEST(the_guard_records_the_last_good_reading_and_a_gap_from_it_to_the_reinstall)
{
	struct store_result res;
	struct ctv_err err = { "" };
	int64_t from = 0, to = 0;

	tick(1700000000, 100);
	take(&res);
	http_in(8000);
	tick(1700000010, 110);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	ck_assert_int_eq(fw.installs, 0);
	fw.gone = 1;
	/* Looking only says so; the repair is the collect loop's to schedule. */
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 1);
	ck_assert_int_eq(fw.installs, 0);
	tick(1700000011, 111);
	ck_assert_msg(snapshot_guard(&sn, 1, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(fw.installs, 1);
	ck_assert_uint_eq(events("gap", &from, &to), 1);
	/* From the last good reading, not from the last snapshot. */
	ck_assert_int_eq(from, 1700000010000LL);
	ck_assert_int_ge(to, from);
	/* The fresh counters were recorded: the store saw them restart. */
	ck_assert_uint_ge(events("reset", NULL, NULL), 1);
	snapshot_free(&sn);
}
END_TEST

START_TEST(a_repairing_guard_puts_back_rules_that_differ_from_the_saved_spec)
{
	struct ctv_err err = { "" };

	for (int i = 0; i < 4; i++)
		tick(1700000000 + i, 100 + i);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	fw.differs = 1;
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	ck_assert_int_eq(fw.installs, 0); /* a look only reads */
	ck_assert_int_eq(snapshot_guard(&sn, 1, &err), 0);
	ck_assert_int_eq(fw.installs, 1);
	snapshot_free(&sn);
}
END_TEST

START_TEST(only_deletions_of_ours_by_another_process_ask_for_a_repair)
{
	struct nfnl_event ev = { .family = 1 /* NFPROTO_INET */, .kind = NFNL_CHAIN };
	struct nfnl_event gen = { .kind = NFNL_GEN, .created = 1, .pid = (uint32_t)getpid() + 1 };

	snprintf(ev.table, sizeof(ev.table), "ctverify");
	ev.created = 1;
	ck_assert_int_eq(snapshot_event(&sn, &ev), 0);
	ck_assert_int_eq(snapshot_event(&sn, &gen), 0); /* a creation */
	ev.created = 0;
	snprintf(ev.table, sizeof(ev.table), "filter");
	snapshot_event(&sn, &ev);
	ck_assert_int_eq(snapshot_event(&sn, &gen), 0); /* not our table */
	snprintf(ev.table, sizeof(ev.table), "ctverify");
	snapshot_event(&sn, &ev);
	ck_assert_int_eq(snapshot_event(&sn, &gen), 1);
	snapshot_event(&sn, &ev);
	gen.pid = (uint32_t)getpid();
	ck_assert_int_eq(snapshot_event(&sn, &gen), 0); /* our own install */
	snapshot_event(&sn, &ev);
	gen.pid++;
	snprintf(gen.proc, sizeof(gen.proc), "ctverify");
	ck_assert_int_eq(snapshot_event(&sn, &gen), 0); /* 'rules install|remove' */
	snapshot_event(&sn, &ev);
	snprintf(gen.proc, sizeof(gen.proc), "nft");
	ck_assert_int_eq(snapshot_event(&sn, &gen), 1); /* a firewall reload */
}
END_TEST

START_TEST(counters_that_went_back_are_replaced_rules_put_back_from_zero)
{
	struct ctv_err err = { "" };
	int64_t from = 0;

	for (int i = 0; i < 4; i++)
		tick(1700000000 + i, 100 + i);
	http_in(8000);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	/* One family's chains restored away: the sum went back. */
	http_in(3000);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 1);
	ck_assert_int_eq(fw.installs, 0);
	ck_assert_msg(snapshot_guard(&sn, 1, &err) == 0, "%s", err.msg);
	/* Removed first, so every counter restarts from zero. */
	ck_assert_int_eq(fw.removes, 1);
	ck_assert_int_eq(fw.installs, 1);
	ck_assert_uint_eq(events("gap", &from, NULL), 1);
	ck_assert_int_eq(from, 1700000000000LL);
	/* Growing counters are not a replacement. */
	http_in(500);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	ck_assert_int_eq(fw.installs, 1);
	snapshot_free(&sn);
}
END_TEST

/* Saves text as the installed spec of the fake backend. */
static void save_spec(const char *text)
{
	struct ctv_err err = { "" };
	struct svcspec spec;

	svcspec_init(&spec);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "t", text, strlen(text), &err), 0);
	ck_assert_msg(rulestate_save("fake", &spec, &err) == 0, "%s", err.msg);
	svcspec_free(&spec);
}

START_TEST(an_unchanged_saved_spec_is_parsed_once_for_every_tick_and_snapshot)
{
	const struct svcspec *spec;
	const struct backend *b;
	struct store_result res;
	struct ctv_err err = { "" };

	for (int i = 0; i < 6; i++)
		tick(1700000000 + i, 100 + i);
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_ptr_eq(b, &fake);
	ck_assert_uint_eq(spec->n, 1);
	ck_assert_str_eq(spec->svcs[0].name, "http");
	ck_assert_uint_eq(sn.saved.parses, 1);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	take(&res);
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 1);
	ck_assert_int_eq(fw.reads, 4);
}
END_TEST

START_TEST(a_saved_spec_changed_on_disk_is_parsed_again)
{
	const struct svcspec *spec;
	const struct backend *b;
	struct ctv_err err = { "" };
	struct timespec past[2] = { { 1000, 0 }, { 1000, 0 } };
	char path[256];
	FILE *f;
	char *text;
	size_t len;

	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 1);
	/* 'rules install': a new file renamed into place. */
	save_spec("service mail proto=tcp lport=25\nservice dns proto=udp lport=53\n");
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 2);
	ck_assert_uint_eq(spec->n, 2);
	ck_assert_str_eq(spec->svcs[1].name, "dns");
	/* Edited in place, same size, its time set back: still noticed. */
	snprintf(path, sizeof(path), "%s/%s", dir, RULESTATE_FILE);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 4096);
	ck_assert_ptr_nonnull(text);
	len = fread(text, 1, 4095, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "lport=53"));
	memcpy(strstr(text, "lport=53"), "lport=54", 8);
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	free(text);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, past, 0), 0);
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 3);
	ck_assert_uint_eq(spec->svcs[1].lports[0].first, 54);
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 3);
}
END_TEST

START_TEST(a_saved_spec_removed_is_forgotten)
{
	const struct svcspec *spec;
	const struct backend *b;
	struct ctv_err err = { "" };

	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_int_eq(rulestate_clear(&err), 0);
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err.msg, "no accounting rules installed (run 'ctverify rules install' first)");
	ck_assert_int_eq(sn.saved.valid, 0);
	/* The guard has nothing to guard. */
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	ck_assert_int_eq(fw.reads, 0);
	save_spec("service http proto=tcp lport=80\n");
	ck_assert_int_eq(snapshot_saved_spec(&sn, &spec, &b, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 2);
}
END_TEST

START_TEST(a_repairing_guard_leaves_the_rules_alone_when_the_saved_spec_changed_since_it_was_kept)
{
	struct ctv_err err = { "" };

	for (int i = 0; i < 4; i++)
		tick(1700000000 + i, 100 + i);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	ck_assert_uint_eq(sn.saved.parses, 1);
	/* 'rules remove' or 'rules install' between the look and the repair. */
	fw.gone = 1;
	fw.respec = "service mail proto=tcp lport=25\n";
	ck_assert_int_eq(snapshot_guard(&sn, 1, &err), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(fw.installs, 0);
	ck_assert_int_eq(fw.removes, 0);
}
END_TEST

START_TEST(a_counter_that_went_back_is_found_when_the_read_order_changed)
{
	struct ctv_err err = { "" };
	struct ctv_counter t;

	for (int i = 0; i < 4; i++)
		tick(1700000000 + i, 100 + i);
	http_in(8000);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	/* Grown, in another order: not a replacement. */
	http_in(9000);
	t = fw.c[1];
	fw.c[1] = fw.c[2];
	fw.c[2] = t;
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 0);
	/* Back in the first order, and below: replaced. */
	t = fw.c[1];
	fw.c[1] = fw.c[2];
	fw.c[2] = t;
	http_in(2000);
	ck_assert_int_eq(snapshot_guard(&sn, 0, &err), 1);
	ck_assert_int_eq(fw.installs, 0);
}
END_TEST

START_TEST(the_guard_reads_every_half_second_or_less_often_within_its_cpu_budget)
{
	ck_assert_uint_eq(snapshot_guard_ms(0, 100), SNAPSHOT_GUARD_MS);
	/* 30 us a tick: the floor. */
	ck_assert_uint_eq(snapshot_guard_ms(30000, 100), 500);
	/* 1.8 ms (1,000 services): 6 s, so 0.03 % of a core. */
	ck_assert_uint_eq(snapshot_guard_ms(1800000, 1000), 6000);
	ck_assert_uint_eq(snapshot_guard_ms(150000, 100), 500);
	ck_assert_uint_eq(snapshot_guard_ms(300000, 100), 1000);
	/* A small spec: every half second, whatever a tick costs. */
	ck_assert_uint_eq(snapshot_guard_ms(1800000, SNAPSHOT_GUARD_SMALL), SNAPSHOT_GUARD_MS);
	ck_assert_uint_eq(snapshot_guard_ms(1800000, 2), SNAPSHOT_GUARD_MS);
	ck_assert_uint_eq(snapshot_guard_ms(1800000, SNAPSHOT_GUARD_SMALL + 1), 6000);
	/* However slow, at least every SNAPSHOT_GUARD_MAX_MS. */
	ck_assert_uint_eq(snapshot_guard_ms(50000000, 4096), SNAPSHOT_GUARD_MAX_MS);
	ck_assert_uint_eq(snapshot_guard_ms(UINT64_MAX, 4096), SNAPSHOT_GUARD_MAX_MS);
}
END_TEST

START_TEST(the_default_store_is_in_the_state_directory)
{
	char want[160];

	snprintf(want, sizeof(want), "%s/ctverify.db", dir);
	ck_assert_str_eq(snapshot_default_db(), want);
}
END_TEST

void add_snapshot_tests(Suite *s)
{
	TCase *tc = tcase_create("snapshot");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_first_snapshot_is_a_baseline_read_in_one_pass);
	tcase_add_test(tc, a_counter_that_went_back_is_a_reset_with_its_window);
	tcase_add_test(tc, rules_found_gone_are_reinstalled_and_the_gap_recorded);
	tcase_add_test(tc, rules_gone_before_a_change_are_not_reinstalled_and_fail_once);
	tcase_add_test(tc, rules_gone_while_the_saved_spec_changed_are_left_alone);
	tcase_add_test(tc, counters_that_did_not_move_are_checked_and_flushed_rules_put_back);
	tcase_add_test(tc, moving_counters_are_one_read_without_a_check);
	tcase_add_test(tc, a_stale_reading_is_read_again);
	tcase_add_test(tc, a_wall_clock_stepped_forward_keeps_the_elapsed_time);
	tcase_add_test(tc, the_kernel_figures_are_recorded_and_a_missing_one_warned_once);
	tcase_add_test(tc, no_saved_rules_says_to_install_them);
	tcase_add_test(tc, the_default_store_is_in_the_state_directory);
	tcase_add_test(tc, the_guard_records_the_last_good_reading_and_a_gap_from_it_to_the_reinstall);
	tcase_add_test(tc, a_repairing_guard_puts_back_rules_that_differ_from_the_saved_spec);
	tcase_add_test(tc, only_deletions_of_ours_by_another_process_ask_for_a_repair);
	tcase_add_test(tc, counters_that_went_back_are_replaced_rules_put_back_from_zero);
	tcase_add_test(tc, an_unchanged_saved_spec_is_parsed_once_for_every_tick_and_snapshot);
	tcase_add_test(tc, a_saved_spec_changed_on_disk_is_parsed_again);
	tcase_add_test(tc, a_saved_spec_removed_is_forgotten);
	tcase_add_test(tc, a_repairing_guard_leaves_the_rules_alone_when_the_saved_spec_changed_since_it_was_kept);
	tcase_add_test(tc, a_counter_that_went_back_is_found_when_the_read_order_changed);
	tcase_add_test(tc, the_guard_reads_every_half_second_or_less_often_within_its_cpu_budget);
	suite_add_tcase(s, tc);
}
