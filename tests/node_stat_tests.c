/* ctnode stat's rows and layout (node_stat.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "node_stat.h"
#include "unit_tests.h"

static struct node_counter dump[] = {
	{ "101", 1, AF_INET, 100, 1, 200, 2 },
	{ "101", 1, AF_INET6, 10, 1, 20, 1 },
	{ "101", 2, AF_INET, 5, 1, 0, 0 },
	{ "102", 1, AF_INET6, 7, 1, 8, 1 },
};
static const struct node_counters nc = { dump, 4, NULL, 0 };

START_TEST(families_are_summed_into_one_row_per_container_and_class)
{
	struct node_stat_filter f = { NULL, 0, 0, 0, 0 };
	struct node_stat_row *rows;
	long n = node_stat_rows(&nc, &f, &rows);

	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(rows[0].ct, "101");
	ck_assert_uint_eq(rows[0].cls, 1);
	ck_assert_uint_eq(rows[0].ib, 110);
	ck_assert_uint_eq(rows[0].op, 3);
	ck_assert_uint_eq(rows[1].cls, 2);
	ck_assert_str_eq(rows[2].ct, "102");
	free(rows);
}
END_TEST

START_TEST(one_family_keeps_the_rows_of_the_other_at_zero)
{
	struct node_stat_filter f = { NULL, 0, AF_INET, 0, 0 };
	struct node_stat_row *rows;
	long n = node_stat_rows(&nc, &f, &rows);

	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(rows[0].ib, 100);
	ck_assert_uint_eq(rows[2].ib, 0); /* 102 has IPv6 only */
	free(rows);
}
END_TEST

START_TEST(all_lays_out_sixteen_classes_of_each_chosen_container)
{
	const char *cts[] = { "102" };
	struct node_stat_filter f = { cts, 1, 0, 1, 0 };
	struct node_stat_row *rows;
	long n = node_stat_rows(&nc, &f, &rows);

	ck_assert_int_eq(n, 16);
	for (long i = 0; i < n; i++) {
		ck_assert_str_eq(rows[i].ct, "102");
		ck_assert_uint_eq(rows[i].cls, (unsigned)i);
	}
	ck_assert_uint_eq(rows[1].ib, 7);
	ck_assert_uint_eq(rows[0].ib, 0);
	free(rows);
}
END_TEST

START_TEST(the_table_is_vznetstat_s_and_json_carries_raw_integers)
{
	struct node_stat_filter f = { NULL, 0, 0, 0, 1u << 2 };
	struct node_stat_row *rows;
	long n = node_stat_rows(&nc, &f, &rows);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	node_stat_print(fp, rows, (size_t)n, &f, 0, 0);
	fclose(fp);
	ck_assert_str_eq(text, "CTID       Net.Class    Input(bytes)  Input(pkts)   Output(bytes) "
			       "Output(pkts)\n"
			       "101                2               5            1               0 "
			       "           0\n");
	free(text);
	fp = open_memstream(&text, &len);
	node_stat_print(fp, rows, (size_t)n, &f, 0, 1);
	fclose(fp);
	ck_assert_str_eq(text, "[\n  {\"ct\": \"101\", \"class\": 2, \"in_bytes\": 5, \"in_packets\": 1, "
			       "\"out_bytes\": 0, \"out_packets\": 0}\n]\n");
	free(text);
	free(rows);
}
END_TEST

void add_node_stat_tests(Suite *s)
{
	TCase *tc = tcase_create("node_stat");

	tcase_add_test(tc, families_are_summed_into_one_row_per_container_and_class);
	tcase_add_test(tc, one_family_keeps_the_rows_of_the_other_at_zero);
	tcase_add_test(tc, all_lays_out_sixteen_classes_of_each_chosen_container);
	tcase_add_test(tc, the_table_is_vznetstat_s_and_json_carries_raw_integers);
	suite_add_tcase(s, tc);
}
