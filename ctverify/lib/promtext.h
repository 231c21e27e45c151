/* promtext.h - the Prometheus text exposition format, as both programs'
 * "metrics" commands print it, and node_exporter's textfile collector
 * directory, which must only ever see whole files.
 *
 * Writing to the textfile directory: promtext_open() creates
 * DIR/NAME.prom.tmp (the collector reads only *.prom, so it never sees a
 * file being written), the caller prints into pf->f, promtext_commit()
 * flushes, fsyncs and renames it to DIR/NAME.prom, and fsyncs DIR: a
 * scrape sees the old file or the new one, also after a crash. */
#ifndef CTV_PROMTEXT_H
#define CTV_PROMTEXT_H

#include <stdio.h>

#include "err.h"
#include "store.h"

struct promtext_file {
	FILE *f;
	char tmp[4096];  /* DIR/NAME.prom.tmp */
	char path[4096]; /* DIR/NAME.prom */
	char dir[4096];
};

/* Creates (truncates) DIR/NAME.prom.tmp for writing. Returns 0, or -1 with
 * errno and err naming the path. */
int promtext_open(struct promtext_file *pf, const char *dir, const char *name,
		  struct ctv_err *err);

/* Makes what was written DIR/NAME.prom (flush, fsync, rename, fsync of
 * DIR). Returns 0, or -1 with errno and err; the temporary file is then
 * removed and DIR/NAME.prom is as it was. pf->f is closed either way. */
int promtext_commit(struct promtext_file *pf, struct ctv_err *err);

/* Closes and removes the temporary file (after an error while printing). */
void promtext_abort(struct promtext_file *pf);

/* The "# HELP" and "# TYPE" lines of a metric family. type is "counter" or
 * "gauge"; help must not contain a newline or a backslash. */
void promtext_family(FILE *out, const char *name, const char *type, const char *help);

/* The history store's two figures, prefix_last_snapshot_timestamp_seconds
 * (gauge: the wall clock of the last snapshot) and prefix_gap_events_total
 * (counter: "gap" events, windows the counters were not observed). The
 * store is read in place, read-only. Returns 0 (printing nothing when the
 * store has no snapshot yet), or -1 with err. */
int promtext_store_figures(FILE *out, const char *prefix, struct store *st, struct ctv_err *err);

/* Prints a metric family's samples (the caller's counters) to out. */
typedef void (*promtext_body_fn)(FILE *out, const void *arg);

/* One whole exposition, as a "metrics" command writes it: body(out, arg),
 * then the store figures of the store at db (none when that file does not
 * exist: no collector yet), with metric names starting with name. To out,
 * or, when dir is not NULL, atomically to DIR/NAME.prom (promtext_open,
 * promtext_commit; on error the old file stays). Returns 0 or -1 with err. */
int promtext_write(FILE *out, const char *dir, const char *name, const char *db,
		   promtext_body_fn body, const void *arg, struct ctv_err *err);

#endif
