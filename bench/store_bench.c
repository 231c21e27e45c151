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

/* Reads through a fresh reader connection, as report does, and prints
 * the timings. Returns the exit code. */
static int read_bench(const char *path, char (*names)[16], int nsvc, int days, int64_t minutes,
		      double t_write, uint64_t expect_in)
{
	struct ctv_err err = { "" };
	struct store *st = store_open(path, STORE_READ, &err);
	struct store_query q;
	struct store_rows rows;
	double base[15], month[15], year_t;
	uint64_t total = 0;
	time_t mfrom, mto;
	sqlite3_stmt *s;

	if (!st) {
		fprintf(stderr, "store_bench: %s\n", err.msg);
		return 1;
	}

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
			return 1;
		}
		month[k] = now_s() - a;
		store_rows_free(&rows);
	}
	sqlite3_finalize(s);
	store_query_init(&q);
	q.by = PERIOD_MONTH;
	{
		double a = now_s();

		store_report(st, &q, &rows, &err);
		year_t = now_s() - a;
	}
	for (size_t i = 0; i < rows.n; i++)
		total += rows.v[i].c.in_bytes;
	store_rows_free(&rows);
	printf("days %d\nservices %d\nminutes_recorded %" PRId64 "\n", days, nsvc, minutes);
	printf("write_seconds %.1f\nwrite_ms_per_minute %.3f\n", t_write,
	       t_write * 1000.0 / (double)minutes);
	printf("db_bytes %lld\ndb_mib %.1f\n", (long long)file_size(path),
	       (double)file_size(path) / 1048576.0);
	printf("baseline_query_ms %.3f\nmonth_report_by_day_ms %.3f\n", median(base, 15) * 1000,
	       median(month, 15) * 1000);
	printf("month_report_ratio_to_baseline %.0f\n", median(month, 15) / median(base, 15));
	printf("all_history_by_month_ms %.1f\n", year_t * 1000);
	{
		/* One series of many (ctnode: one container's report
		 * and statement). */
		struct store_intervals iv;
		double a;

		store_query_init(&q);
		q.by = PERIOD_DAY;
		q.key = names[nsvc / 2];
		a = now_s();
		store_report(st, &q, &rows, &err);
		printf("one_series_report_by_day_ms %.2f\n", (now_s() - a) * 1000);
		store_rows_free(&rows);
		a = now_s();
		if (store_intervals(st, 0, INT64_MAX, names[nsvc / 2], -1, &iv, &err) == 0) {
			printf("one_series_intervals_ms %.2f (%zu intervals)\n", (now_s() - a) * 1000, iv.n);
			store_intervals_free(&iv);
		}
	}
	printf("sums_match %s\n", total == expect_in ? "yes" : "NO");
	store_close(st);
	if (total != expect_in)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "services", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'p' },
		{ "keep", no_argument, NULL, 'k' },
		{ "reuse", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int days = 365, nsvc = 50, keep = 0, reuse = 0, c;
	char path[4096] = "";
	struct ctv_err err = { "" };
	struct store *st;
	struct store_sample *smp;
	char (*names)[16];
	struct store_reading r;
	time_t start;
	double t0, t_write;
	int64_t minutes;
	uint64_t expect_in = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': days = atoi(optarg); break;
		case 's': nsvc = atoi(optarg); break;
		case 'p': snprintf(path, sizeof(path), "%s", optarg); break;
		case 'k': keep = 1; break;
		case 'r': reuse = keep = 1; break;
		default:
			fprintf(stderr, "usage: %s [--days D] [--services N] [--db PATH] [--keep] [--reuse]\n", argv[0]);
			return 2;
		}
	}
	if (days < 1 || nsvc < 1 || nsvc > 10000) {
		fprintf(stderr, "store_bench: bad --days or --services\n");
		return 2;
	}
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/ctv-store-bench.%d.db", (int)getpid());
	if (!reuse)
		unlink(path);
	setenv("TZ", "UTC", 1);
	tzset();
	st = store_open(path, STORE_WRITE, &err);
	if (!st) {
		fprintf(stderr, "store_bench: %s\n", err.msg);
		return 1;
	}
	smp = calloc((size_t)nsvc, sizeof(*smp));
	names = calloc((size_t)nsvc, sizeof(*names));
	if (!smp || !names)
		return 1;
	for (int i = 0; i < nsvc; i++) {
		snprintf(names[i], sizeof(names[i]), "svc%02d", i);
		smp[i].key = names[i];
	}
	timearg_parse("2025-01-01", &start, NULL);
	memset(&r, 0, sizeof(r));
	snprintf(r.boot_id, sizeof(r.boot_id), "bench-boot");
	r.samples = smp;
	r.n_samples = (size_t)nsvc;
	minutes = (int64_t)days * 1440;
	t0 = now_s();
	for (int64_t m = 0; m <= minutes; m++) {
		if (reuse) {
			/* Only the expected sum: the same random sequence. */
			for (int i = 0; i < nsvc; i++) {
				uint64_t b = next_rand() % (1u << (10 + i % 11));

				if (m)
					expect_in += b;
			}
			continue;
		}
		r.wall_ms = ((int64_t)start + m * 60) * 1000;
		r.mono_ms = 1000 + m * 60000;
		for (int i = 0; i < nsvc; i++) {
			/* Busy and idle services alike: up to ~1 MB a minute. */
			uint64_t b = next_rand() % (1u << (10 + i % 11));

			smp[i].c.in_bytes += b;
			smp[i].c.in_packets += b / 700 + 1;
			smp[i].c.out_bytes += 3 * b;
			smp[i].c.out_packets += b / 400 + 1;
			if (m)
				expect_in += b;
		}
		if (store_record(st, &r, NULL, &err) < 0) {
			fprintf(stderr, "store_bench: minute %" PRId64 ": %s\n", m, err.msg);
			return 1;
		}
		if (m && m % (30 * 1440) == 0)
			fprintf(stderr, "store_bench: %" PRId64 " days, %.0f s\n", m / 1440, now_s() - t0);
	}
	t_write = now_s() - t0;
	sqlite3_exec(store_sqlite(st), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	store_close(st);

	if (read_bench(path, names, nsvc, days, minutes, t_write, expect_in) != 0)
		return 1;
	if (!keep) {
		char wal[4200];

		unlink(path);
		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
	free(smp);
	free(names);
	return 0;
}
