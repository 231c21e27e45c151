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

/* The live counters of the rules we installed, in the saved spec's order
 * (local, the services, other), read through the backend bopt names (NULL
 * or "auto": the one the saved state names, see backend_choose()). *used
 * is the backend read from. Returns 0; -1 with err when no such backend
 * is there (*used NULL) or its read failed (*used set). */
int buckets_read(const char *bopt, struct ctv_counters *c, const struct backend **used,
		 struct ctv_err *err);

/* The counters in the Prometheus text exposition format: the families
 * ctverify_bytes_total and ctverify_packets_total, labels service and
 * direction (in = received by the container). c is a struct ctv_counters
 * (the signature of a promtext body). */
void buckets_print_metrics(FILE *fp, const void *c);

/* The rates between two readings secs apart, per bucket of cur (a bucket
 * prev lacks shows 0; a counter that went back counts from zero). For a
 * terminal (every > 0: the update interval in seconds) the screen is
 * cleared and a table drawn; otherwise one line per bucket: "HH:MM:SS NAME
 * in=BYTES out=BYTES in_rate=R out_rate=R". */
void buckets_print_rates(FILE *fp, const struct ctv_counters *prev, const struct ctv_counters *cur,
			 double secs, unsigned long every);

/* What "rules install" says when it is done: the services and backend,
 * the classes mirrored, the counters of buckets that left the spec. */
void buckets_print_installed(FILE *fp, const char *backend, const struct svcspec *spec,
			     const struct ctv_counters *removed);

#endif
