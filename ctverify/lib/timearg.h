/* timearg.h - the time arguments every command accepts.
 *
 *   YYYY-MM-DD            local midnight of that day
 *   YYYY-MM-DD HH:MM      local time (TZ honoured)
 *   YYYY-MM-DD HH:MM:SS   local time; 'T' may stand for the space
 *   @EPOCH                seconds since 1970-01-01 UTC
 *
 * A local time that does not exist (skipped by a DST change) is an error;
 * one that exists twice (clocks set back) means its first occurrence.
 */
#ifndef CTV_TIMEARG_H
#define CTV_TIMEARG_H

#include <time.h>

#include "err.h"

/* Parses s into *out. Returns 0, or -1 with err saying what is wrong. */
int timearg_parse(const char *s, time_t *out, struct ctv_err *err);

/* Formats t as local "YYYY-MM-DD HH:MM:SS" into buf. Returns buf. */
char *timearg_format(time_t t, char *buf, size_t len);

#endif
