#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timearg.h"

#define TIMEARG_FORMS "expected YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' or @EPOCH"

/* Reads exactly n digits; returns -1 if they are not all there. */
static int digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

static int days_in_month(int year, int month)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : mdays[month - 1];
}

static int parse_epoch(const char *s, time_t *out, struct ctv_err *err)
{
	const char *digits_start = s + 1;
	char *end;
	long long v;

	if (*digits_start == '\0' || !(isdigit((unsigned char)*digits_start) ||
				       (*digits_start == '-' &&
					isdigit((unsigned char)digits_start[1])))) {
		ctv_err_set(err, "'%s': @ must be followed by seconds since 1970", s);
		return -1;
	}
	errno = 0;
	v = strtoll(digits_start, &end, 10);
	if (errno == ERANGE || *end != '\0' || (sizeof(time_t) < sizeof(v) &&
						(v > INT32_MAX || v < INT32_MIN))) {
		ctv_err_set(err, "'%s': not a valid epoch time", s);
		return -1;
	}
	*out = (time_t)v;
	return 0;
}

int timearg_parse(const char *s, time_t *out, struct ctv_err *err)
{
	const char *p = s;
	int year, mon, day, hour = 0, min = 0, sec = 0;
	struct tm tm, back;
	time_t t;

	if (!s || !*s) {
		ctv_err_set(err, "empty time: " TIMEARG_FORMS);
		return -1;
	}
	if (*s == '@')
		return parse_epoch(s, out, err);

	year = digits(&p, 4);
	if (year < 0 || *p++ != '-' || (mon = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (day = digits(&p, 2)) < 0) {
		ctv_err_set(err, "'%s': " TIMEARG_FORMS, s);
		return -1;
	}
	if (*p == ' ' || *p == 'T') {
		p++;
		if ((hour = digits(&p, 2)) < 0 || *p++ != ':' || (min = digits(&p, 2)) < 0) {
			ctv_err_set(err, "'%s': " TIMEARG_FORMS, s);
			return -1;
		}
		if (*p == ':') {
			p++;
			if ((sec = digits(&p, 2)) < 0) {
				ctv_err_set(err, "'%s': " TIMEARG_FORMS, s);
				return -1;
			}
		}
	}
	if (*p != '\0') {
		ctv_err_set(err, "'%s': unexpected '%s' after the time; " TIMEARG_FORMS, s, p);
		return -1;
	}
	if (year < 1970) {
		ctv_err_set(err, "'%s': year %d is before 1970", s, year);
		return -1;
	}
	if (mon < 1 || mon > 12) {
		ctv_err_set(err, "'%s': month must be 01-12", s);
		return -1;
	}
	if (day < 1 || day > days_in_month(year, mon)) {
		ctv_err_set(err, "'%s': %04d-%02d has no day %02d", s, year, mon, day);
		return -1;
	}
	if (hour > 23 || min > 59 || sec > 59) {
		ctv_err_set(err, "'%s': time of day must be 00:00:00-23:59:59", s);
		return -1;
	}

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	back = tm;
	t = mktime(&tm);
	if (t == (time_t)-1) {
		/* (-1 is also 1969-12-31 23:59:59 UTC, a time we never accept.) */
		ctv_err_set(err, "'%s': cannot be represented as a time", s);
		return -1;
	}
	/* mktime() moves a time skipped by DST forward; we refuse it instead. */
	if (tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min ||
	    tm.tm_mday != back.tm_mday) {
		ctv_err_set(err, "'%s': this local time does not exist "
			    "(skipped by a daylight-saving change)", s);
		return -1;
	}
	/* Of a time that occurs twice, take the first (summer-time) occurrence. */
	if (!tm.tm_isdst) {
		struct tm alt = back;
		time_t t2;

		alt.tm_isdst = 1;
		t2 = mktime(&alt);
		if (t2 != (time_t)-1 && alt.tm_isdst && t2 < t &&
		    alt.tm_hour == back.tm_hour && alt.tm_min == back.tm_min &&
		    alt.tm_mday == back.tm_mday)
			t = t2;
	}
	*out = t;
	return 0;
}

char *timearg_format(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}
