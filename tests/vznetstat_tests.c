#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vznetstat.h"
#include "unit_tests.h"

static void parse_ok(const char *text, struct vznetstat *v)
{
	struct ctv_err err;

	ck_assert_msg(vznetstat_parse(text, strlen(text), "saved.txt", v, &err) == 0, "%s", err.msg);
}

static const char *refused(const char *text)
{
	static struct ctv_err err;
	struct vznetstat v;

	ck_assert_msg(vznetstat_parse(text, strlen(text), "saved.txt", &v, &err) == -1,
		      "accepted: %s", text);
	ck_assert_uint_eq(v.nrows, 0);
	return err.msg;
}

#define HEADER "CTID     Net.Class  Input(bytes)  Input(pkts)   Output(bytes)  Output(pkts)\n"

START_TEST(rows_after_the_header_are_read_and_a_prompt_before_it_is_skipped)
{
	struct vznetstat v;

	parse_ok("[root@node ~]# vznetstat -a\r\n" HEADER
		 "101      1          1048576       1024          2097152        2048\r\n"
		 "\n"
		 "101      2          4096          4             8192           8\n", &v);
	ck_assert_uint_eq(v.nrows, 2);
	ck_assert_int_eq(v.has_packets, 1);
	ck_assert_str_eq(v.rows[0].ct, "101");
	ck_assert_int_eq(v.rows[0].cls, 1);
	ck_assert_int_eq(v.rows[0].c.in_bytes, 1048576);
	ck_assert_int_eq(v.rows[0].c.in_packets, 1024);
	ck_assert_int_eq(v.rows[0].c.out_bytes, 2097152);
	ck_assert_int_eq(v.rows[0].c.out_packets, 2048);
	ck_assert_int_eq(v.rows[1].line, 5);
	vznetstat_free(&v);
}
END_TEST

START_TEST(columns_are_found_by_name_and_packets_may_be_missing)
{
	struct vznetstat v;

	parse_ok("VEID Net.Class Output(bytes) Input(bytes)\n102 1 300 200\n", &v);
	ck_assert_int_eq(v.has_packets, 0);
	ck_assert_int_eq(v.rows[0].c.in_bytes, 200);
	ck_assert_int_eq(v.rows[0].c.out_bytes, 300);
	ck_assert_int_eq(v.rows[0].c.has_packets, 0);
	vznetstat_free(&v);
	parse_ok("UUID Net.Class Input(bytes) Input(pkts) Output(bytes) Output(pkts)\n"
		 "3f1a0c1e-8d3b-4b7e-9a55-1a2b3c4d5e6f 15 9223372036854775807 1 2 3\n", &v);
	ck_assert_str_eq(v.rows[0].ct, "3f1a0c1e-8d3b-4b7e-9a55-1a2b3c4d5e6f");
	ck_assert_int_eq(v.rows[0].cls, 15);
	ck_assert_int_eq(v.rows[0].c.in_bytes, 9223372036854775807LL);
	vznetstat_free(&v);
}
END_TEST

START_TEST(rounded_values_from_vznetstat_r_are_refused_as_rounded)
{
	ck_assert_str_eq(refused(HEADER "101 1 1.5M 1024 2097152 2048\n"),
			 "saved.txt:2: Input(bytes): '1.5M' is a rounded value (vznetstat -r); "
			 "rounded figures cannot be checked: save the output of vznetstat without -r");
	ck_assert_ptr_nonnull(strstr(refused(HEADER "101 1 15 1024 2G 2048\n"),
				     "saved.txt:2: Output(bytes): '2G' is a rounded value"));
	ck_assert_ptr_nonnull(strstr(refused(HEADER "101 1 15 3K 2 2048\n"),
				     "saved.txt:2: Input(pkts): '3K' is a rounded value"));
}
END_TEST

START_TEST(bad_rows_are_refused_with_file_and_line)
{
	ck_assert_str_eq(refused(HEADER "101 16 1 1 1 1\n"),
			 "saved.txt:2: Net.Class: '16' is not a class id from 0 to 15");
	ck_assert_str_eq(refused(HEADER "101 1 1 1 1\n"),
			 "saved.txt:2: expected 6 columns, as in the header on line 1, found 5");
	ck_assert_str_eq(refused(HEADER "101 1 1 -1 1 1\n"),
			 "saved.txt:2: Input(pkts): '-1' is not a whole number");
	ck_assert_str_eq(refused(HEADER "101 1 99999999999999999999 1 1 1\n"),
			 "saved.txt:2: Input(bytes): the value is too large");
	ck_assert_str_eq(refused(HEADER "101 1 1 1 1 1\n\n101 1 2 2 2 2\n"),
			 "saved.txt:4: container 101 class 1 already appeared on line 2");
	ck_assert_str_eq(refused(HEADER "101 1 1 1 1 1\n" HEADER),
			 "saved.txt:3: a second header line (the first is on line 1): the file holds "
			 "more than one vznetstat output; save one per file");
	ck_assert_str_eq(refused("CTID Net.Class Input(bytes) Speed\n"),
			 "saved.txt:1: unknown column 'Speed' in the header (expected Net.Class, "
			 "Input(bytes), Input(pkts), Output(bytes), Output(pkts))");
	ck_assert_str_eq(refused("CTID Net.Class Input(bytes) Input(pkts) Output(bytes)\n"),
			 "saved.txt:1: the header has Input(pkts) but not Output(pkts)");
	ck_assert_str_eq(refused("just some text\n"),
			 "saved.txt: no vznetstat header line (CTID or UUID, Net.Class, "
			 "Input(bytes), Input(pkts), Output(bytes), Output(pkts))");
	ck_assert_str_eq(refused(HEADER "10\"1 1 1 1 1 1\n"),
			 "saved.txt:2: '10\"1' is not a container id");
}
END_TEST

START_TEST(exclusive_classes_total_classes_1_to_15_and_every_row_is_kept)
{
	struct vznetstat v;
	struct statement st;
	struct ctv_err err;

	parse_ok(HEADER "101 0 5000 50 6000 60\n101 1 100 1 200 2\n101 2 10 1 20 2\n"
		 "102 1 7 7 7 7\n", &v);
	ck_assert_int_eq(vznetstat_statement(&v, "saved.txt", "101", VZNETSTAT_EXCLUSIVE, 0, 500, &st, &err), 0);
	ck_assert_int_eq(st.source, STATEMENT_VZNETSTAT);
	ck_assert_str_eq(st.ct, "101");
	ck_assert_int_eq(st.from, 0);
	ck_assert_int_eq(st.to, 500);
	ck_assert_int_eq(st.totals.in_bytes, 110);
	ck_assert_int_eq(st.totals.out_bytes, 220);
	ck_assert_int_eq(st.totals.in_packets, 2);
	ck_assert_int_eq(st.totals.has_packets, 1);
	ck_assert_uint_eq(st.nclasses, 3);
	ck_assert_int_eq(st.classes[0].id, 0);
	ck_assert_int_eq(st.classes[0].c.in_bytes, 5000);
	ck_assert_int_eq(st.has_intervals, 0);
	ck_assert_int_eq(st.packets_inexact, 0);
	statement_free(&st);
	vznetstat_free(&v);
}
END_TEST

/* ct's statement under sem, which must be made. */
static struct statement made(const struct vznetstat *v, const char *ct, enum vznetstat_semantics sem)
{
	struct statement st;
	struct ctv_err err = { "" };

	ck_assert_msg(vznetstat_statement(v, "saved.txt", ct, sem, 0, 500, &st, &err) == 0, "%s", err.msg);
	return st;
}

static const char *not_made(const struct vznetstat *v, const char *ct, enum vznetstat_semantics sem)
{
	static struct ctv_err err;
	struct statement st;

	ck_assert_int_eq(vznetstat_statement(v, "saved.txt", ct, sem, 0, 500, &st, &err), -1);
	statement_free(&st);
	return err.msg;
}

START_TEST(traffic_above_class_1_needs_semantics_and_the_refusal_explains_both)
{
	struct vznetstat v;
	const char *msg;

	parse_ok(HEADER "101 0 5 1 5 1\n101 1 100 1 200 2\n101 2 0 0 0 0\n101 3 10 1 20 2\n", &v);
	msg = not_made(&v, "101", VZNETSTAT_UNSTATED);
	ck_assert_msg(!strncmp(msg, "saved.txt:5: container 101 has traffic in class 3: say how the "
			       "classes were counted. --semantics exclusive: each packet in one class", 120),
		      "%s", msg);
	ck_assert_msg(strstr(msg, "totals are the sum of classes 1-15. --semantics overlapping: "
			     "Virtuozzo 7 since 2021 (nftables), where class 1 (0.0.0.0/0) counts "
			     "every packet and classes 2-15 count subsets of it again; totals are "
			     "class 1's"), "%s", msg);
	vznetstat_free(&v);
}
END_TEST

START_TEST(class_1_alone_needs_no_semantics_and_each_gives_the_same)
{
	enum vznetstat_semantics sems[] = { VZNETSTAT_UNSTATED, VZNETSTAT_EXCLUSIVE, VZNETSTAT_OVERLAPPING };
	struct vznetstat v;

	/* Class 0 and empty rows above class 1 do not count as traffic. */
	parse_ok(HEADER "101 0 5000 50 6000 60\n101 1 100 1 200 2\n101 2 0 0 0 0\n", &v);
	for (int k = 0; k < 3; k++) {
		struct statement st = made(&v, "101", sems[k]);

		ck_assert_int_eq(st.totals.in_bytes, 100);
		ck_assert_int_eq(st.totals.out_packets, 2);
		ck_assert_uint_eq(st.nclasses, 3);
		/* Packets below 2^31-1 are exact unless the classes overlap. */
		ck_assert_int_eq(st.packets_inexact, sems[k] == VZNETSTAT_OVERLAPPING);
		statement_free(&st);
	}
	vznetstat_free(&v);
}
END_TEST

START_TEST(overlapping_classes_total_class_1_and_packets_are_not_exact)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct vznetstat v;
	struct statement st;
	struct ctv_err err;
	const char *uuid = "5b2f7a1e-0c4d-4e8f-9a3b-6d1e2f3a4b5c";

	snprintf(path, sizeof(path), "%s/tests/fixtures/vznetstat/nft_overlapping.txt", top ? top : "..");
	ck_assert_msg(vznetstat_read_file(path, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v.nrows, 16);
	ck_assert_int_eq(vznetstat_statement(&v, "nft.txt", NULL, VZNETSTAT_UNSTATED, 0, 9, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "nft.txt:5: container 5b2f7a1e-0c4d-4e8f-9a3b-6d1e2f3a4b5c has "
			     "traffic in class 2"), "%s", err.msg);
	st = made(&v, NULL, VZNETSTAT_OVERLAPPING);
	ck_assert_str_eq(st.ct, uuid);
	ck_assert_int_eq(st.totals.in_bytes, 3316419634176LL);
	ck_assert_int_eq(st.totals.in_packets, 2147483647LL);
	ck_assert_int_eq(st.totals.out_bytes, 918734567890LL);
	ck_assert_int_eq(st.totals.out_packets, 1403226175LL);
	ck_assert_int_eq(st.packets_inexact, 1);
	ck_assert_uint_eq(st.nclasses, 16);
	ck_assert_int_eq(st.classes[2].c.in_bytes, 41278349312LL); /* kept as listed */
	statement_free(&st);
	/* Read as exclusive, class 2 and 3 would be added again. */
	st = made(&v, NULL, VZNETSTAT_EXCLUSIVE);
	ck_assert_int_eq(st.totals.in_bytes, 3316419634176LL + 41278349312LL + 1048576LL);
	ck_assert_int_eq(st.packets_inexact, 1); /* class 1's in packets are at 2^31-1 */
	statement_free(&st);
	vznetstat_free(&v);
}
END_TEST

START_TEST(overlapping_refuses_a_class_larger_than_class_1)
{
	struct vznetstat v;

	parse_ok(HEADER "101 1 100 10 200 20\n101 2 50 5 201 5\n", &v);
	ck_assert_str_eq(not_made(&v, "101", VZNETSTAT_OVERLAPPING),
			 "saved.txt:3: container 101 class 2 Output(bytes) 201 is more than class 1's "
			 "200: with overlapping classes every class is a subset of class 1; is this a "
			 "listing with exclusive classes (--semantics exclusive)?");
	vznetstat_free(&v);
	parse_ok(HEADER "101 2 1 1 1 1\n", &v);
	ck_assert_msg(strstr(not_made(&v, "101", VZNETSTAT_OVERLAPPING),
			     "Input(bytes) 1 is more than class 1's 0 (no class-1 row)"), "no class 1");
	vznetstat_free(&v);
	parse_ok(HEADER "101 1 100 10 200 20\n101 2 50 11 20 5\n", &v);
	ck_assert_msg(strstr(not_made(&v, "101", VZNETSTAT_OVERLAPPING),
			     "class 2 Input(pkts) 11 is more than class 1's 10"), "packets");
	vznetstat_free(&v);
}
END_TEST

START_TEST(a_packet_value_at_2_31_minus_1_or_more_makes_packets_not_exact)
{
	struct vznetstat v;
	struct statement st;

	parse_ok(HEADER "101 1 100 2147483646 200 2\n", &v);
	st = made(&v, "101", VZNETSTAT_EXCLUSIVE);
	ck_assert_int_eq(st.packets_inexact, 0);
	statement_free(&st);
	vznetstat_free(&v);
	parse_ok(HEADER "101 1 100 1 200 2147483647\n", &v);
	st = made(&v, "101", VZNETSTAT_UNSTATED);
	ck_assert_int_eq(st.packets_inexact, 1);
	statement_free(&st);
	vznetstat_free(&v);
	/* vznetstat adds IPv4 and IPv6: two saturated families. */
	parse_ok(HEADER "101 0 0 4294967294 0 0\n101 1 1 1 1 1\n", &v);
	st = made(&v, "101", VZNETSTAT_EXCLUSIVE);
	ck_assert_int_eq(st.packets_inexact, 1);
	statement_free(&st);
	vznetstat_free(&v);
	/* No packet columns: nothing to be inexact about, and not marked. */
	parse_ok("VEID Net.Class Input(bytes) Output(bytes)\n101 1 3000000000 1\n", &v);
	st = made(&v, "101", VZNETSTAT_EXCLUSIVE);
	ck_assert_int_eq(st.packets_inexact, 0);
	statement_free(&st);
	vznetstat_free(&v);
}
END_TEST

START_TEST(several_containers_need_a_choice_and_an_absent_one_is_named)
{
	struct vznetstat v;
	struct statement st;
	struct ctv_err err;

	parse_ok(HEADER "101 1 1 1 1 1\n102 1 2 2 2 2\n101 2 1 1 1 1\n", &v);
	ck_assert_int_eq(vznetstat_statement(&v, "saved.txt", NULL, VZNETSTAT_UNSTATED, 0, 1, &st, &err), -1);
	ck_assert_str_eq(err.msg, "saved.txt: holds 2 containers (101, 102); a statement is per "
			 "container: choose one with --ct CTID");
	ck_assert_int_eq(vznetstat_statement(&v, "saved.txt", "103", VZNETSTAT_UNSTATED, 0, 1, &st, &err), -1);
	ck_assert_str_eq(err.msg, "saved.txt: container 103 not found (the file has 101, 102)");
	ck_assert_int_eq(vznetstat_statement(&v, "saved.txt", "102", VZNETSTAT_UNSTATED, 0, 1, &st, &err), 0);
	ck_assert_int_eq(st.totals.in_bytes, 2);
	statement_free(&st);
	vznetstat_free(&v);
	parse_ok(HEADER "101 1 1 1 1 1\n", &v);
	ck_assert_int_eq(vznetstat_statement(&v, "saved.txt", NULL, VZNETSTAT_UNSTATED, 0, 1, &st, &err), 0);
	ck_assert_str_eq(st.ct, "101");
	statement_free(&st);
	vznetstat_free(&v);
	parse_ok(HEADER, &v);
	ck_assert_int_eq(vznetstat_statement(&v, "saved.txt", NULL, VZNETSTAT_UNSTATED, 0, 1, &st, &err), -1);
	ck_assert_str_eq(err.msg, "saved.txt: no container rows after the header");
	vznetstat_free(&v);
}
END_TEST

START_TEST(the_fixture_files_parse)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct vznetstat v;
	struct ctv_err err;

	snprintf(path, sizeof(path), "%s/tests/fixtures/vznetstat/uuid_many.txt", top ? top : "..");
	ck_assert_msg(vznetstat_read_file(path, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v.nrows, 3);
	ck_assert_int_eq(v.rows[0].c.out_bytes, 83478935660LL);
	vznetstat_free(&v);
	/* The CTID header (pnetstat -t c) after a prompt. */
	snprintf(path, sizeof(path), "%s/tests/fixtures/vznetstat/one_ct.txt", top ? top : "..");
	ck_assert_msg(vznetstat_read_file(path, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v.nrows, 4);
	ck_assert_str_eq(v.rows[0].ct, "101");
	ck_assert_int_eq(v.rows[1].line, 4);
	vznetstat_free(&v);
	snprintf(path, sizeof(path), "%s/tests/fixtures/vznetstat/absent.txt", top ? top : "..");
	ck_assert_int_eq(vznetstat_read_file(path, &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "absent.txt: No such file"));
}
END_TEST

void add_vznetstat_tests(Suite *s)
{
	TCase *tc = tcase_create("vznetstat");

	tcase_add_test(tc, rows_after_the_header_are_read_and_a_prompt_before_it_is_skipped);
	tcase_add_test(tc, columns_are_found_by_name_and_packets_may_be_missing);
	tcase_add_test(tc, rounded_values_from_vznetstat_r_are_refused_as_rounded);
	tcase_add_test(tc, bad_rows_are_refused_with_file_and_line);
	tcase_add_test(tc, exclusive_classes_total_classes_1_to_15_and_every_row_is_kept);
	tcase_add_test(tc, traffic_above_class_1_needs_semantics_and_the_refusal_explains_both);
	tcase_add_test(tc, class_1_alone_needs_no_semantics_and_each_gives_the_same);
	tcase_add_test(tc, overlapping_classes_total_class_1_and_packets_are_not_exact);
	tcase_add_test(tc, overlapping_refuses_a_class_larger_than_class_1);
	tcase_add_test(tc, a_packet_value_at_2_31_minus_1_or_more_makes_packets_not_exact);
	tcase_add_test(tc, several_containers_need_a_choice_and_an_absent_one_is_named);
	tcase_add_test(tc, the_fixture_files_parse);
	suite_add_tcase(s, tc);
}
