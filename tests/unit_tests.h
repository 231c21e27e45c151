/* unit_tests.h - one runner; each tests/X_tests.c adds its cases. */
#ifndef CTV_UNIT_TESTS_H
#define CTV_UNIT_TESTS_H

#include <check.h>

/* Sets TZ and re-reads it; tests that depend on local time call this. */
void set_tz(const char *tz);

void add_timearg_tests(Suite *s);
void add_classes_tests(Suite *s);
void add_containers_tests(Suite *s);
void add_linefile_tests(Suite *s);
void add_nlack_tests(Suite *s);
void add_node_nft_tests(Suite *s);
void add_period_tests(Suite *s);
void add_procnet_tests(Suite *s);
void add_render_tests(Suite *s);
void add_store_tests(Suite *s);
void add_svcspec_tests(Suite *s);
void add_pva_tests(Suite *s);
void add_statement_tests(Suite *s);
void add_vznetstat_tests(Suite *s);
void add_reconcile_tests(Suite *s);
void add_weblog_tests(Suite *s);
void add_svcplan_tests(Suite *s);
void add_rulestate_tests(Suite *s);
void add_ipt_tree_tests(Suite *s);
void add_ipt_entry_tests(Suite *s);
void add_xtlock_tests(Suite *s);
void add_nft_backend_tests(Suite *s);
void add_promtext_tests(Suite *s);

#endif
