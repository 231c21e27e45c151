/* period.h - grouping times into local hours, days, months and years.
 *
 * Periods follow local time (TZ honoured), like the reference query's
 * strftime(..., 'localtime'): a DST day has 23 or 25 hours, and an hour
 * that occurs twice is two periods, labelled with their zone abbreviation
 * so the rows stay distinct.
 */
#ifndef CTV_PERIOD_H
#define CTV_PERIOD_H

#include <stddef.h>
#include <time.h>

enum period_by {
	PERIOD_HOUR,
	PERIOD_DAY,
	PERIOD_MONTH,
	PERIOD_YEAR,
	PERIOD_TOTAL,
};

/* "hour", "day", "month", "year", "total" -> *by. Returns 0 or -1. */
int period_by_parse(const char *s, enum period_by *by);

const char *period_by_name(enum period_by by);

/* Start of the period containing t. For PERIOD_TOTAL, the earliest time. */
time_t period_floor(time_t t, enum period_by by);

/* Start of the period after the one starting at start. */
time_t period_next(time_t start, enum period_by by);

/* Writes the period's label: "2014-02-11 15:00", "2013-09-01", "2013-01",
 * "2013" or "total". Returns 0, or -1 if buf is too small. */
int period_label(time_t start, enum period_by by, char *buf, size_t len);

#endif
