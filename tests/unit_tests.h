/* unit_tests.h - one runner; each tests/X_tests.c adds its cases. */
#ifndef CTV_UNIT_TESTS_H
#define CTV_UNIT_TESTS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Sets TZ and re-reads it; tests that depend on local time call this. */
void set_tz(const char *tz);

/* Records one reading of boot "b1" at wall second wall_s and boot time
 * mono_ms, asserting that it is recorded. */
void test_record(struct store *st, int64_t wall_s, int64_t mono_ms,
		 const struct store_sample *samples, size_t n, const struct store_scalar *scalars,
		 size_t nscalars);

/* A struct ctv_warn callback keeping the messages: test_warned[i] for the
 * first 8, test_nwarned counting all. */
extern char test_warned[8][512];
extern int test_nwarned;
void test_warn(void *arg, const char *msg);

void add_timearg_tests(Suite *s);
void add_cidr_tests(Suite *s);
void add_classes_tests(Suite *s);
void add_containers_tests(Suite *s);
void add_linefile_tests(Suite *s);
void add_nfnl_tests(Suite *s);
void add_node_nft_tests(Suite *s);
void add_node_hooks_tests(Suite *s);
void add_node_index_tests(Suite *s);
void add_period_tests(Suite *s);
void add_procnet_tests(Suite *s);
void add_render_tests(Suite *s);
void add_store_tests(Suite *s);
void add_strbuf_tests(Suite *s);
void add_svcspec_tests(Suite *s);
void add_pva_tests(Suite *s);
void add_statement_tests(Suite *s);
void add_vznetstat_tests(Suite *s);
void add_reconcile_tests(Suite *s);
void add_reconcile_align_tests(Suite *s);
void add_weblog_tests(Suite *s);
void add_svcplan_tests(Suite *s);
void add_rulestate_tests(Suite *s);
void add_ipt_tree_tests(Suite *s);
void add_ipt_entry_tests(Suite *s);
void add_xtlock_tests(Suite *s);
void add_nft_backend_tests(Suite *s);
void add_backend_tests(Suite *s);
void add_snapshot_tests(Suite *s);
void add_rulechange_tests(Suite *s);
void add_reconcile_input_tests(Suite *s);
void add_node_snapshot_tests(Suite *s);
void add_rtnl_tests(Suite *s);
void add_node_stat_tests(Suite *s);
void add_history_tests(Suite *s);
void add_collect_tests(Suite *s);
void add_promtext_tests(Suite *s);
void add_quick_tests(Suite *s);
void add_plesk_tests(Suite *s);
void add_plesk_input_tests(Suite *s);
void add_reconcile_plesk_tests(Suite *s);

#endif
