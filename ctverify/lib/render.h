/* render.h - report rows for people and programs: an aligned table with
 * human units and a totals row, CSV and JSON with raw integers, and an SVG
 * stacked bar chart. Writes to a FILE* the caller gives (stdout, a file,
 * or open_memstream() for a buffer); never knows which.
 */
#ifndef CTV_RENDER_H
#define CTV_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "period.h"
#include "store.h"

enum render_format {
	RENDER_TABLE,
	RENDER_CSV,
	RENDER_JSON,
	RENDER_SVG,
};

/* "table", "csv", "json", "svg" -> *f. Returns 0 or -1. */
int render_format_parse(const char *s, enum render_format *f);

struct render_opts {
	enum render_format format;
	enum period_by by;
	const char *key_name; /* column of the series key: "service" or "ct"; NULL
			       * for none (ctverify report --by-class: the class
			       * is the sub-key) */
	const char *sub_name; /* column of the sub-key ("class"), NULL for none */
	int packets;          /* table and svg: packets too (csv/json always have them) */
	const char *title;    /* table heading and svg title, may be NULL */
};

/* Writes rows (as store_report() returns them) in o->format. Returns 0, or
 * -1 with err set when writing failed. */
int render_rows(FILE *out, const struct store_rows *rows, const struct render_opts *o,
		struct ctv_err *err);

/* Writes v in human units ("512 B", "1.50 KiB", "3.20 GiB") into buf.
 * Returns buf. */
char *render_human(uint64_t v, char *buf, size_t len);

/* The events for people reading a table ("Events:" and one line each:
 * when, kind, series, detail, window); nothing when there are none. */
void render_events(FILE *fp, const struct store_events *ev);

#endif
