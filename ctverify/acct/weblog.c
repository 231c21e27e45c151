/* weblog.c - Common/Combined Log Format response sizes, summed. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weblog.h"

#define WEBLOG_MAX_SIZE ((uint64_t)1 << 50) /* a petabyte per response: a typo, not a response */

/* n decimal digits, n at most 18 so the value fits. */
static int digits(const char *s, size_t n, int64_t *v)
{
	int64_t x = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no time zone or
 * libc involved: the log carries its own offset). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int weblog_parse_time(const char *s, size_t len, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t day, year, hh, mm, ss, oh, om;
	int mon = -1;

	/* dd/Mon/yyyy:HH:MM:SS +zzzz */
	if (len != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' ||
	    s[17] != ':' || s[20] != ' ' || (s[21] != '+' && s[21] != '-'))
		return -1;
	for (int i = 0; i < 12; i++)
		if (memcmp(s + 3, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0 || digits(s, 2, &day) < 0 || digits(s + 7, 4, &year) < 0 ||
	    digits(s + 12, 2, &hh) < 0 || digits(s + 15, 2, &mm) < 0 ||
	    digits(s + 18, 2, &ss) < 0 || digits(s + 22, 2, &oh) < 0 ||
	    digits(s + 24, 2, &om) < 0)
		return -1;
	if (day < 1 || day > mdays[mon] || hh > 23 || mm > 59 || ss > 60 || oh > 23 || om > 59)
		return -1;
	*out = days_from_civil(year, mon + 1, day) * 86400 + hh * 3600 + mm * 60 + ss -
	       (s[21] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	return 0;
}

/* Skips one space-separated field. */
static const char *field(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != ' ')
		q++;
	if (q == p || q >= end)
		return NULL;
	return q + 1;
}

/* One line: 0 with *t and *size, or -1 with what is wrong in why. */
static int parse_line(const char *p, const char *end, int64_t *t, uint64_t *size,
		      const char **why)
{
	const char *q;
	int64_t status, v;

	/* host ident user, or Apache's vhost_combined with "vhost:port"
	 * first. */
	for (int i = 0; i < 4 && !(i == 3 && p < end && *p == '['); i++) {
		if (!(p = field(p, end))) {
			*why = "expected host, ident and user before the time";
			return -1;
		}
	}
	if (p >= end || *p != '[' || !(q = memchr(p, ']', (size_t)(end - p)))) {
		*why = "expected the time in brackets";
		return -1;
	}
	if (weblog_parse_time(p + 1, (size_t)(q - p - 1), t) < 0) {
		*why = "time is not dd/Mon/yyyy:HH:MM:SS +zzzz";
		return -1;
	}
	p = q + 1;
	if (end - p < 2 || p[0] != ' ' || p[1] != '"') {
		*why = "expected the quoted request after the time";
		return -1;
	}
	/* The request may contain \" (Apache escapes quotes). */
	for (p += 2; p < end && *p != '"'; p++)
		if (*p == '\\' && p + 1 < end)
			p++;
	if (p >= end) {
		*why = "unterminated request string";
		return -1;
	}
	p++;
	if (p >= end || *p != ' ') {
		*why = "expected the status after the request";
		return -1;
	}
	p++;
	for (q = p; q < end && *q != ' '; q++)
		;
	if (q - p != 3 || digits(p, 3, &status) < 0) {
		*why = "status is not a three-digit number";
		return -1;
	}
	if (q >= end) {
		*why = "expected the response size after the status";
		return -1;
	}
	p = q + 1;
	for (q = p; q < end && *q != ' '; q++)
		;
	if (q - p == 1 && *p == '-') {
		*size = 0;
		return 0;
	}
	if (q - p > 16 || digits(p, (size_t)(q - p), &v) < 0 || (uint64_t)v > WEBLOG_MAX_SIZE) {
		*why = "response size is not a number of bytes or '-'";
		return -1;
	}
	*size = (uint64_t)v;
	return 0;
}

/* One file's progress: lines are fed one at a time, so a file is read as
 * a stream (access logs run to gigabytes) and a buffer the same way. */
struct reader {
	const char *name;
	int64_t from, to;
	struct weblog_sum s; /* the caller's sum plus this file so far */
	uint64_t bad, lines;
	unsigned long lineno;
	char first[CTV_ERR_MAX];
};

static void feed(struct reader *r, const char *p, const char *le)
{
	const char *why = NULL;
	int64_t t;
	uint64_t size;

	r->lineno++;
	if (le > p && le[-1] == '\r')
		le--;
	if (le == p)
		return;
	r->lines++;
	if (parse_line(p, le, &t, &size, &why) < 0) {
		if (!r->bad++)
			snprintf(r->first, sizeof(r->first), "%s:%lu: %s", r->name, r->lineno, why);
	} else if (r->from < r->to && (t < r->from || t >= r->to)) {
		r->s.outside++;
	} else {
		r->s.bytes += size;
		r->s.requests++;
	}
}

/* A line longer than WEBLOG_LINE_MAX is malformed, like any other bad
 * line, and never held in memory whole. */
static void feed_long(struct reader *r)
{
	r->lineno++;
	r->lines++;
	if (!r->bad++)
		snprintf(r->first, sizeof(r->first), "%s:%lu: a line longer than %d bytes",
			 r->name, r->lineno, WEBLOG_LINE_MAX);
}

/* The next line of f into buf (WEBLOG_LINE_MAX bytes; its newline
 * dropped): its length, -1 at the end of the file, -2 for a longer line
 * (the rest of it is skipped). NUL bytes are kept, as getline would. */
static long next_line(FILE *f, char *buf)
{
	long n = 0;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n == WEBLOG_LINE_MAX) {
			while ((c = getc_unlocked(f)) != EOF && c != '\n')
				;
			return -2;
		}
		buf[n++] = (char)c;
	}
	return c == EOF && n == 0 ? -1 : n;
}

/* Applies the tolerance; on success the file's figures join *sum. */
static int finish(struct reader *r, struct weblog_sum *sum, struct ctv_err *err)
{
	if (r->bad > r->lines / 100) {
		ctv_err_set(err, "%s (%" PRIu64 " of %" PRIu64 " lines malformed, more than 1%%)",
			    r->first, r->bad, r->lines);
		return -1;
	}
	r->s.lines += r->lines;
	r->s.malformed += r->bad;
	if (r->bad && !r->s.first_bad[0])
		snprintf(r->s.first_bad, sizeof(r->s.first_bad), "%s", r->first);
	*sum = r->s;
	return 0;
}

static void reader_init(struct reader *r, const char *name, int64_t from, int64_t to,
			const struct weblog_sum *sum)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->from = from;
	r->to = to;
	r->s = *sum;
}

int weblog_parse(const char *text, size_t len, const char *name, int64_t from, int64_t to,
		 struct weblog_sum *sum, struct ctv_err *err)
{
	struct reader r;
	const char *p = text, *end = text + len;

	reader_init(&r, name, from, to, sum);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if ((nl ? nl : end) - p > WEBLOG_LINE_MAX)
			feed_long(&r);
		else
			feed(&r, p, nl ? nl : end);
		p = nl ? nl + 1 : end;
	}
	return finish(&r, sum, err);
}

int weblog_read_file(const char *path, int64_t from, int64_t to, struct weblog_sum *sum,
		     struct ctv_err *err)
{
	FILE *f = fopen(path, "r");
	struct reader r;
	char *line = malloc(WEBLOG_LINE_MAX);
	long n;
	int rc;

	if (!f || !line) {
		ctv_err_sys(err, f ? ENOMEM : errno, "%s", path);
		free(line);
		if (f)
			fclose(f);
		return -1;
	}
	reader_init(&r, path, from, to, sum);
	errno = 0;
	while ((n = next_line(f, line)) != -1) {
		if (n == -2)
			feed_long(&r);
		else
			feed(&r, line, line + n);
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		free(line);
		fclose(f);
		ctv_err_sys(err, e, "%s", path);
		return -1;
	}
	free(line);
	fclose(f);
	rc = finish(&r, sum, err);
	return rc;
}
