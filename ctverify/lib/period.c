#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "period.h"

#define TIME_T_MIN ((time_t)(sizeof(time_t) == 8 ? INT64_MIN : INT32_MIN))
#define TIME_T_MAX ((time_t)(sizeof(time_t) == 8 ? INT64_MAX : INT32_MAX))

static const char *const by_names[] = {
	[PERIOD_HOUR] = "hour",
	[PERIOD_DAY] = "day",
	[PERIOD_MONTH] = "month",
	[PERIOD_YEAR] = "year",
	[PERIOD_TOTAL] = "total",
};

int period_by_parse(const char *s, enum period_by *by)
{
	for (size_t i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++) {
		if (s && strcmp(s, by_names[i]) == 0) {
			*by = (enum period_by)i;
			return 0;
		}
	}
	return -1;
}

const char *period_by_name(enum period_by by)
{
	return (unsigned)by < sizeof(by_names) / sizeof(by_names[0]) ? by_names[by] : "?";
}

/* Local midnight of the day, month or year given in tm (fields below the
 * unit already cleared). A midnight skipped by DST becomes the first
 * moment of that day, which is what mktime() normalises it to. */
static time_t local_start(struct tm *tm)
{
	tm->tm_hour = 0;
	tm->tm_min = 0;
	tm->tm_sec = 0;
	tm->tm_isdst = -1;
	return mktime(tm);
}

time_t period_floor(time_t t, enum period_by by)
{
	struct tm tm;

	if (by == PERIOD_TOTAL)
		return TIME_T_MIN;
	if (!localtime_r(&t, &tm))
		return t;
	switch (by) {
	case PERIOD_HOUR:
		/* Subtracting the minutes and seconds keeps the occurrence of
		 * a repeated hour that t is in, and works for zones whose
		 * offset is not a whole number of hours. */
		return t - tm.tm_min * 60 - tm.tm_sec;
	case PERIOD_DAY:
		break;
	case PERIOD_MONTH:
		tm.tm_mday = 1;
		break;
	case PERIOD_YEAR:
		tm.tm_mday = 1;
		tm.tm_mon = 0;
		break;
	case PERIOD_TOTAL:
		break;
	}
	return local_start(&tm);
}

time_t period_next(time_t start, enum period_by by)
{
	struct tm tm;

	if (by == PERIOD_TOTAL)
		return TIME_T_MAX;
	if (by == PERIOD_HOUR) {
		time_t n = period_floor(start + 3600, PERIOD_HOUR);

		/* An hour stretched by a 30-minute DST change can floor back. */
		return n > start ? n : start + 3600;
	}
	if (!localtime_r(&start, &tm))
		return start + 86400;
	switch (by) {
	case PERIOD_DAY:
		tm.tm_mday += 1;
		break;
	case PERIOD_MONTH:
		tm.tm_mday = 1;
		tm.tm_mon += 1;
		break;
	case PERIOD_YEAR:
		tm.tm_mday = 1;
		tm.tm_mon = 0;
		tm.tm_year += 1;
		break;
	default:
		break;
	}
	return local_start(&tm);
}

/* Whether the same local hour as start also occurs at another instant
 * (clocks set back). */
static int hour_repeats(time_t start, const struct tm *tm)
{
	for (int delta = -7200; delta <= 7200; delta += 1800) {
		struct tm o;
		time_t t = start + delta;

		if (delta == 0 || !localtime_r(&t, &o))
			continue;
		if (o.tm_hour == tm->tm_hour && o.tm_mday == tm->tm_mday &&
		    o.tm_isdst != tm->tm_isdst)
			return 1;
	}
	return 0;
}

int period_label(time_t start, enum period_by by, char *buf, size_t len)
{
	const char *fmt;
	struct tm tm;

	if (by == PERIOD_TOTAL)
		return snprintf(buf, len, "total") < (int)len ? 0 : -1;
	if (!localtime_r(&start, &tm))
		return -1;
	switch (by) {
	case PERIOD_HOUR:
		fmt = hour_repeats(start, &tm) ? "%Y-%m-%d %H:00 %Z" : "%Y-%m-%d %H:00";
		break;
	case PERIOD_DAY:
		fmt = "%Y-%m-%d";
		break;
	case PERIOD_MONTH:
		fmt = "%Y-%m";
		break;
	default:
		fmt = "%Y";
		break;
	}
	return strftime(buf, len, fmt, &tm) == 0 ? -1 : 0;
}
