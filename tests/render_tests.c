#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "timearg.h"
#include "unit_tests.h"

static time_t at(const char *s)
{
	time_t t;

	ck_assert_msg(timearg_parse(s, &t, NULL) == 0, "bad test time %s", s);
	return t;
}

/* Two months, three services: the rows store_report() would give. */
static struct store_row sample[] = {
	{ 0, "local", -1, { 100, 2, 100, 2 } },
	{ 0, "http", -1, { 1536, 10, 5u * 1024 * 1024, 4000 } },
	{ 0, "other", -1, { 7, 1, 0, 0 } },
	{ 0, "http", -1, { 3ull * 1024 * 1024 * 1024, 3000000, 1024, 8 } },
	{ 0, "mail, \"smtp\"", -1, { 1, 1, 1, 1 } },
};

static struct store_rows rows(void)
{
	struct store_rows r = { sample, sizeof(sample) / sizeof(sample[0]) };

	set_tz("UTC");
	for (size_t i = 0; i < r.n; i++)
		sample[i].period = i < 3 ? at("2024-01-01") : at("2024-02-01");
	return r;
}

/* Renders into a buffer through open_memstream(), as any caller can. */
static char *render(const struct store_rows *r, enum render_format f, int packets)
{
	struct render_opts o = { f, PERIOD_MONTH, "service", NULL, packets, "test report" };
	struct ctv_err err = { "" };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_msg(render_rows(out, r, &o, &err) == 0, "%s", err.msg);
	fclose(out);
	return buf;
}

START_TEST(human_units_are_binary_with_three_significant_digits)
{
	char b[32];

	ck_assert_str_eq(render_human(0, b, sizeof(b)), "0 B");
	ck_assert_str_eq(render_human(1023, b, sizeof(b)), "1023 B");
	ck_assert_str_eq(render_human(1536, b, sizeof(b)), "1.50 KiB");
	ck_assert_str_eq(render_human(5u * 1024 * 1024, b, sizeof(b)), "5.00 MiB");
	ck_assert_str_eq(render_human(15ull * 1024 * 1024 * 1024 + 300ull * 1024 * 1024, b, sizeof(b)),
			 "15.3 GiB");
	ck_assert_str_eq(render_human(512ull * 1024, b, sizeof(b)), "512 KiB");
}
END_TEST

START_TEST(a_table_is_aligned_in_human_units_with_a_totals_row)
{
	struct store_rows r = rows();
	char *t = render(&r, RENDER_TABLE, 0), *line, *save = NULL;
	size_t width = 0;
	int n = 0, total = 0;

	ck_assert_ptr_nonnull(strstr(t, "test report"));
	ck_assert_ptr_nonnull(strstr(t, "1.50 KiB"));
	ck_assert_ptr_nonnull(strstr(t, "3.00 GiB"));
	ck_assert_ptr_null(strstr(t, "in pkts"));
	for (line = strtok_r(strstr(t, "period"), "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Right-aligned columns: every line ends at the same column. */
		if (!width)
			width = strlen(line);
		ck_assert_msg(strlen(line) == width, "line '%s' is not aligned", line);
		if (!strncmp(line, "total", 5)) {
			total = 1;
			/* 100 + 1536 + 7 + 3 GiB + 1 bytes in. */
			ck_assert_msg(strstr(line, "3.00 GiB") != NULL, "%s", line);
			ck_assert_msg(strstr(line, "5.00 MiB") != NULL, "%s", line);
		}
		n++;
	}
	ck_assert_int_eq(total, 1);
	ck_assert_int_eq(n, 1 + 5 + 1 + 1);
	free(t);
	t = render(&r, RENDER_TABLE, 1);
	ck_assert_ptr_nonnull(strstr(t, "in pkts"));
	ck_assert_ptr_nonnull(strstr(t, "3000000"));
	free(t);
}
END_TEST

/* Splits one CSV record (RFC 4180 quoting) into at most max fields.
 * Returns the number of fields; *s moves past the record's newline. */
static int csv_record(const char **s, char fields[][128], int max)
{
	const char *p = *s;
	int n = 0;

	for (;;) {
		size_t len = 0;

		ck_assert_int_lt(n, max);
		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
				if (*p == '"')
					p++;
				fields[n][len++] = *p;
			}
			ck_assert_int_eq(*p, '"');
			p++;
		} else {
			while (*p && *p != ',' && *p != '\n')
				fields[n][len++] = *p++;
		}
		fields[n++][len] = '\0';
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	*s = p;
	return n;
}

START_TEST(csv_parses_back_to_the_rows)
{
	struct store_rows r = rows();
	char *t = render(&r, RENDER_CSV, 0);
	const char *p = t;
	char f[8][128];

	ck_assert_int_eq(csv_record(&p, f, 8), 6);
	for (size_t i = 0; i < r.n; i++) {
		char *end;

		ck_assert_int_eq(csv_record(&p, f, 8), 6);
		ck_assert_str_eq(f[0], i < 3 ? "2024-01" : "2024-02");
		ck_assert_str_eq(f[1], r.v[i].key);
		ck_assert_uint_eq(strtoull(f[2], &end, 10), r.v[i].c.in_bytes);
		ck_assert_uint_eq(strtoull(f[3], &end, 10), r.v[i].c.in_packets);
		ck_assert_uint_eq(strtoull(f[4], &end, 10), r.v[i].c.out_bytes);
		ck_assert_uint_eq(strtoull(f[5], &end, 10), r.v[i].c.out_packets);
	}
	ck_assert_str_eq(p, "");
	free(t);
}
END_TEST

START_TEST(csv_has_one_header_and_raw_integers_with_the_period_first)
{
	struct store_rows r = rows();
	char *t = render(&r, RENDER_CSV, 0), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		if (n == 0) {
			ck_assert_str_eq(line, "period,service,in_bytes,in_packets,out_bytes,out_packets");
			continue;
		}
		ck_assert_msg(!strncmp(line, n <= 3 ? "2024-01," : "2024-02,", 8), "%s", line);
	}
	ck_assert_int_eq(n, 6);
	free(t);
	t = render(&r, RENDER_CSV, 0);
	ck_assert_ptr_nonnull(strstr(t, "\n2024-02,http,3221225472,3000000,1024,8\n"));
	/* A field with a comma or quote is quoted, so it parses back. */
	ck_assert_ptr_nonnull(strstr(t, "\n2024-02,\"mail, \"\"smtp\"\"\",1,1,1,1\n"));
	free(t);
}
END_TEST

START_TEST(json_rows_parse_back_with_the_contract_keys)
{
	struct store_rows r = rows();
	char *t = render(&r, RENDER_JSON, 0);
	json_error_t e;
	json_t *doc = json_loads(t, 0, &e), *row;

	ck_assert_msg(doc != NULL, "%s: %s", e.text, t);
	ck_assert(json_is_array(doc));
	ck_assert_uint_eq(json_array_size(doc), 5);
	row = json_array_get(doc, 3);
	ck_assert_str_eq(json_string_value(json_object_get(row, "period")), "2024-02");
	ck_assert_str_eq(json_string_value(json_object_get(row, "service")), "http");
	ck_assert_int_eq(json_integer_value(json_object_get(row, "in_bytes")), 3221225472LL);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "in_packets")), 3000000);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "out_bytes")), 1024);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "out_packets")), 8);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 4), "service")),
			 "mail, \"smtp\"");
	json_decref(doc);
	free(t);
}
END_TEST

START_TEST(ctnode_rows_carry_ct_and_class)
{
	struct store_row v[] = { { 0, "101", 2, { 10, 1, 20, 2 } } };
	struct store_rows r = { v, 1 };
	struct render_opts o = { RENDER_JSON, PERIOD_TOTAL, "ct", "class", 0, NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	json_t *doc;

	ck_assert_int_eq(render_rows(out, &r, &o, NULL), 0);
	fclose(out);
	doc = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "period")), "total");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "ct")), "101");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(doc, 0), "class")), 2);
	json_decref(doc);
	free(buf);
}
END_TEST

/* A small well-formedness check: tags nest and close, attributes are
 * quoted, text has no bare '<' or '&'. Returns NULL or what is wrong. */
static const char *xml_problem(const char *s, int *elements)
{
	const char *stack[64];
	size_t depth = 0, len[64];

	*elements = 0;
	while (*s) {
		if (*s == '&') {
			if (strncmp(s, "&lt;", 4) && strncmp(s, "&gt;", 4) && strncmp(s, "&amp;", 5) &&
			    strncmp(s, "&quot;", 6))
				return "bare &";
			s++;
			continue;
		}
		if (*s != '<') {
			s++;
			continue;
		}
		if (!strncmp(s, "<?", 2)) {
			s = strstr(s, "?>");
			if (!s)
				return "unterminated <?";
			s += 2;
			continue;
		}
		if (s[1] == '/') {
			const char *e = strchr(s, '>');

			if (!e || !depth)
				return "stray closing tag";
			depth--;
			if ((size_t)(e - s - 2) != len[depth] || strncmp(s + 2, stack[depth], len[depth]))
				return "closing tag does not match";
			s = e + 1;
			continue;
		}
		{
			const char *name = s + 1, *p = name;
			int quote = 0;

			while (*p && *p != ' ' && *p != '>' && *p != '/')
				p++;
			if (p == name)
				return "empty tag name";
			for (; *p && (quote || *p != '>'); p++) {
				if (*p == '"')
					quote = !quote;
				else if (!quote && *p == '<')
					return "'<' inside a tag";
			}
			if (!*p)
				return "unterminated tag";
			(*elements)++;
			if (p[-1] != '/') {
				if (depth == 64)
					return "too deep";
				stack[depth] = name;
				len[depth] = (size_t)(strcspn(name, " />"));
				depth++;
			}
			s = p + 1;
		}
	}
	return depth ? "unclosed element" : NULL;
}

START_TEST(the_well_formedness_check_catches_broken_xml)
{
	int n;

	ck_assert_ptr_null(xml_problem("<a><b x=\"1\"/>t &amp; u</a>", &n));
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(xml_problem("<a><b></a>", &n));
	ck_assert_ptr_nonnull(xml_problem("<a>x & y</a>", &n));
	ck_assert_ptr_nonnull(xml_problem("<a>", &n));
}
END_TEST

START_TEST(svg_is_well_formed_with_a_segment_and_a_label_per_service)
{
	struct store_rows r = rows();
	char *t = render(&r, RENDER_SVG, 0);
	const char *problem;
	int elements, rects = 0;

	problem = xml_problem(t, &elements);
	ck_assert_msg(problem == NULL, "%s", problem);
	ck_assert_ptr_nonnull(strstr(t, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	for (const char *p = t; (p = strstr(p, "<rect")); p++)
		rects++;
	/* background + segments (9 non-zero values) + 4 legend swatches */
	ck_assert_int_eq(rects, 1 + 9 + 4);
	/* Labels: periods under the bars, the big segment named on the bar. */
	ck_assert_ptr_nonnull(strstr(t, ">2024-01</text>"));
	ck_assert_ptr_nonnull(strstr(t, ">2024-02</text>"));
	ck_assert_ptr_nonnull(strstr(t, "font-size=\"10\">http</text>"));
	ck_assert_ptr_nonnull(strstr(t, "mail, &quot;smtp&quot;"));
	/* The axis has round steps: 3 GiB at most, so 1 GiB gridlines. */
	ck_assert_ptr_nonnull(strstr(t, "text-anchor=\"end\">1.00 GiB</text>"));
	ck_assert_ptr_nonnull(strstr(t, "text-anchor=\"end\">4.00 GiB</text>"));
	free(t);
}
END_TEST

START_TEST(an_empty_range_renders_in_every_format)
{
	struct store_rows r = { NULL, 0 };
	char *t;
	int n;

	t = render(&r, RENDER_TABLE, 0);
	ck_assert_ptr_nonnull(strstr(t, "no traffic"));
	free(t);
	t = render(&r, RENDER_JSON, 0);
	ck_assert_str_eq(t, "[]\n");
	free(t);
	t = render(&r, RENDER_SVG, 0);
	ck_assert_ptr_null(xml_problem(t, &n));
	free(t);
}
END_TEST

START_TEST(the_resets_one_gap_caused_are_one_event_line_naming_the_services)
{
	struct store_event v[6];
	struct store_events ev = { v, 6 };
	char *buf = NULL;
	size_t len = 0, lines = 0;
	FILE *out;

	set_tz("UTC");
	memset(v, 0, sizeof(v));
	/* The table was deleted: one gap, then at the next reading every
	 * series counted from zero over the interval that met it. */
	v[0] = (struct store_event){ .t_ms = 100000, .kind = "gap", .from_ms = 60000,
				     .to_ms = 100000, .detail = "our table was gone" };
	for (int i = 1; i <= 4; i++) {
		v[i] = (struct store_event){ .t_ms = 120000, .kind = "reset", .from_ms = 60000,
					     .to_ms = 120000, .detail = "counter went back" };
		snprintf(v[i].key, sizeof(v[i].key), "%s",
			 (const char *[]){ "local", "web", "mail", "other" }[i - 1]);
	}
	/* A reset of its own, later: its own line. */
	v[5] = (struct store_event){ .t_ms = 900000, .kind = "reset", .key = "dns",
				     .from_ms = 840000, .to_ms = 900000, .detail = "counter went back" };
	out = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(out);
	render_events(out, &ev);
	fclose(out);
	for (const char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_uint_eq(lines, 4); /* blank, "Events:", the gap, the lone reset */
	ck_assert_msg(strstr(buf, "gap        our table was gone; reset 4 series (local, web, mail, "
				  "other)"), "%s", buf);
	ck_assert_msg(strstr(buf, "reset      dns: counter went back"), "%s", buf);
	free(buf);
}
END_TEST

void add_render_tests(Suite *s)
{
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, human_units_are_binary_with_three_significant_digits);
	tcase_add_test(tc, a_table_is_aligned_in_human_units_with_a_totals_row);
	tcase_add_test(tc, csv_has_one_header_and_raw_integers_with_the_period_first);
	tcase_add_test(tc, csv_parses_back_to_the_rows);
	tcase_add_test(tc, json_rows_parse_back_with_the_contract_keys);
	tcase_add_test(tc, ctnode_rows_carry_ct_and_class);
	tcase_add_test(tc, the_well_formedness_check_catches_broken_xml);
	tcase_add_test(tc, svg_is_well_formed_with_a_segment_and_a_label_per_service);
	tcase_add_test(tc, an_empty_range_renders_in_every_format);
	tcase_add_test(tc, the_resets_one_gap_caused_are_one_event_line_naming_the_services);
	suite_add_tcase(s, tc);
}
