/* The Check runner: every module's tests in one suite. CK_RUN_CASE and
 * CK_RUN_SUITE select a part, as Check documents. */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "unit_tests.h"

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
	add_weblog_tests(s);
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
	add_nlack_tests(s);
	add_promtext_tests(s);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
