#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pva.h"
#include "timearg.h"
#include "unit_tests.h"

#define EID "3f1a0c1e-8d3b-4b7e-9a55-1a2b3c4d5e6f"

static char db_path[64];

static time_t at(const char *s)
{
	time_t t;

	ck_assert_msg(timearg_parse(s, &t, NULL) == 0, "bad test time %s", s);
	return t;
}

static void sql(sqlite3 *db, const char *q)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, q, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", q, msg);
}

/* An agent database: EID's totals are defs 1 (in) and 2 (out); 3/4 are
 * its class-2 rows; the rest is what the reference query must not count. */
static sqlite3 *make_db(void)
{
	sqlite3 *db;

	strcpy(db_path, "/tmp/ctv-pva-XXXXXX");
	close(mkstemp(db_path));
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sql(db, "CREATE TABLE log_def(id INTEGER PRIMARY KEY, eid TEXT, lclass TEXT, "
		"instance TEXT, counter TEXT);"
		"CREATE TABLE log_data(defid INTEGER, startTime INTEGER, avg INTEGER);"
		"INSERT INTO log_def VALUES"
		"(1,'" EID "','counters_vz_net','','counter_net_incoming_bytes'),"
		"(2,'" EID "','counters_vz_net','','counter_net_outgoing_bytes'),"
		"(3,'" EID "','counters_vz_net','2','counter_net_incoming_bytes'),"
		"(4,'" EID "','counters_vz_net','2','counter_net_outgoing_bytes'),"
		"(5,'other-eid','counters_vz_net','','counter_net_incoming_bytes'),"
		"(6,'" EID "','counters_vz_cpu','','counter_net_incoming_bytes'),"
		"(7,'" EID "','counters_vz_net','','counter_net_incoming_packets'),"
		"(8,'" EID "','counters_vz_net','eth0','counter_net_incoming_bytes');");
	return db;
}

/* One row per (def, time, value). */
static void put(sqlite3 *db, int def, time_t t, long long v)
{
	char q[160];

	snprintf(q, sizeof(q), "INSERT INTO log_data VALUES(%d, %lld, %lld)", def, (long long)t, v);
	sql(db, q);
}

/* Noise rows at t that no report of EID may count. */
static void noise(sqlite3 *db, time_t t)
{
	for (int def = 3; def <= 8; def++)
		put(db, def, t, 1000000 + def);
}

static struct pva_db *open_ok(void)
{
	struct ctv_err err;
	struct pva_db *p = pva_open(db_path, &err);

	ck_assert_msg(p != NULL, "%s", err.msg);
	return p;
}

static struct pva_report report(struct pva_db *p, enum period_by by, int64_t from, int64_t to)
{
	struct pva_report r;
	struct ctv_err err;

	ck_assert_msg(pva_report(p, EID, by, from, to, &r, &err) == 0, "%s", err.msg);
	return r;
}

static void row_is(const struct pva_report *r, size_t i, const char *period, int64_t in, int64_t out)
{
	ck_assert_uint_gt(r->nrows, i);
	ck_assert_str_eq(r->rows[i].period, period);
	ck_assert_int_eq(r->rows[i].in_bytes, in);
	ck_assert_int_eq(r->rows[i].out_bytes, out);
}

static void teardown(void)
{
	unlink(db_path);
}

START_TEST(a_month_report_sums_only_the_eids_total_byte_counters)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;

	set_tz("UTC");
	db = make_db();
	put(db, 1, at("2013-01-31 23:59"), 100);
	put(db, 2, at("2013-01-31 23:59"), 200);
	put(db, 1, at("2013-02-01 00:00"), 1);
	put(db, 2, at("2013-02-01 00:00"), 2);
	put(db, 1, at("2013-02-28 12:00"), 10);
	noise(db, at("2013-01-15"));
	noise(db, at("2013-02-15"));
	sqlite3_close(db);
	p = open_ok();
	r = report(p, PERIOD_MONTH, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_eq(r.nrows, 2);
	row_is(&r, 0, "2013-01", 100, 200);
	row_is(&r, 1, "2013-02", 11, 2);
	pva_report_free(&r);
	r = report(p, PERIOD_TOTAL, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_eq(r.nrows, 1);
	row_is(&r, 0, "total", 111, 202);
	pva_report_free(&r);
	pva_close(p);
}
END_TEST

START_TEST(periods_are_local_and_a_repeated_hour_is_one_row_as_in_the_reference)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;
	time_t first = 1635639000; /* 2021-10-31 02:10 CEST = 00:10 UTC */

	set_tz("Europe/Berlin");
	db = make_db();
	put(db, 1, first, 1);
	put(db, 1, first + 3600, 2); /* 02:10 CET, the same local hour again */
	put(db, 2, at("2021-10-30 23:59"), 5);
	put(db, 2, at("2021-10-31 00:00"), 7);
	sqlite3_close(db);
	p = open_ok();
	r = report(p, PERIOD_HOUR, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_eq(r.nrows, 3);
	row_is(&r, 0, "2021-10-30 23:00", 0, 5);
	row_is(&r, 1, "2021-10-31 00:00", 0, 7);
	row_is(&r, 2, "2021-10-31 02:00", 3, 0);
	pva_report_free(&r);
	r = report(p, PERIOD_DAY, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_eq(r.nrows, 2);
	row_is(&r, 0, "2021-10-30", 0, 5);
	row_is(&r, 1, "2021-10-31", 3, 7);
	pva_report_free(&r);
	pva_close(p);
}
END_TEST

START_TEST(reading_in_small_chunks_gives_the_same_report)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report a, b;

	set_tz("America/New_York");
	db = make_db();
	sql(db, "BEGIN");
	for (int i = 0; i < 500; i++) {
		time_t t = at("2020-03-07 20:00") + i * 397;

		put(db, 1, t, i);
		put(db, 2, t, 3 * i + 1);
		if (i % 7 == 0)
			noise(db, t);
	}
	sql(db, "COMMIT");
	sqlite3_close(db);
	p = open_ok();
	a = report(p, PERIOD_HOUR, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_le(pva_transactions(p), 6); /* log_def, share, min, max, 1 page, end */
	pva_set_chunk_rows(p, 7);
	b = report(p, PERIOD_HOUR, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_gt(pva_transactions(p), 150);
	ck_assert_uint_eq(a.nrows, b.nrows);
	ck_assert_uint_gt(a.nrows, 40);
	for (size_t i = 0; i < a.nrows; i++)
		row_is(&b, i, a.rows[i].period, a.rows[i].in_bytes, a.rows[i].out_bytes);
	pva_report_free(&a);
	pva_report_free(&b);
	pva_close(p);
}
END_TEST

START_TEST(the_window_takes_rows_from_from_up_to_but_not_including_to)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;

	set_tz("UTC");
	db = make_db();
	put(db, 1, 1000, 1);
	put(db, 1, 1060, 2);
	put(db, 1, 1120, 4);
	sqlite3_close(db);
	p = open_ok();
	r = report(p, PERIOD_TOTAL, 1060, 1120);
	row_is(&r, 0, "total", 2, 0);
	pva_report_free(&r);
	r = report(p, PERIOD_TOTAL, 2000, 3000);
	ck_assert_uint_eq(r.nrows, 0);
	pva_report_free(&r);
	pva_close(p);
}
END_TEST

START_TEST(real_values_are_summed_then_rounded_once)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;

	set_tz("UTC");
	db = make_db();
	sql(db, "INSERT INTO log_data VALUES(1, 0, 0.4), (1, 60, 0.4), (1, 120, 0.4), "
		"(2, 0, 5), (2, 60, NULL)");
	sqlite3_close(db);
	p = open_ok();
	r = report(p, PERIOD_TOTAL, PVA_NO_FROM, PVA_NO_TO);
	row_is(&r, 0, "total", 1, 5);
	pva_report_free(&r);
	pva_close(p);
}
END_TEST

START_TEST(an_unknown_eid_is_refused_naming_eids_that_exist)
{
	struct pva_db *p;
	struct pva_report r;
	struct ctv_err err;

	sqlite3_close(make_db());
	p = open_ok();
	ck_assert_int_eq(pva_report(p, "nope", PERIOD_DAY, PVA_NO_FROM, PVA_NO_TO, &r, &err), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "EID nope not found"));
	ck_assert_ptr_nonnull(strstr(err.msg, EID));
	ck_assert_ptr_nonnull(strstr(err.msg, "other-eid"));
	pva_close(p);
}
END_TEST

START_TEST(text_in_a_value_column_is_refused_with_the_row)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;
	struct ctv_err err;

	db = make_db();
	sql(db, "INSERT INTO log_data VALUES(1, 0, 'lots')");
	sqlite3_close(db);
	p = open_ok();
	ck_assert_int_eq(pva_report(p, EID, PERIOD_DAY, PVA_NO_FROM, PVA_NO_TO, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "log_data row 1: avg is not a number"));
	pva_close(p);
}
END_TEST

static const char *open_fails(void)
{
	static struct ctv_err err;

	ck_assert_ptr_null(pva_open(db_path, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strncmp(err.msg, db_path, strlen(db_path)) == 0, "%s", err.msg);
	return err.msg + strlen(db_path);
}

START_TEST(foreign_files_and_databases_are_refused_clearly)
{
	sqlite3 *db;
	FILE *f;

	strcpy(db_path, "/tmp/ctv-pva-none-XXXXXX");
	close(mkstemp(db_path));
	unlink(db_path);
	ck_assert_str_eq(open_fails(), ": No such file or directory");

	f = fopen(db_path, "w");
	fputs("CTID Net.Class Input(bytes)\n101 1 2\n", f);
	for (int i = 0; i < 100; i++)
		fputs("padding padding padding padding padding\n", f);
	fclose(f);
	ck_assert_str_eq(open_fails(), ": not an SQLite database");
	unlink(db_path);

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sql(db, "CREATE TABLE log_def(id, eid, lclass, instance, counter)");
	sqlite3_close(db);
	ck_assert_str_eq(open_fails(), ": no table log_data; not a Virtuozzo agent database "
			 "(VZAgentDB.sqldb)?");

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sql(db, "CREATE TABLE log_data(defid, start_time, avg)");
	sqlite3_close(db);
	ck_assert_str_eq(open_fails(), ": table log_data has no column startTime (it has: "
			 "defid, start_time, avg); not a Virtuozzo agent database?");
	unlink(db_path);

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sql(db, "CREATE TABLE t(x); CREATE VIEW log_def AS SELECT x AS id FROM t");
	sqlite3_close(db);
	ck_assert_str_eq(open_fails(), ": log_def is not a table; not a Virtuozzo agent database?");
}
END_TEST

/* Reads the whole file; the caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	ck_assert_uint_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

START_TEST(reading_leaves_the_file_byte_for_byte_unchanged)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;
	struct statement st;
	struct ctv_err err;
	struct stat before, after;
	char journal[96];
	size_t la, lb;
	char *a, *b;

	set_tz("UTC");
	db = make_db();
	for (int i = 0; i < 50; i++)
		put(db, 1 + i % 2, 1000 + i * 60, i);
	sqlite3_close(db);
	a = slurp(db_path, &la);
	ck_assert_int_eq(stat(db_path, &before), 0);
	p = open_ok();
	r = report(p, PERIOD_HOUR, PVA_NO_FROM, PVA_NO_TO);
	pva_report_free(&r);
	ck_assert_int_eq(pva_export(p, EID, NULL, PVA_NO_FROM, PVA_NO_TO, &st, &err), 0);
	statement_free(&st);
	pva_close(p);
	b = slurp(db_path, &lb);
	ck_assert_int_eq(stat(db_path, &after), 0);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) == 0);
	ck_assert_int_eq(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	ck_assert_int_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	snprintf(journal, sizeof(journal), "%s-journal", db_path);
	ck_assert_int_eq(access(journal, F_OK), -1);
	free(a);
	free(b);
}
END_TEST

START_TEST(export_gives_one_interval_per_poll_with_class_sums)
{
	sqlite3 *db;
	struct pva_db *p;
	struct statement st;
	struct ctv_err err;

	db = make_db();
	put(db, 1, 1000, 10);
	put(db, 2, 1000, 20);
	put(db, 2, 1060, 21);
	put(db, 1, 1120, 12); /* only "in" for this poll */
	put(db, 1, 1300, 13); /* after two missed polls */
	put(db, 3, 1000, 5);
	put(db, 4, 1060, 6);
	put(db, 5, 1000, 999); /* another EID */
	sqlite3_close(db);
	p = open_ok();
	ck_assert_msg(pva_export(p, EID, "101", PVA_NO_FROM, PVA_NO_TO, &st, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(st.source, STATEMENT_PVA);
	ck_assert_str_eq(st.ct, "101");
	ck_assert_int_eq(st.from, 1000);
	ck_assert_int_eq(st.to, 1360);
	ck_assert_int_eq(st.totals.in_bytes, 35);
	ck_assert_int_eq(st.totals.out_bytes, 41);
	ck_assert_int_eq(st.totals.has_packets, 0);
	ck_assert_uint_eq(st.nintervals, 4);
	ck_assert_int_eq(st.intervals[0].start, 1000);
	ck_assert_int_eq(st.intervals[0].end, 1060);
	ck_assert_int_eq(st.intervals[0].c.in_bytes, 10);
	ck_assert_int_eq(st.intervals[0].c.out_bytes, 20);
	ck_assert_int_eq(st.intervals[2].start, 1120);
	ck_assert_int_eq(st.intervals[2].end, 1180);
	ck_assert_int_eq(st.intervals[3].start, 1300);
	ck_assert_uint_eq(st.nclasses, 1);
	ck_assert_int_eq(st.classes[0].id, 2);
	ck_assert_int_eq(st.classes[0].c.in_bytes, 5);
	ck_assert_int_eq(st.classes[0].c.out_bytes, 6);
	statement_free(&st);

	ck_assert_msg(pva_export(p, EID, NULL, 1060, 1130, &st, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(st.ct, EID);
	ck_assert_int_eq(st.from, 1060);
	ck_assert_int_eq(st.to, 1130);
	ck_assert_uint_eq(st.nintervals, 2);
	ck_assert_int_eq(st.intervals[1].end, 1130); /* cut at to */
	ck_assert_int_eq(st.totals.in_bytes, 12);
	statement_free(&st);

	ck_assert_int_eq(pva_export(p, EID, NULL, 5000, PVA_NO_TO, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no rows in that window"));
	pva_close(p);
}
END_TEST

START_TEST(export_refuses_negative_values_a_statement_cannot_carry)
{
	sqlite3 *db;
	struct pva_db *p;
	struct statement st;
	struct ctv_err err;

	db = make_db();
	put(db, 1, 1000, 10);
	put(db, 2, 1060, -3);
	sqlite3_close(db);
	p = open_ok();
	ck_assert_int_eq(pva_export(p, EID, NULL, PVA_NO_FROM, PVA_NO_TO, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "log_data row 2: counter_net_outgoing_bytes is "
				     "negative (-3)"));
	pva_close(p);
}
END_TEST

START_TEST(a_table_without_rowid_is_read_in_one_statement)
{
	sqlite3 *db;
	struct pva_db *p;
	struct pva_report r;

	set_tz("UTC");
	strcpy(db_path, "/tmp/ctv-pva-XXXXXX");
	close(mkstemp(db_path));
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sql(db, "CREATE TABLE log_def(id INTEGER PRIMARY KEY, eid, lclass, instance, counter);"
		"CREATE TABLE log_data(defid INTEGER, startTime INTEGER, avg INTEGER, "
		"PRIMARY KEY(defid, startTime)) WITHOUT ROWID;"
		"INSERT INTO log_def VALUES(1,'" EID "','counters_vz_net','','counter_net_incoming_bytes');"
		"INSERT INTO log_data VALUES(1, 0, 5), (1, 86400, 6), (1, 86460, 7)");
	sqlite3_close(db);
	p = open_ok();
	r = report(p, PERIOD_DAY, PVA_NO_FROM, PVA_NO_TO);
	ck_assert_uint_eq(r.nrows, 2);
	row_is(&r, 0, "1970-01-01", 5, 0);
	row_is(&r, 1, "1970-01-02", 13, 0);
	ck_assert_uint_eq(pva_transactions(p), 2); /* log_def, then log_data whole */
	ck_assert_str_eq(pva_scan_path(p), "whole table");
	pva_report_free(&r);
	pva_close(p);
}
END_TEST

START_TEST(an_exported_statement_reads_back)
{
	sqlite3 *db;
	struct pva_db *p;
	struct statement st, back;
	struct ctv_err err;
	char *text;

	db = make_db();
	for (int i = 0; i < 100; i++) {
		put(db, 1, 6000 + 60 * i, i);
		put(db, 2, 6000 + 60 * i, 2 * i);
	}
	sqlite3_close(db);
	p = open_ok();
	ck_assert_int_eq(pva_export(p, EID, NULL, PVA_NO_FROM, PVA_NO_TO, &st, &err), 0);
	text = statement_dump(&st, &err);
	ck_assert_msg(text != NULL, "%s", err.msg);
	ck_assert_msg(statement_parse(text, strlen(text), "pva.json", &back, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(back.source, STATEMENT_PVA);
	ck_assert_uint_eq(back.nintervals, 100);
	ck_assert_int_eq(back.totals.in_bytes, 4950);
	ck_assert_int_eq(back.totals.out_bytes, 9900);
	ck_assert_int_eq(back.totals.has_packets, 0);
	ck_assert_int_eq(back.to, 6000 + 60 * 100);
	free(text);
	statement_free(&st);
	statement_free(&back);
	pva_close(p);
}
END_TEST

/* The same rows read through each access path, in pages of 5 rows, give
 * the same report: duplicates of (defid, startTime), REAL startTimes, rowid
 * gaps and a window that ends mid-def included. An index is used when the
 * EID's counters are a small share of all (here: 100 other containers). */
START_TEST(every_access_path_gives_the_same_report)
{
	static const char *const others =
		"WITH RECURSIVE c(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM c WHERE i < 199) "
		"INSERT INTO log_def SELECT i, 'ct' || i, 'counters_vz_net', '', "
		"'counter_net_incoming_bytes' FROM c";
	static const struct {
		const char *index;
		int many;
		const char *path;
	} setups[] = {
		{ "", 1, "table by rowid" },
		{ "CREATE INDEX i1 ON log_data(defid, startTime)", 1, "index (defid, startTime)" },
		{ "CREATE INDEX i2 ON log_data(defid)", 1, "index (defid)" },
		{ "CREATE INDEX i1 ON log_data(defid, startTime)", 0, "table by rowid" },
	};
	struct pva_report want[2];

	set_tz("Australia/Lord_Howe"); /* 30-minute DST shifts */
	for (size_t k = 0; k < sizeof(setups) / sizeof(setups[0]); k++) {
		sqlite3 *db = make_db();
		struct pva_db *p;

		sql(db, setups[k].index);
		if (setups[k].many)
			sql(db, others);
		sql(db, "BEGIN");
		for (int i = 0; i < 300; i++) {
			time_t t = at("2021-04-03 22:00") + i * 137;

			put(db, 1 + i % 2, t, i);
			if (i % 11 == 0)
				put(db, 1 + i % 2, t, 1000 + i); /* a duplicate key */
			if (i % 5 == 0)
				noise(db, t);
			if (i == 150)
				sql(db, "INSERT INTO log_data(rowid, defid, startTime, avg) "
					"VALUES (1000000, 150, 0, 0)"); /* a rowid gap */
		}
		sql(db, "INSERT INTO log_data VALUES (1, 1617500000.5, 7), (2, 1617500000.5, 9)");
		sql(db, "COMMIT");
		sqlite3_close(db);
		p = open_ok();
		pva_set_chunk_rows(p, 5);
		for (int w = 0; w < 2; w++) {
			struct pva_report r = report(p, w ? PERIOD_HOUR : PERIOD_DAY,
						     w ? at("2021-04-04 01:00") : PVA_NO_FROM,
						     w ? at("2021-04-04 04:00") : PVA_NO_TO);

			ck_assert_str_eq(pva_scan_path(p), setups[k].path);
			ck_assert_uint_gt(r.nrows, 1);
			if (k == 0) {
				want[w] = r;
				continue;
			}
			ck_assert_uint_eq(r.nrows, want[w].nrows);
			for (size_t i = 0; i < r.nrows; i++)
				row_is(&r, i, want[w].rows[i].period, want[w].rows[i].in_bytes,
				       want[w].rows[i].out_bytes);
			pva_report_free(&r);
		}
		/* Paging by rowid ranges skips the gap instead of walking it. */
		if (k == 0)
			ck_assert_uint_lt(pva_transactions(p), 400);
		pva_close(p);
		unlink(db_path);
	}
	pva_report_free(&want[0]);
	pva_report_free(&want[1]);
}
END_TEST

void add_pva_tests(Suite *s)
{
	TCase *tc = tcase_create("pva");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, a_month_report_sums_only_the_eids_total_byte_counters);
	tcase_add_test(tc, periods_are_local_and_a_repeated_hour_is_one_row_as_in_the_reference);
	tcase_add_test(tc, reading_in_small_chunks_gives_the_same_report);
	tcase_add_test(tc, the_window_takes_rows_from_from_up_to_but_not_including_to);
	tcase_add_test(tc, real_values_are_summed_then_rounded_once);
	tcase_add_test(tc, an_unknown_eid_is_refused_naming_eids_that_exist);
	tcase_add_test(tc, text_in_a_value_column_is_refused_with_the_row);
	tcase_add_test(tc, foreign_files_and_databases_are_refused_clearly);
	tcase_add_test(tc, reading_leaves_the_file_byte_for_byte_unchanged);
	tcase_add_test(tc, export_gives_one_interval_per_poll_with_class_sums);
	tcase_add_test(tc, export_refuses_negative_values_a_statement_cannot_carry);
	tcase_add_test(tc, a_table_without_rowid_is_read_in_one_statement);
	tcase_add_test(tc, an_exported_statement_reads_back);
	tcase_add_test(tc, every_access_path_gives_the_same_report);
	suite_add_tcase(s, tc);
}
