/* buckets.h - the buckets' live counters ("rules show", "quick") written
 * to a caller's FILE: a table in human units with a totals row, or a JSON
 * array of {name, in_bytes, in_packets, out_bytes, out_packets}. */
#ifndef CTV_BUCKETS_H
#define CTV_BUCKETS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"

/* bytes for people: "512 B", "1.5 KiB", "20.0 GiB" (1024-based, one
 * decimal). */
const char *buckets_human(uint64_t bytes, char *buf, size_t size);

void buckets_print_table(FILE *fp, const struct ctv_counters *c);

/* Returns 0, or -1 when memory ran out or writing failed. */
int buckets_print_json(FILE *fp, const struct ctv_counters *c);

#endif
