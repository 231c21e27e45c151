/* plesk.c - Plesk's DomainsTraffic rows read strictly and summed by day. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linefile.h"
#include "period.h"
#include "plesk.h"

static const char *const columns[PLESK_COLUMNS] = {
	"dom_id", "date", "http_in", "http_out", "ftp_in", "ftp_out",
	"smtp_in", "smtp_out", "pop3_imap_in", "pop3_imap_out",
};

const char *plesk_kind_name(enum plesk_kind k)
{
	static const char *const names[PLESK_NKINDS] = { "http", "ftp", "smtp", "pop3_imap" };

	return k < PLESK_NKINDS ? names[k] : "?";
}

/* A decimal number without sign, at most max: 0, or -1 with why. */
static int number(const char *s, uint64_t max, uint64_t *v, const char **why)
{
	uint64_t x = 0;

	if (!*s) {
		*why = "is empty";
		return -1;
	}
	if (*s == '-' && s[1]) {
		*why = "is negative";
		return -1;
	}
	if (!strcmp(s, "NULL")) {
		*why = "is NULL";
		return -1;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			*why = "is not a number";
			return -1;
		}
		if (x > (max - (uint64_t)(*p - '0')) / 10) {
			*why = "is too large";
			return -1;
		}
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return 0;
}

int plesk_is_number(const char *s, uint64_t *v)
{
	const char *why;

	return number(s, UINT64_MAX, v, &why) == 0;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD" (MySQL's DATE), a real day. */
static int date(const char *s, struct plesk_row *r)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	r->year = atoi(s);
	r->mon = atoi(s + 5);
	r->mday = atoi(s + 8);
	if (r->year < 1970 || r->mon < 1 || r->mon > 12 || r->mday < 1)
		return -1;
	return r->mday <= mdays[r->mon - 1] + (r->mon == 2 && leap(r->year)) ? 0 : -1;
}

/* Splits on tabs (mysql -B): the number of fields, PLESK_COLUMNS + 1 if
 * more. */
static int split_tabs(char *line, char **f)
{
	int n = 0;

	for (char *p = line;; p++) {
		if (n == PLESK_COLUMNS + 1)
			return n;
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			return n;
		*p = '\0';
	}
}

static int is_header(char **f, int n)
{
	if (n != PLESK_COLUMNS)
		return 0;
	for (int i = 0; i < PLESK_COLUMNS; i++)
		if (strcmp(f[i], columns[i]))
			return 0;
	return 1;
}

/* One data line into r: 0, or -1 with err. */
static int parse_row(const char *name, unsigned line, char **f, int n, struct plesk_row *r,
		     struct ctv_err *err)
{
	const char *why;

	if (n != PLESK_COLUMNS) {
		ctv_err_set(err, "%s:%u: %s%d tab-separated columns, expected %d (dom_id, date, "
			    "http_in, http_out, ftp_in, ftp_out, smtp_in, smtp_out, pop3_imap_in, "
			    "pop3_imap_out)", name, line, n > PLESK_COLUMNS ? "more than " : "",
			    n > PLESK_COLUMNS ? PLESK_COLUMNS : n, PLESK_COLUMNS);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->line = line;
	if (number(f[0], PLESK_VALUE_MAX, &r->dom_id, &why) < 0) {
		ctv_err_set(err, "%s:%u: dom_id '%.32s' %s", name, line, f[0], why);
		return -1;
	}
	if (date(f[1], r) < 0) {
		ctv_err_set(err, "%s:%u: date '%.32s' is not a day as YYYY-MM-DD", name, line, f[1]);
		return -1;
	}
	for (int i = 2; i < PLESK_COLUMNS; i++)
		if (number(f[i], PLESK_VALUE_MAX, &r->v[(i - 2) / 2][(i - 2) % 2], &why) < 0) {
			ctv_err_set(err, "%s:%u: %s '%.32s' %s (bytes: a whole number >= 0)", name,
				    line, columns[i], f[i], why);
			return -1;
		}
	return 0;
}

static int by_domain_day(const void *a, const void *b)
{
	const struct plesk_row *x = a, *y = b;

	if (x->dom_id != y->dom_id)
		return x->dom_id < y->dom_id ? -1 : 1;
	if (x->year != y->year)
		return x->year - y->year;
	if (x->mon != y->mon)
		return x->mon - y->mon;
	if (x->mday != y->mday)
		return x->mday - y->mday;
	return (x->line > y->line) - (x->line < y->line);
}

/* A domain and day given twice would be summed twice: refused. */
static int duplicates(const char *name, struct plesk_rows *rows, struct ctv_err *err)
{
	qsort(rows->r, rows->n, sizeof(*rows->r), by_domain_day);
	for (size_t i = 1; i < rows->n; i++) {
		const struct plesk_row *a = &rows->r[i - 1], *b = &rows->r[i];

		if (a->dom_id == b->dom_id && a->year == b->year && a->mon == b->mon &&
		    a->mday == b->mday) {
			ctv_err_set(err, "%s:%u: domain %llu on %04d-%02d-%02d again (first at line %u)",
				    name, b->line, (unsigned long long)b->dom_id, b->year, b->mon,
				    b->mday, a->line);
			return -1;
		}
	}
	return 0;
}

static int add_row(struct plesk_rows *rows, size_t *cap, const struct plesk_row *r)
{
	if (rows->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct plesk_row *v = realloc(rows->r, nc * sizeof(*v));

		if (!v)
			return -1;
		rows->r = v;
		*cap = nc;
	}
	rows->r[rows->n++] = *r;
	return 0;
}

int plesk_parse(const char *name, const char *buf, size_t len, struct plesk_rows *rows,
		struct ctv_err *err)
{
	struct linefile lf;
	char line[PLESK_LINE_MAX + 1], *f[PLESK_COLUMNS + 1];
	size_t cap = 0;
	int rc;

	memset(rows, 0, sizeof(*rows));
	linefile_init(&lf, buf, len, name, line, PLESK_LINE_MAX);
	while ((rc = linefile_next(&lf, err)) > 0) {
		size_t l = strlen(line);
		struct plesk_row r;
		int n;

		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		if (!l) {
			ctv_err_set(err, "%s:%u: an empty line (one row per line, no blank lines)", name,
				    lf.lineno);
			goto fail;
		}
		n = split_tabs(line, f);
		if (lf.lineno == 1 && is_header(f, n)) {
			rows->header = 1;
			continue;
		}
		if (rows->n == PLESK_ROWS_MAX) {
			ctv_err_set(err, "%s:%u: more than %u rows", name, lf.lineno, PLESK_ROWS_MAX);
			goto fail;
		}
		if (parse_row(name, lf.lineno, f, n, &r, err) < 0)
			goto fail;
		if (add_row(rows, &cap, &r) < 0) {
			ctv_err_sys(err, ENOMEM, "%s", name);
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	if (!rows->n) {
		ctv_err_set(err, "%s: no rows (expected the tab-separated output of 'select dom_id, "
			    "date, http_in, ... from DomainsTraffic')", name);
		goto fail;
	}
	if (duplicates(name, rows, err) < 0)
		goto fail;
	return 0;
fail:
	plesk_rows_free(rows);
	return -1;
}

int plesk_read_file(const char *path, struct plesk_rows *rows, struct ctv_err *err)
{
	char *buf;
	size_t len;
	int rc;

	memset(rows, 0, sizeof(*rows));
	if (linefile_read_input(path, PLESK_FILE_MAX, "a DomainsTraffic listing", &buf, &len, err) < 0)
		return -1;
	rc = plesk_parse(strcmp(path, "-") ? path : "(stdin)", buf, len, rows, err);
	free(buf);
	return rc;
}

void plesk_rows_free(struct plesk_rows *rows)
{
	free(rows->r);
	memset(rows, 0, sizeof(*rows));
}

/* The row's local day [*from, *to). */
static void day_of(const struct plesk_row *r, int64_t *from, int64_t *to)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = r->year - 1900;
	tm.tm_mon = r->mon - 1;
	tm.tm_mday = r->mday;
	tm.tm_hour = 12; /* midday exists every day; its day's start is the floor */
	tm.tm_isdst = -1;
	*from = (int64_t)period_floor(mktime(&tm), PERIOD_DAY);
	*to = (int64_t)period_next((time_t)*from, PERIOD_DAY);
}

static int add_u64(uint64_t *a, uint64_t b)
{
	if (*a > UINT64_MAX - b)
		return -1;
	*a += b;
	return 0;
}

int plesk_sum(const struct plesk_rows *rows, int bounded, int64_t from, int64_t to,
	      struct plesk_sum *s, struct ctv_err *err)
{
	uint64_t last_dom = 0;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < rows->n; i++) { /* sorted by domain, then day */
		const struct plesk_row *r = &rows->r[i];
		int64_t df, dt;

		day_of(r, &df, &dt);
		if (bounded && (df < from || dt > to)) {
			s->left_out++;
			continue;
		}
		if (!s->rows || df < s->from) {
			s->from = df;
			snprintf(s->first, sizeof(s->first), "%04d-%02d-%02d", r->year, r->mon, r->mday);
		}
		if (!s->rows || dt > s->to) {
			s->to = dt;
			snprintf(s->last, sizeof(s->last), "%04d-%02d-%02d", r->year, r->mon, r->mday);
		}
		s->domains += !s->rows || r->dom_id != last_dom;
		last_dom = r->dom_id;
		s->rows++;
		for (int k = 0; k < PLESK_NKINDS; k++)
			for (int d = 0; d < 2; d++)
				if (add_u64(&s->v[k][d], r->v[k][d]) < 0 || add_u64(&s->total, r->v[k][d]) < 0) {
					ctv_err_set(err, "line %u: the sums overflow", r->line);
					return -1;
				}
	}
	if (!s->rows) {
		ctv_err_set(err, "none of the %zu rows has its whole day inside --from/--to", rows->n);
		return -1;
	}
	return 0;
}
