/* Fuzz target for the statement reader: any bytes either parse into a
 * statement that passes statement_check() and survives a dump and re-read
 * unchanged, or fail with a message that names the input. Never a crash.
 * The reader walks the document itself to stream "intervals"; jansson
 * parsing the whole text is the reference for what is valid JSON: the two
 * must agree on syntax, and on how many intervals there are. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_counts(const struct statement_counts *a, const struct statement_counts *b)
{
	return a->in_bytes == b->in_bytes && a->out_bytes == b->out_bytes &&
	       a->has_packets == b->has_packets &&
	       (!a->has_packets || (a->in_packets == b->in_packets &&
				    a->out_packets == b->out_packets));
}

static int is_syntax_error(const char *msg)
{
	int line, col, n = 0;

	return sscanf(msg, "fuzz:%d:%d: JSON:%n", &line, &col, &n) == 2 && n > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statement st, again;
	struct ctv_err err;
	char *text;

	json_error_t jerr;
	json_t *whole = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
				   &jerr);

	if (statement_parse((const char *)data, size, "fuzz", &st, &err) < 0) {
		if (strncmp(err.msg, "fuzz", 4) != 0)
			abort();
		/* Valid JSON must not be refused as a JSON syntax error
		 * (jansson lets a raw NUL pass between tokens; we do not):
		 * "fuzz:LINE:COLUMN: JSON: ...", not ": JSON: " quoted from a
		 * value in another message. */
		if (whole && is_syntax_error(err.msg) && !memchr(data, 0, size))
			abort();
		json_decref(whole);
		statement_free(&st);
		return 0;
	}
	if (!whole || !json_is_object(whole))
		abort();
	if (json_array_size(json_object_get(whole, "intervals")) != st.nintervals)
		abort();
	json_decref(whole);
	if (statement_check(&st, &err) < 0)
		abort();
	text = statement_dump(&st, &err);
	if (!text)
		abort();
	if (statement_parse(text, strlen(text), "again", &again, &err) < 0)
		abort();
	if (again.source != st.source || strcmp(again.ct, st.ct) != 0 ||
	    again.from != st.from || again.to != st.to ||
	    !same_counts(&again.totals, &st.totals) || again.packets_inexact != st.packets_inexact ||
	    again.has_classes != st.has_classes || again.nclasses != st.nclasses ||
	    again.has_intervals != st.has_intervals || again.nintervals != st.nintervals ||
	    again.has_ms != st.has_ms || again.from_ms != st.from_ms || again.to_ms != st.to_ms ||
	    again.has_networks != st.has_networks || again.n_networks != st.n_networks)
		abort();
	for (size_t i = 0; i < st.n_networks; i++)
		if (again.networks[i].class != st.networks[i].class ||
		    strcmp(again.networks[i].cidr, st.networks[i].cidr) != 0)
			abort();
	for (size_t i = 0; i < st.nclasses; i++)
		if (again.classes[i].id != st.classes[i].id ||
		    !same_counts(&again.classes[i].c, &st.classes[i].c))
			abort();
	for (size_t i = 0; i < st.nintervals; i++)
		if (again.intervals[i].start != st.intervals[i].start ||
		    again.intervals[i].end != st.intervals[i].end ||
		    again.intervals[i].start_ms != st.intervals[i].start_ms ||
		    again.intervals[i].end_ms != st.intervals[i].end_ms ||
		    !same_counts(&again.intervals[i].c, &st.intervals[i].c))
			abort();
	free(text);
	statement_free(&st);
	statement_free(&again);
	return 0;
}
