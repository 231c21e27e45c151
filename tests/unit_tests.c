/* The Check runner: every module's tests in one suite. CK_RUN_CASE and
 * CK_RUN_SUITE select a part, as Check documents. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit_tests.h"

char test_warned[8][512];
int test_nwarned;

void test_warn(void *arg, const char *msg)
{
	(void)arg;
	if (test_nwarned < 8)
		snprintf(test_warned[test_nwarned], sizeof(test_warned[0]), "%s", msg);
	test_nwarned++;
}

void test_record(struct store *st, int64_t wall_s, int64_t mono_ms,
		 const struct store_sample *samples, size_t n, const struct store_scalar *scalars,
		 size_t nscalars)
{
	struct ctv_err err = { "" };
	struct store_reading r;
	struct store_result res;

	memset(&r, 0, sizeof(r));
	r.wall_ms = wall_s * 1000;
	r.mono_ms = mono_ms;
	snprintf(r.boot_id, sizeof(r.boot_id), "b1");
	r.samples = samples;
	r.n_samples = n;
	r.scalars = scalars;
	r.n_scalars = nscalars;
	ck_assert_msg(store_record(st, &r, &res, &err) == 0, "store_record: %s", err.msg);
}

void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

int main(void)
{
	Suite *s = suite_create("ctverify");
	SRunner *sr;
	int failed;

	add_timearg_tests(s);
	add_period_tests(s);
	add_procnet_tests(s);
	add_render_tests(s);
	add_store_tests(s);
	add_svcspec_tests(s);
	add_pva_tests(s);
	add_statement_tests(s);
	add_vznetstat_tests(s);
	add_reconcile_tests(s);
	add_reconcile_align_tests(s);
	add_weblog_tests(s);
	add_cidr_tests(s);
	add_classes_tests(s);
	add_containers_tests(s);
	add_linefile_tests(s);
	add_svcplan_tests(s);
	add_rulestate_tests(s);
	add_node_nft_tests(s);
	add_ipt_tree_tests(s);
	add_ipt_entry_tests(s);
	add_xtlock_tests(s);
	add_nft_backend_tests(s);
	add_backend_tests(s);
	add_nfnl_tests(s);
	add_strbuf_tests(s);
	add_snapshot_tests(s);
	add_rulechange_tests(s);
	add_reconcile_input_tests(s);
	add_node_snapshot_tests(s);
	add_rtnl_tests(s);
	add_node_stat_tests(s);
	add_node_hooks_tests(s);
	add_node_index_tests(s);
	add_history_tests(s);
	add_collect_tests(s);
	add_promtext_tests(s);
	add_quick_tests(s);
	add_plesk_tests(s);
	add_plesk_input_tests(s);
	add_reconcile_plesk_tests(s);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
