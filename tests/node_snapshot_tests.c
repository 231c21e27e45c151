/* ctnode's snapshot over a fake table dump and a temporary store. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "linefile.h"
#include "node_snapshot.h"
#include "store.h"
#include "unit_tests.h"

static char dir[64];
static char db[128];
static struct node_snapshot ns;

static struct {
	int reads, gone;
	uint64_t bytes; /* 101 class 1 IPv4 in bytes; the rest follow from it */
} tbl;

static void row(struct node_counter *v, const char *ct, unsigned cls, int family, uint64_t in)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->ct, sizeof(v->ct), "%s", ct);
	v->cls = (uint8_t)cls;
	v->family = (uint8_t)family;
	v->in_bytes = in;
	v->in_packets = in / 100;
	v->out_bytes = 2 * in;
	v->out_packets = in / 50;
}

static int fake_read(struct node_counters *out, struct ctv_err *err)
{
	tbl.reads++;
	if (tbl.gone) {
		ctv_err_set(err, "table netdev ctnode not found");
		errno = ENOENT;
		return -1;
	}
	out->v = calloc(4, sizeof(*out->v));
	ck_assert_ptr_nonnull(out->v);
	row(&out->v[0], "101", 1, AF_INET, tbl.bytes);
	row(&out->v[1], "101", 1, AF_INET6, 10);
	row(&out->v[2], "101", 2, AF_INET, 20);
	row(&out->v[3], "102", 1, AF_INET, 30);
	out->n = 4;
	return 0;
}

static int64_t wall = 1700000000000LL, mono = 100000;

static int fake_now(struct store_reading *r, struct ctv_err *err)
{
	(void)err;
	r->wall_ms = wall;
	r->mono_ms = mono;
	wall += 60000;
	mono += 60000;
	snprintf(r->boot_id, sizeof(r->boot_id), "b1");
	return 0;
}

static void setup(void)
{
	struct ctv_err err = { "" };

	snprintf(dir, sizeof(dir), "/tmp/ctv-nodesnap-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/ctnode.db", dir);
	memset(&tbl, 0, sizeof(tbl));
	memset(&ns, 0, sizeof(ns));
	ns.read = fake_read;
	ns.now = fake_now;
	ns.st = node_snapshot_open_store(db, &err);
	ck_assert_msg(ns.st != NULL, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	store_close(ns.st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static size_t gaps(void)
{
	struct store_events ev;
	struct ctv_err err = { "" };
	size_t n = 0;

	ck_assert_int_eq(store_events(ns.st, 0, INT64_MAX, NULL, &ev, &err), 0);
	for (size_t i = 0; i < ev.n; i++)
		n += !strcmp(ev.v[i].kind, "gap");
	store_events_free(&ev);
	return n;
}

START_TEST(the_families_are_summed_per_container_and_class)
{
	struct node_counters nc = { NULL, 0, NULL, 0 };
	struct store_sample smp[4];
	struct ctv_err err = { "" };
	size_t n;

	tbl.bytes = 1000;
	ck_assert_int_eq(fake_read(&nc, &err), 0);
	n = node_snapshot_samples(&nc, smp);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(smp[0].key, "101");
	ck_assert_int_eq(smp[0].sub, 1);
	ck_assert_uint_eq(smp[0].c.in_bytes, 1010);
	ck_assert_uint_eq(smp[0].c.out_bytes, 2020);
	ck_assert_uint_eq(smp[0].c.in_packets, 10);
	ck_assert_int_eq(smp[1].sub, 2);
	ck_assert_uint_eq(smp[1].c.in_bytes, 20);
	ck_assert_str_eq(smp[2].key, "102");
	node_counters_free(&nc);
}
END_TEST

START_TEST(a_snapshot_records_the_growth_per_container_and_class)
{
	struct store_result res;
	struct store_intervals iv;
	struct ctv_err err = { "" };

	tbl.bytes = 1000;
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), 0);
	ck_assert_int_eq(res.baseline, 1);
	tbl.bytes = 1500;
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), 0);
	ck_assert_int_eq(res.baseline, 0);
	ck_assert_int_eq(store_intervals(ns.st, 0, INT64_MAX, "101", 1, &iv, &err), 0);
	ck_assert_uint_eq(iv.n, 1);
	ck_assert_uint_eq(iv.v[0].c.in_bytes, 500);
	store_intervals_free(&iv);
}
END_TEST

START_TEST(a_table_gone_is_one_gap_however_long_it_stays_gone)
{
	struct store_result res;
	struct ctv_err err = { "" };

	tbl.bytes = 1000;
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), 0);
	tbl.gone = 1;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), -1);
		ck_assert_int_eq(errno, ENOENT);
		ck_assert_str_eq(err.msg, "table netdev ctnode not found");
	}
	ck_assert_uint_eq(gaps(), 1);
	/* Back, then gone again: a second gap. */
	tbl.gone = 0;
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), 0);
	tbl.gone = 1;
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), -1);
	ck_assert_uint_eq(gaps(), 2);
}
END_TEST

static int setups;

static int fake_setup(struct ctv_err *err)
{
	(void)err;
	setups++;
	tbl.gone = 0; /* the table is back */
	return 0;
}

START_TEST(a_device_that_comes_back_is_hooked_again_with_the_container_s_gap)
{
	struct containers_ct ct[2];
	struct containers cts = { ct, 2 };
	struct ctv_err err = { "" };
	struct store_events ev;

	memset(ct, 0, sizeof(ct));
	snprintf(ct[0].id, sizeof(ct[0].id), "101");
	snprintf(ct[0].ifname, sizeof(ct[0].ifname), "lo"); /* exists when it is back */
	snprintf(ct[1].id, sizeof(ct[1].id), "102");
	ns.setup = fake_setup;
	setups = 0;
	ck_assert_int_eq(node_snapshot_link(&ns, &cts, 1, "lo", 1000), 0); /* never seen gone */
	ck_assert_int_eq(node_snapshot_link(&ns, &cts, 0, "eth7", 1000), 0); /* not a container's */
	ck_assert_uint_eq(ns.n_down, 0);
	ck_assert_int_eq(node_snapshot_link(&ns, &cts, 0, "lo", 1700000000000LL), 0);
	ck_assert_uint_eq(ns.n_down, 1);
	ck_assert_int_eq(node_snapshot_link(&ns, &cts, 1, "lo", 1700000000500LL), 1);
	ck_assert_msg(node_snapshot_repair(&ns, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(setups, 1);
	ck_assert_uint_eq(ns.n_down, 0);
	ck_assert_int_eq(store_events(ns.st, 0, INT64_MAX, "101", &ev, &err), 0);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_str_eq(ev.v[0].kind, "gap");
	ck_assert_int_eq(ev.v[0].from_ms, 1700000000000LL);
	store_events_free(&ev);
	/* Nothing gone, nothing back: no repair. */
	ck_assert_int_eq(node_snapshot_repair(&ns, 0, &err), 0);
	ck_assert_int_eq(setups, 1);
	node_snapshot_free(&ns);
}
END_TEST

START_TEST(a_table_another_program_deleted_is_installed_again_with_one_gap)
{
	struct ctv_err err = { "" };
	struct store_result res;

	ns.setup = fake_setup;
	setups = 0;
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), 0);
	tbl.gone = 1;
	ns.read = fake_read;
	/* Gone, and no one else deleted it: teardown's, left alone. */
	ck_assert_int_eq(node_snapshot_repair(&ns, 0, &err), 0);
	ck_assert_int_eq(setups, 0);
	/* Deleted by another program. */
	ck_assert_msg(node_snapshot_repair(&ns, 1, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(setups, 1);
	ck_assert_uint_eq(gaps(), 1);
	ck_assert_int_eq(ns.gone, 0);
	/* A snapshot after it finds the table and records no second gap. */
	ck_assert_int_eq(node_snapshot_take(&ns, &res, &err), 0);
	ck_assert_uint_eq(gaps(), 1);
}
END_TEST

START_TEST(only_other_programs_deleting_our_table_ask_for_a_reinstall)
{
	struct nfnl_event ev = { .family = 5 /* NFPROTO_NETDEV */, .kind = NFNL_TABLE };
	struct nfnl_event gen = { .kind = NFNL_GEN, .created = 1, .pid = 1 };

	snprintf(ev.table, sizeof(ev.table), "ctnode");
	snprintf(gen.proc, sizeof(gen.proc), "nft");
	node_snapshot_event(&ns, &ev);
	ck_assert_int_eq(node_snapshot_event(&ns, &gen), 1);
	ck_assert_int_eq(node_snapshot_event(&ns, &gen), 0); /* a transaction without deletions */
	snprintf(gen.proc, sizeof(gen.proc), "ctnode");
	node_snapshot_event(&ns, &ev);
	ck_assert_int_eq(node_snapshot_event(&ns, &gen), 0); /* ctnode teardown is the admin's */
	ev.family = 1; /* inet ctnode: another table */
	snprintf(gen.proc, sizeof(gen.proc), "nft");
	node_snapshot_event(&ns, &ev);
	ck_assert_int_eq(node_snapshot_event(&ns, &gen), 0);
}
END_TEST

START_TEST(setup_s_files_are_saved_for_the_repairs)
{
	char src[2][256], copy[256], *text = NULL;
	struct ctv_err err = { "" };
	size_t len = 0;
	FILE *f;

	setenv("CTNODE_STATEDIR", dir, 1);
	for (int i = 0; i < 2; i++) {
		snprintf(src[i], sizeof(src[i]), "%s/src%d", dir, i);
		f = fopen(src[i], "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, i ? "101 veth veth101\n" : "1 0.0.0.0/0\n");
		fclose(f);
	}
	ck_assert_msg(node_snapshot_save_setup(src[0], src[1], &err) == 0, "%s", err.msg);
	snprintf(copy, sizeof(copy), "%s/setup.containers", dir);
	ck_assert_int_eq(linefile_read(copy, &text, &len, &err), 0);
	ck_assert_uint_eq(len, 17);
	ck_assert_int_eq(memcmp(text, "101 veth veth101\n", 17), 0);
	free(text);
	/* A file that cannot be read: an error naming it, nothing saved. */
	ck_assert_int_eq(node_snapshot_save_setup("/nonexistent/classes", src[1], &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/classes"));
	unsetenv("CTNODE_STATEDIR");
}
END_TEST

START_TEST(the_default_store_follows_ctnode_statedir)
{
	setenv("CTNODE_STATEDIR", "/srv/ctnode", 1);
	ck_assert_str_eq(node_snapshot_statedir(), "/srv/ctnode");
	ck_assert_str_eq(node_snapshot_default_db(), "/srv/ctnode/ctnode.db");
	unsetenv("CTNODE_STATEDIR");
	ck_assert_str_eq(node_snapshot_statedir(), LOCALSTATEDIR "/lib/ctnode");
}
END_TEST

void add_node_snapshot_tests(Suite *s)
{
	TCase *tc = tcase_create("node_snapshot");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_families_are_summed_per_container_and_class);
	tcase_add_test(tc, a_snapshot_records_the_growth_per_container_and_class);
	tcase_add_test(tc, a_table_gone_is_one_gap_however_long_it_stays_gone);
	tcase_add_test(tc, the_default_store_follows_ctnode_statedir);
	tcase_add_test(tc, a_device_that_comes_back_is_hooked_again_with_the_container_s_gap);
	tcase_add_test(tc, a_table_another_program_deleted_is_installed_again_with_one_gap);
	tcase_add_test(tc, only_other_programs_deleting_our_table_ask_for_a_reinstall);
	tcase_add_test(tc, setup_s_files_are_saved_for_the_repairs);
	suite_add_tcase(s, tc);
}
