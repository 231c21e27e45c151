#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statement.h"
#include "unit_tests.h"

#define HEAD "{\"format\":\"ctverify-statement/1\",\"source\":\"pva\",\"ct\":\"101\","

/* Parses text that must be refused; returns the message. */
static const char *refused(const char *text)
{
	static struct ctv_err err;
	struct statement st;

	ck_assert_msg(statement_parse(text, strlen(text), "statement.json", &st, &err) == -1,
		      "accepted: %s", text);
	ck_assert_uint_eq(st.nintervals, 0);
	statement_free(&st);
	return err.msg;
}

static void parse_ok(const char *text, struct statement *st)
{
	struct ctv_err err;

	ck_assert_msg(statement_parse(text, strlen(text), "s.json", st, &err) == 0,
		      "refused: %s", err.msg);
}

static struct statement sample(void)
{
	struct statement st;
	struct statement_interval iv = { .start = 1000, .end = 1060,
		.c = { .in_bytes = 10, .out_bytes = 20, .has_packets = 1,
		       .in_packets = 1, .out_packets = 2 } };

	statement_init(&st, STATEMENT_CTNODE);
	strcpy(st.ct, "101");
	st.from = 1000;
	st.to = 1200;
	st.totals = (struct statement_counts){ .in_bytes = 30, .out_bytes = 9000000000000LL,
		.has_packets = 1, .in_packets = 3, .out_packets = 4 };
	st.has_classes = 1;
	st.nclasses = 2;
	st.classes[0] = (struct statement_class){ .id = 1, .c = { .in_bytes = 25, .out_bytes = 9000000000000LL,
		.has_packets = 1, .in_packets = 2, .out_packets = 3 } };
	st.classes[1] = (struct statement_class){ .id = 15, .c = { .in_bytes = 5, .out_bytes = 0,
		.has_packets = 1, .in_packets = 1, .out_packets = 1 } };
	ck_assert_int_eq(statement_add_interval(&st, &iv), 0);
	iv.start = 1100;
	iv.end = 1200;
	iv.c.in_bytes = 20;
	ck_assert_int_eq(statement_add_interval(&st, &iv), 0);
	return st;
}

START_TEST(a_written_statement_reads_back_the_same)
{
	struct statement st = sample(), back;
	struct ctv_err err;
	char *text = statement_dump(&st, &err);

	ck_assert_msg(text != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(text, "\"format\":\"ctverify-statement/1\""));
	ck_assert_ptr_nonnull(strstr(text, "\"out_bytes\":9000000000000"));
	parse_ok(text, &back);
	ck_assert_int_eq(back.source, STATEMENT_CTNODE);
	ck_assert_str_eq(back.ct, "101");
	ck_assert_int_eq(back.from, 1000);
	ck_assert_int_eq(back.to, 1200);
	ck_assert_int_eq(back.totals.out_bytes, 9000000000000LL);
	ck_assert_int_eq(back.totals.has_packets, 1);
	ck_assert_int_eq(back.totals.out_packets, 4);
	ck_assert_uint_eq(back.nclasses, 2);
	ck_assert_int_eq(back.classes[1].id, 15);
	ck_assert_int_eq(back.classes[1].c.in_bytes, 5);
	ck_assert_uint_eq(back.nintervals, 2);
	ck_assert_int_eq(back.intervals[1].start, 1100);
	ck_assert_int_eq(back.intervals[1].c.in_bytes, 20);
	free(text);
	statement_free(&st);
	statement_free(&back);
}
END_TEST

START_TEST(a_long_statement_with_the_largest_counts_reads_back)
{
	struct statement st, back;
	struct ctv_err err;
	struct statement_interval iv = { .c = { .in_bytes = INT64_MAX, .out_bytes = INT64_MAX,
		.has_packets = 1, .in_packets = INT64_MAX, .out_packets = INT64_MAX } };
	char *text;

	statement_init(&st, STATEMENT_PVA);
	strcpy(st.ct, "3f1a0c1e-8d3b-4b7e-9a55-1a2b3c4d5e6f");
	st.from = INT64_MAX - 100000;
	st.to = INT64_MAX;
	for (int i = 0; i < 5000; i++) {
		iv.start = st.from + i * 20;
		iv.end = iv.start + 20;
		iv.c.has_packets = i % 2;
		ck_assert_int_eq(statement_add_interval(&st, &iv), 0);
	}
	text = statement_dump(&st, &err);
	ck_assert_msg(text != NULL, "%s", err.msg);
	ck_assert_uint_gt(strlen(text), 5000 * 100);
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	parse_ok(text, &back);
	ck_assert_uint_eq(back.nintervals, 5000);
	ck_assert_int_eq(back.intervals[4999].c.out_packets, INT64_MAX);
	ck_assert_int_eq(back.intervals[4998].c.has_packets, 0);
	ck_assert_int_eq(back.intervals[4999].end, st.from + 100000);
	free(text);
	statement_free(&st);
	statement_free(&back);
}
END_TEST

START_TEST(absent_packets_stay_absent_and_are_not_written_as_zero)
{
	struct statement st;
	struct ctv_err err;
	char *text;

	parse_ok(HEAD "\"from\":0,\"to\":60,\"totals\":{\"in_bytes\":7,\"out_bytes\":8}}", &st);
	ck_assert_int_eq(st.totals.has_packets, 0);
	ck_assert_int_eq(st.has_classes, 0);
	ck_assert_int_eq(st.has_intervals, 0);
	text = statement_dump(&st, &err);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "packets"));
	ck_assert_ptr_null(strstr(text, "classes"));
	ck_assert_ptr_null(strstr(text, "intervals"));
	free(text);
	statement_free(&st);
}
END_TEST

START_TEST(packets_exact_false_is_kept_and_a_statement_without_it_is_exact)
{
	struct statement st;
	struct ctv_err err;
	char *text;

	parse_ok(HEAD "\"from\":0,\"to\":60,\"totals\":{\"in_bytes\":7,\"out_bytes\":8}}", &st);
	ck_assert_int_eq(st.packets_inexact, 0);
	statement_free(&st);
	parse_ok(HEAD "\"from\":0,\"to\":60,\"packets_exact\":true,\"totals\":{\"in_bytes\":7,"
		 "\"in_packets\":1,\"out_bytes\":8,\"out_packets\":1}}", &st);
	ck_assert_int_eq(st.packets_inexact, 0);
	text = statement_dump(&st, &err);
	ck_assert_ptr_null(strstr(text, "packets_exact")); /* exact: not written */
	free(text);
	statement_free(&st);
	parse_ok(HEAD "\"from\":0,\"to\":60,\"totals\":{\"in_bytes\":7,\"in_packets\":2147483647,"
		 "\"out_bytes\":8,\"out_packets\":1},\"packets_exact\":false}", &st);
	ck_assert_int_eq(st.packets_inexact, 1);
	text = statement_dump(&st, &err);
	ck_assert_ptr_nonnull(strstr(text, "},\"packets_exact\":false"));
	statement_free(&st);
	parse_ok(text, &st);
	ck_assert_int_eq(st.packets_inexact, 1);
	free(text);
	statement_free(&st);
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":60,\"packets_exact\":0,"
				 "\"totals\":{\"in_bytes\":7,\"out_bytes\":8}}"),
			 "statement.json: packets_exact: expected true or false");
}
END_TEST

START_TEST(an_empty_interval_list_is_kept_as_present)
{
	struct statement st;
	struct ctv_err err;
	char *text;

	parse_ok(HEAD "\"from\":0,\"to\":60,\"totals\":{\"in_bytes\":0,\"out_bytes\":0},"
		 "\"intervals\":[],\"classes\":[]}", &st);
	ck_assert_int_eq(st.has_intervals, 1);
	ck_assert_int_eq(st.has_classes, 1);
	text = statement_dump(&st, &err);
	ck_assert_ptr_nonnull(strstr(text, "\"intervals\":[]"));
	free(text);
	statement_free(&st);
}
END_TEST

START_TEST(unknown_keys_are_ignored_so_writers_can_extend)
{
	struct statement st;

	parse_ok(HEAD "\"from\":0,\"to\":60,\"note\":\"x\",\"totals\":{\"in_bytes\":1,"
		 "\"out_bytes\":2,\"dropped\":3}}", &st);
	ck_assert_int_eq(st.totals.out_bytes, 2);
	statement_free(&st);
}
END_TEST

START_TEST(errors_name_the_json_path_of_the_bad_value)
{
	const char *iv = "{\"start\":0,\"end\":10,\"in_bytes\":1,\"out_bytes\":1}";
	char text[1024];

	snprintf(text, sizeof(text), HEAD "\"from\":0,\"to\":100,\"totals\":{\"in_bytes\":1,"
		 "\"out_bytes\":2},\"intervals\":[%s,%s,%s,{\"start\":40,\"end\":50,"
		 "\"in_bytes\":-1,\"out_bytes\":0}]}", iv,
		 "{\"start\":10,\"end\":20,\"in_bytes\":1,\"out_bytes\":1}",
		 "{\"start\":20,\"end\":30,\"in_bytes\":1,\"out_bytes\":1}");
	ck_assert_str_eq(refused(text),
			 "statement.json: intervals[3].in_bytes: expected a non-negative integer");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1.5,\"out_bytes\":0}}"),
			 "statement.json: totals.in_bytes: expected a non-negative integer");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":\"1\",\"out_bytes\":0}}"),
			 "statement.json: totals.in_bytes: expected a non-negative integer");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1}}"),
			 "statement.json: totals.out_bytes: missing (expected a non-negative integer)");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1}"),
			 "statement.json: totals: missing (expected an object)");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":[]}"),
			 "statement.json: totals: expected an object");
	ck_assert_str_eq(refused(HEAD "\"from\":-5,\"to\":1,\"totals\":{}}"),
			 "statement.json: from: expected a non-negative integer");
}
END_TEST

START_TEST(packets_in_one_direction_only_are_refused)
{
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,"
				 "\"out_bytes\":2,\"in_packets\":1}}"),
			 "statement.json: totals.out_packets: missing while in_packets is present "
			 "(packets are given in both directions or in neither)");
}
END_TEST

START_TEST(the_window_must_not_run_backwards)
{
	ck_assert_str_eq(refused(HEAD "\"from\":10,\"to\":5,\"totals\":{\"in_bytes\":1,\"out_bytes\":2}}"),
			 "statement.json: to: 5 is before from (10)");
}
END_TEST

START_TEST(intervals_must_be_ordered_disjoint_and_inside_the_window)
{
	const char *tot = HEAD "\"from\":100,\"to\":200,\"totals\":{\"in_bytes\":1,\"out_bytes\":2},\"intervals\":[";
	char text[512];

	snprintf(text, sizeof(text), "%s{\"start\":50,\"end\":60,\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: intervals[0].start: 50 is outside "
			 "[from, to] = [100, 200]");
	snprintf(text, sizeof(text), "%s{\"start\":150,\"end\":260,\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: intervals[0].end: 260 is after to (200)");
	snprintf(text, sizeof(text), "%s{\"start\":150,\"end\":140,\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: intervals[0].end: 140 is before its start (150)");
	snprintf(text, sizeof(text), "%s{\"start\":150,\"end\":170,\"in_bytes\":0,\"out_bytes\":0},"
		 "{\"start\":160,\"end\":180,\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: intervals[1].start: 160 is before the end "
			 "of the previous interval (170); intervals must be ordered and disjoint");
	snprintf(text, sizeof(text), "%s7]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: intervals[0]: expected an object");
}
END_TEST

START_TEST(class_ids_are_0_to_15_and_appear_once)
{
	const char *tot = HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,\"out_bytes\":2},\"classes\":[";
	char text[512];

	snprintf(text, sizeof(text), "%s{\"class\":16,\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: classes[0].class: expected a class id from 0 to 15");
	snprintf(text, sizeof(text), "%s{\"class\":2,\"in_bytes\":0,\"out_bytes\":0},"
		 "{\"class\":2,\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: classes[1].class: class 2 appears twice");
	snprintf(text, sizeof(text), "%s{\"in_bytes\":0,\"out_bytes\":0}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: classes[0].class: missing (expected a "
			 "non-negative integer)");
}
END_TEST

START_TEST(networks_are_read_in_file_order_and_bad_ones_are_named_by_their_path)
{
	const char *tot = HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,\"out_bytes\":2},\"networks\":[";
	char text[512];
	struct statement st;

	snprintf(text, sizeof(text), "%s{\"class\":0,\"cidr\":\"198.18.60.0/24\"},"
		 "{\"class\":1,\"cidr\":\"0.0.0.0/0\"},{\"class\":2,\"cidr\":\"2001:db8:2::/48\"}]}", tot);
	parse_ok(text, &st);
	ck_assert_int_eq(st.has_networks, 1);
	ck_assert_uint_eq(st.n_networks, 3);
	ck_assert_int_eq(st.networks[0].class, 0);
	ck_assert_str_eq(st.networks[0].cidr, "198.18.60.0/24");
	ck_assert_int_eq(st.networks[2].class, 2);
	ck_assert_str_eq(st.networks[2].cidr, "2001:db8:2::/48");
	statement_free(&st);
	ck_assert_ptr_null(st.networks);
	parse_ok(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,\"out_bytes\":2}}", &st);
	ck_assert_int_eq(st.has_networks, 0);
	statement_free(&st);
	snprintf(text, sizeof(text), "%s{\"class\":1,\"cidr\":\"0.0.0.0/0\"},{\"class\":16,\"cidr\":\"10.0.0.0/8\"}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: networks[1].class: expected a class id from 0 to 15");
	snprintf(text, sizeof(text), "%s{\"class\":2,\"cidr\":\"198.19.0.0\"}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: networks[0].cidr: '198.19.0.0' is not a network ADDR/PREFIX");
	snprintf(text, sizeof(text), "%s{\"class\":2,\"cidr\":7}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: networks[0].cidr: not a string (expected \"ADDR/PREFIX\")");
	snprintf(text, sizeof(text), "%s{\"class\":2}]}", tot);
	ck_assert_str_eq(refused(text), "statement.json: networks[0].cidr: missing (expected \"ADDR/PREFIX\")");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,\"out_bytes\":2},\"networks\":{}}"),
			 "statement.json: networks: expected an array");
}
END_TEST

START_TEST(the_header_fields_are_checked)
{
	ck_assert_str_eq(refused("{\"source\":\"pva\"}"),
			 "statement.json: format: missing; not a ctverify statement?");
	ck_assert_str_eq(refused("{\"format\":\"ctverify-statement/2\"}"),
			 "statement.json: format: expected \"ctverify-statement/1\"");
	ck_assert_str_eq(refused("{\"format\":\"ctverify-statement/1\",\"source\":\"router\"}"),
			 "statement.json: source: unknown source (expected ctnode, pva, vznetstat or ctverify)");
	ck_assert_str_eq(refused("{\"format\":\"ctverify-statement/1\",\"source\":\"pva\",\"ct\":\"\"}"),
			 "statement.json: ct: expected a container id of 1 to 255 characters");
	ck_assert_str_eq(refused("{\"format\":\"ctverify-statement/1\",\"source\":\"pva\",\"ct\":\"a b\"}"),
			 "statement.json: ct: character 2 is not allowed in a container id");
	/* jansson itself refuses a NUL inside a string */
	ck_assert_ptr_nonnull(strstr(refused("{\"format\":\"ctverify-statement/1\",\"source\":"
					     "\"pva\",\"ct\":\"a\\u0000b\"}"), "statement.json:1:"));
	ck_assert_str_eq(refused("{\"format\":\"ctverify-statement/1\",\"source\":\"pva\",\"ct\":101}"),
			 "statement.json: ct: not a string (expected a string)");
	ck_assert_str_eq(refused("[1]"),
			 "statement.json: expected a JSON object (a ctverify statement)");
}
END_TEST

START_TEST(broken_json_is_refused_with_line_and_column)
{
	const char *msg = refused("{\n\"format\": \"ctverify-statement/1\",\n\"source\" \"pva\"}");

	ck_assert_msg(strncmp(msg, "statement.json:3:", 17) == 0, "%s", msg);
	msg = refused("{\"format\":\"ctverify-statement/1\",\"format\":\"ctverify-statement/1\"}");
	ck_assert_msg(strstr(msg, "duplicate") != NULL, "%s", msg);
	msg = refused("{\"format\":\"ctverify-statement/1\",\"source\":\"pva\",\"ct\":\"1\","
		      "\"from\":0,\"to\":99999999999999999999,\"totals\":{}}");
	ck_assert_msg(strncmp(msg, "statement.json:1:", 17) == 0, "%s", msg);
	msg = refused("");
	ck_assert_msg(strncmp(msg, "statement.json:", 15) == 0, "%s", msg);
}
END_TEST

START_TEST(intervals_may_come_anywhere_and_are_checked_after_the_window_is_known)
{
	struct statement st;
	const char *text = " \r\n\t{ \"intervals\" : [ {\"start\":10,\"end\":20,\"in_bytes\":1,"
			   "\"out_bytes\":2} ,\n {\"end\":30,\"start\":20,\"in_bytes\":3,"
			   "\"out_bytes\":4}\n] , \"format\":\"ctverify-statement/1\",\"source\":"
			   "\"ctverify\",\"ct\":\"web1\",\"totals\":{\"in_bytes\":4,\"out_bytes\":6},"
			   "\"to\":30,\"from\":10 }\n\n";

	parse_ok(text, &st);
	ck_assert_uint_eq(st.nintervals, 2);
	ck_assert_int_eq(st.intervals[1].c.out_bytes, 4);
	statement_free(&st);
	/* A header error outranks a bad interval that came before it. */
	ck_assert_str_eq(refused("{\"intervals\":[{\"start\":-1}],\"format\":\"x\"}"),
			 "statement.json: format: expected \"ctverify-statement/1\"");
	ck_assert_str_eq(refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,"
				 "\"out_bytes\":2},\"intervals\":{}}"),
			 "statement.json: intervals: expected an array");
}
END_TEST

START_TEST(the_document_walk_refuses_what_json_refuses)
{
	const char *msg;

	msg = refused(HEAD "\"from\":0,\"to\":1,\"intervals\":[],\"intervals\":[]}");
	ck_assert_msg(strstr(msg, "statement.json:1:") && strstr(msg, "duplicate object key"), "%s", msg);
	msg = refused(HEAD "\"from\":0 \"to\":1}");
	ck_assert_msg(strstr(msg, "JSON: ',' or '}' expected"), "%s", msg);
	msg = refused(HEAD "\"intervals\":[{} {}]}");
	ck_assert_msg(strstr(msg, "JSON: ',' or ']' expected"), "%s", msg);
	msg = refused(HEAD "\"from\":0}  x");
	ck_assert_msg(strstr(msg, "JSON: end of file expected"), "%s", msg);
	msg = refused("{\n\"format\" \"x\"}");
	ck_assert_msg(strncmp(msg, "statement.json:2:", 17) == 0 && strstr(msg, "':' expected"), "%s", msg);
	msg = refused("{7:1}");
	ck_assert_msg(strstr(msg, "string or '}' expected"), "%s", msg);
	msg = refused(HEAD "\"intervals\":[");
	ck_assert_msg(strstr(msg, "statement.json:1:"), "%s", msg);
	{
		static const char nul[] = "{\"format\":\"ctverify-statement/1\",\n \0}";
		struct statement st;
		struct ctv_err err;

		ck_assert_int_eq(statement_parse(nul, sizeof(nul) - 1, "statement.json", &st, &err), -1);
		ck_assert_str_eq(err.msg, "statement.json:2:1: JSON: a NUL byte: not JSON text");
	}
}
END_TEST

START_TEST(dump_refuses_a_statement_that_does_not_check)
{
	struct statement st = sample();
	struct ctv_err err;

	st.intervals[1].start = 1010;
	ck_assert_ptr_null(statement_dump(&st, &err));
	ck_assert_str_eq(err.msg, "statement: intervals[1].start: 1010 is before the end of the "
			 "previous interval (1060); intervals must be ordered and disjoint");
	st.intervals[1].start = 1100;
	st.classes[0].c.out_packets = -1;
	ck_assert_ptr_null(statement_dump(&st, &err));
	ck_assert_str_eq(err.msg, "statement: classes[0].out_packets: expected a non-negative integer");
	statement_free(&st);
}
END_TEST

START_TEST(milliseconds_and_networks_are_written_beside_the_seconds_and_read_back)
{
	struct statement st = sample(), back;
	struct ctv_err err = { "" };
	char *text;

	st.has_ms = 1;
	st.from_ms = 1000271;
	st.to_ms = 1200253;
	st.intervals[0].start_ms = 1000271;
	st.intervals[0].end_ms = 1060250;
	st.intervals[1].start_ms = 1100001;
	st.intervals[1].end_ms = 1200253;
	st.networks = calloc(2, sizeof(*st.networks));
	ck_assert_ptr_nonnull(st.networks);
	st.networks[0] = (struct statement_network){ .class = 0, .cidr = "198.18.60.0/24" };
	st.networks[1] = (struct statement_network){ .class = 1, .cidr = "::/0" };
	st.n_networks = 2;
	st.has_networks = 1;
	statement_fill_times(&st);
	text = statement_dump(&st, &err);
	ck_assert_msg(text != NULL, "%s", err.msg);
	ck_assert_msg(strstr(text, "\"from\":1000,\"to\":1200,\"from_ms\":1000271,\"to_ms\":1200253"),
		      "%s", text);
	ck_assert_msg(strstr(text, "\"start\":1000,\"end\":1060,\"in_bytes\":10,\"start_ms\":1000271,"
			      "\"end_ms\":1060250"), "%s", text);
	ck_assert_msg(strstr(text, "\"networks\":[{\"class\":0,\"cidr\":\"198.18.60.0/24\"},"
			      "{\"class\":1,\"cidr\":\"::/0\"}]"), "%s", text);
	parse_ok(text, &back);
	ck_assert_int_eq(back.has_ms, 1);
	ck_assert_int_eq(back.from_ms, 1000271);
	ck_assert_int_eq(back.intervals[1].start_ms, 1100001);
	ck_assert_int_eq(back.intervals[1].end_ms, 1200253);
	ck_assert_uint_eq(back.n_networks, 2);
	ck_assert_str_eq(back.networks[1].cidr, "::/0");
	free(text);
	statement_free(&back);
	statement_free(&st);
}
END_TEST

START_TEST(without_milliseconds_the_seconds_are_the_instants)
{
	struct statement st;

	parse_ok(HEAD "\"from\":10,\"to\":20,\"totals\":{\"in_bytes\":1,\"out_bytes\":2},"
		 "\"intervals\":[{\"start\":10,\"end\":20,\"in_bytes\":1,\"out_bytes\":2}]}", &st);
	ck_assert_int_eq(st.has_ms, 0);
	ck_assert_int_eq(st.from_ms, 10000);
	ck_assert_int_eq(st.to_ms, 20000);
	ck_assert_int_eq(st.intervals[0].start_ms, 10000);
	ck_assert_int_eq(st.intervals[0].end_ms, 20000);
	ck_assert_int_eq(st.has_networks, 0);
	statement_free(&st);
}
END_TEST

START_TEST(milliseconds_that_disagree_with_the_seconds_are_refused_by_path)
{
	ck_assert_str_eq(refused(HEAD "\"from\":10,\"to\":20,\"from_ms\":10500,"
				 "\"totals\":{\"in_bytes\":1,\"out_bytes\":2}}"),
			 "statement.json: to_ms: missing while from_ms is present (give both or neither)");
	ck_assert_str_eq(refused(HEAD "\"from\":10,\"to\":20,\"from_ms\":11500,\"to_ms\":20000,"
				 "\"totals\":{\"in_bytes\":1,\"out_bytes\":2}}"),
			 "statement.json: from_ms: 11500 is not an instant of second 'from' (10)");
	ck_assert_str_eq(refused(HEAD "\"from\":10,\"to\":20,\"from_ms\":10000,\"to_ms\":20000,"
				 "\"totals\":{\"in_bytes\":1,\"out_bytes\":2},\"intervals\":[{\"start\":10,"
				 "\"end\":20,\"in_bytes\":1,\"out_bytes\":2}]}"),
			 "statement.json: intervals[0].start_ms: missing while from_ms is present");
	ck_assert_str_eq(refused(HEAD "\"from\":10,\"to\":20,\"from_ms\":10000,\"to_ms\":20999,"
				 "\"totals\":{\"in_bytes\":1,\"out_bytes\":2},\"intervals\":[{\"start\":10,"
				 "\"end\":12,\"start_ms\":10100,\"end_ms\":12100,\"in_bytes\":1,\"out_bytes\":2},"
				 "{\"start\":12,\"end\":20,\"start_ms\":12050,\"end_ms\":20100,"
				 "\"in_bytes\":1,\"out_bytes\":2}]}"),
			 "statement.json: intervals[1].start_ms: 12050 is before the previous interval's end_ms");
	ck_assert_str_eq(refused(HEAD "\"from\":10,\"to\":20,\"networks\":[{\"class\":1,"
				 "\"cidr\":\"198.18.0.0\"}],\"totals\":{\"in_bytes\":1,\"out_bytes\":2}}"),
			 "statement.json: networks[0].cidr: '198.18.0.0' is not a network ADDR/PREFIX");
}
END_TEST

START_TEST(reading_a_file_names_it_in_errors)
{
	char path[] = "/tmp/ctv-statement-XXXXXX";
	struct statement st;
	struct ctv_err err;
	const char *text = HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":1,\"out_bytes\":-2}}";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(statement_read_file(path, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_nonnull(strstr(err.msg, ": totals.out_bytes: expected a non-negative integer"));
	unlink(path);
	ck_assert_int_eq(statement_read_file(path, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
}
END_TEST

START_TEST(nesting_deeper_than_the_parser_allows_is_refused_and_an_oversized_count_too)
{
	/* An unknown key is skipped, but its value is still parsed: 5,000
	 * levels of arrays is refused cleanly (jansson stops at 2,048), not a
	 * stack overflow. */
	size_t depth = 5000, n = 0;
	char *text = malloc(sizeof(HEAD) + 2 * depth + 100);
	const char *msg;

	ck_assert_ptr_nonnull(text);
	n += (size_t)sprintf(text, "%s\"from\":0,\"to\":1,\"x\":", HEAD);
	memset(text + n, '[', depth);
	n += depth;
	memset(text + n, ']', depth);
	n += depth;
	strcpy(text + n, ",\"totals\":{\"in_bytes\":1,\"out_bytes\":0}}");
	msg = refused(text);
	ck_assert_msg(strstr(msg, "maximum parsing depth") != NULL, "%s", msg);
	free(text);
	/* Numbers beyond int64 are refused naming FILE:LINE:COLUMN. */
	msg = refused(HEAD "\"from\":0,\"to\":1,\"totals\":{\"in_bytes\":9223372036854775808,\"out_bytes\":0}}");
	ck_assert_msg(strstr(msg, "statement.json:1:115: JSON: too big integer") != NULL, "%s", msg);
}
END_TEST

void add_statement_tests(Suite *s)
{
	TCase *tc = tcase_create("statement");

	tcase_add_test(tc, a_written_statement_reads_back_the_same);
	tcase_add_test(tc, a_long_statement_with_the_largest_counts_reads_back);
	tcase_add_test(tc, absent_packets_stay_absent_and_are_not_written_as_zero);
	tcase_add_test(tc, packets_exact_false_is_kept_and_a_statement_without_it_is_exact);
	tcase_add_test(tc, an_empty_interval_list_is_kept_as_present);
	tcase_add_test(tc, unknown_keys_are_ignored_so_writers_can_extend);
	tcase_add_test(tc, errors_name_the_json_path_of_the_bad_value);
	tcase_add_test(tc, packets_in_one_direction_only_are_refused);
	tcase_add_test(tc, the_window_must_not_run_backwards);
	tcase_add_test(tc, intervals_must_be_ordered_disjoint_and_inside_the_window);
	tcase_add_test(tc, class_ids_are_0_to_15_and_appear_once);
	tcase_add_test(tc, networks_are_read_in_file_order_and_bad_ones_are_named_by_their_path);
	tcase_add_test(tc, the_header_fields_are_checked);
	tcase_add_test(tc, broken_json_is_refused_with_line_and_column);
	tcase_add_test(tc, intervals_may_come_anywhere_and_are_checked_after_the_window_is_known);
	tcase_add_test(tc, the_document_walk_refuses_what_json_refuses);
	tcase_add_test(tc, dump_refuses_a_statement_that_does_not_check);
	tcase_add_test(tc, reading_a_file_names_it_in_errors);
	tcase_add_test(tc, milliseconds_and_networks_are_written_beside_the_seconds_and_read_back);
	tcase_add_test(tc, without_milliseconds_the_seconds_are_the_instants);
	tcase_add_test(tc, milliseconds_that_disagree_with_the_seconds_are_refused_by_path);
	tcase_add_test(tc, nesting_deeper_than_the_parser_allows_is_refused_and_an_oversized_count_too);
	suite_add_tcase(s, tc);
}
