/* store_bench - synthesises minute history through the real store API
 * (store_record, one transaction per minute, as collect writes it) and
 * measures what the docs promise: the file size after a year for N
 * services, and a month report's time as a ratio to a trivial query on
 * the same connection in the same run.
 *
 *   bench/store_bench [--days D] [--services N] [--db PATH] [--keep] [--reuse]
 *
 * --keep leaves the file; --reuse measures an existing file (made with the
 * same --days/--services) without writing it again.
 *
 * Prints "key value" lines; docs/PERFORMANCE.md quotes them.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "timearg.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* Median of runs of fn, in seconds. */
static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

struct bench {
	int days, nsvc, keep, reuse;
	char path[4096];
	char (*names)[16];  /* the series keys, svc00... */
	int64_t minutes;
	uint64_t expect_in; /* what the reports must sum to */
	double t_write;
};

static int parse_args(int argc, char **argv, struct bench *b)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "services", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'p' },
		{ "keep", no_argument, NULL, 'k' },
		{ "reuse", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	b->days = 365;
	b->nsvc = 50;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': b->days = atoi(optarg); break;
		case 's': b->nsvc = atoi(optarg); break;
		case 'p': snprintf(b->path, sizeof(b->path), "%s", optarg); break;
		case 'k': b->keep = 1; break;
		case 'r': b->reuse = b->keep = 1; break;
		default:
			fprintf(stderr, "usage: %s [--days D] [--services N] [--db PATH] [--keep] [--reuse]\n", argv[0]);
			return -1;
		}
	}
	if (b->days < 1 || b->nsvc < 1 || b->nsvc > 10000) {
		fprintf(stderr, "store_bench: bad --days or --services\n");
		return -1;
	}
	if (!b->path[0])
		snprintf(b->path, sizeof(b->path), "/tmp/ctv-store-bench.%d.db", (int)getpid());
	return 0;
}

/* One minute's traffic for every service, added to the samples' absolute
 * counters (busy and idle services alike: up to ~1 MB a minute); with
 * smp NULL only the expected sum moves (--reuse: the same random
 * sequence). */
static void one_minute(struct bench *b, struct store_sample *smp, int64_t m)
{
	for (int i = 0; i < b->nsvc; i++) {
		uint64_t v = next_rand() % (1u << (10 + i % 11));

		if (smp) {
			smp[i].c.in_bytes += v;
			smp[i].c.in_packets += v / 700 + 1;
			smp[i].c.out_bytes += 3 * v;
			smp[i].c.out_packets += v / 400 + 1;
		}
		if (m)
			b->expect_in += v;
	}
}

/* A reading a minute from 2025-01-01 through the real store_record(),
 * one transaction each, as collect writes them. */
static int write_history(struct bench *b, struct store *st)
{
	struct ctv_err err = { "" };
	struct store_sample *smp;
	struct store_reading r;
	time_t start;
	double t0;

	smp = calloc((size_t)b->nsvc, sizeof(*smp));
	if (!smp)
		return -1;
	for (int i = 0; i < b->nsvc; i++)
		smp[i].key = b->names[i];
	timearg_parse("2025-01-01", &start, NULL);
	memset(&r, 0, sizeof(r));
	snprintf(r.boot_id, sizeof(r.boot_id), "bench-boot");
	r.samples = smp;
	r.n_samples = (size_t)b->nsvc;
	t0 = now_s();
	for (int64_t m = 0; m <= b->minutes; m++) {
		if (b->reuse) {
			one_minute(b, NULL, m);
			continue;
		}
		r.wall_ms = ((int64_t)start + m * 60) * 1000;
		r.mono_ms = 1000 + m * 60000;
		one_minute(b, smp, m);
		if (store_record(st, &r, NULL, &err) < 0) {
			fprintf(stderr, "store_bench: minute %" PRId64 ": %s\n", m, err.msg);
			free(smp);
			return -1;
		}
		if (m && m % (30 * 1440) == 0)
			fprintf(stderr, "store_bench: %" PRId64 " days, %.0f s\n", m / 1440, now_s() - t0);
	}
	b->t_write = now_s() - t0;
	free(smp);
	return 0;
}

/* June by day, 15 times, each beside a trivial query on the same
 * connection: the medians and their ratio. */
static int time_month_report(struct store *st)
{
	struct ctv_err err = { "" };
	struct store_query q;
	struct store_rows rows;
	double base[15], month[15];
	time_t mfrom, mto;
	sqlite3_stmt *s;

	timearg_parse("2025-06-01", &mfrom, NULL);
	timearg_parse("2025-07-01", &mto, NULL);
	sqlite3_prepare_v2(store_sqlite(st), "SELECT count(*) FROM series", -1, &s, NULL);
	for (int k = 0; k < 15; k++) {
		double a = now_s();

		sqlite3_reset(s);
		sqlite3_step(s);
		base[k] = now_s() - a;
		store_query_init(&q);
		q.by = PERIOD_DAY;
		q.from_ms = (int64_t)mfrom * 1000;
		q.to_ms = (int64_t)mto * 1000;
		a = now_s();
		if (store_report(st, &q, &rows, &err) < 0) {
			fprintf(stderr, "store_bench: %s\n", err.msg);
			return -1;
		}
		month[k] = now_s() - a;
		store_rows_free(&rows);
	}
	sqlite3_finalize(s);
	printf("baseline_query_ms %.3f\nmonth_report_by_day_ms %.3f\n", median(base, 15) * 1000,
	       median(month, 15) * 1000);
	printf("month_report_ratio_to_baseline %.0f\n", median(month, 15) / median(base, 15));
	return 0;
}

/* One series of many (ctnode: one container's report and statement). */
static void time_one_series(struct store *st, const char *key)
{
	struct ctv_err err = { "" };
	struct store_query q;
	struct store_rows rows;
	struct store_intervals iv;
	double a;

	store_query_init(&q);
	q.by = PERIOD_DAY;
	q.key = key;
	a = now_s();
	store_report(st, &q, &rows, &err);
	printf("one_series_report_by_day_ms %.2f\n", (now_s() - a) * 1000);
	store_rows_free(&rows);
	a = now_s();
	if (store_intervals(st, 0, INT32_MAX, key, -1, &iv, &err) == 0) {
		printf("one_series_intervals_ms %.2f (%zu intervals)\n", (now_s() - a) * 1000, iv.n);
		store_intervals_free(&iv);
	}
}

/* The reads, through a fresh reader connection as report does; the
 * figures printed as "key value" lines. Returns 0 when the whole history
 * sums to what was written. */
static int measure_reads(const struct bench *b)
{
	struct ctv_err err = { "" };
	struct store_query q;
	struct store_rows rows;
	struct store *st;
	uint64_t total = 0;
	double a, year_t;

	st = store_open(b->path, STORE_READ, &err);
	if (!st) {
		fprintf(stderr, "store_bench: %s\n", err.msg);
		return -1;
	}
	printf("days %d\nservices %d\nminutes_recorded %" PRId64 "\n", b->days, b->nsvc, b->minutes);
	printf("write_seconds %.1f\nwrite_ms_per_minute %.3f\n", b->t_write,
	       b->t_write * 1000.0 / (double)b->minutes);
	printf("db_bytes %lld\ndb_mib %.1f\n", (long long)file_size(b->path),
	       (double)file_size(b->path) / 1048576.0);
	if (time_month_report(st) < 0) {
		store_close(st);
		return -1;
	}
	store_query_init(&q);
	q.by = PERIOD_MONTH;
	a = now_s();
	store_report(st, &q, &rows, &err);
	year_t = now_s() - a;
	for (size_t i = 0; i < rows.n; i++)
		total += rows.v[i].c.in_bytes;
	store_rows_free(&rows);
	printf("all_history_by_month_ms %.1f\n", year_t * 1000);
	time_one_series(st, b->names[b->nsvc / 2]);
	printf("sums_match %s\n", total == b->expect_in ? "yes" : "NO");
	store_close(st);
	return total == b->expect_in ? 0 : -1;
}

static void remove_db(const char *path)
{
	char wal[4200];

	unlink(path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct ctv_err err = { "" };
	struct store *st;

	if (parse_args(argc, argv, &b) < 0)
		return 2;
	if (!b.reuse)
		unlink(b.path);
	setenv("TZ", "UTC", 1);
	tzset();
	st = store_open(b.path, STORE_WRITE, &err);
	if (!st) {
		fprintf(stderr, "store_bench: %s\n", err.msg);
		return 1;
	}
	b.names = calloc((size_t)b.nsvc, sizeof(*b.names));
	if (!b.names)
		return 1;
	for (int i = 0; i < b.nsvc; i++)
		snprintf(b.names[i], sizeof(b.names[i]), "svc%02d", i);
	b.minutes = (int64_t)b.days * 1440;
	if (write_history(&b, st) < 0)
		return 1;
	sqlite3_exec(store_sqlite(st), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	store_close(st);
	if (measure_reads(&b) < 0)
		return 1;
	if (!b.keep)
		remove_db(b.path);
	free(b.names);
	return 0;
}
