/* history.c - a store's history as a statement (history.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "history.h"

static void counts_add(struct statement_counts *sum, const struct statement_counts *c)
{
	sum->in_bytes += c->in_bytes;
	sum->in_packets += c->in_packets;
	sum->out_bytes += c->out_bytes;
	sum->out_packets += c->out_packets;
}

/* Adds the intervals of key (sub-key sub, or all when < 0) lying wholly in
 * [from, to] (seconds) to *sum, and to sm's interval list when sm is not
 * NULL. */
static int window_sum(struct store *st, const char *key, int sub, int64_t from, int64_t to,
		      struct statement_counts *sum, struct statement *sm, struct ctv_err *err)
{
	struct store_intervals iv;

	if (store_intervals(st, from * 1000, to < INT64_MAX / 1000 ? to * 1000 : INT64_MAX, key,
			    sub, &iv, err) < 0)
		return -1;
	for (size_t i = 0; i < iv.n; i++) {
		struct statement_interval si;
		/* Floors keep the order: a start is never before the previous end. */
		int64_t s = iv.v[i].start_ms / 1000, e = iv.v[i].end_ms / 1000;

		if (s < from || e > to)
			continue;
		memset(&si, 0, sizeof(si));
		si.start = s;
		si.end = e;
		si.c.has_packets = 1;
		si.c.in_bytes = (int64_t)iv.v[i].c.in_bytes;
		si.c.in_packets = (int64_t)iv.v[i].c.in_packets;
		si.c.out_bytes = (int64_t)iv.v[i].c.out_bytes;
		si.c.out_packets = (int64_t)iv.v[i].c.out_packets;
		counts_add(sum, &si.c);
		if (sm && statement_add_interval(sm, &si) < 0) {
			store_intervals_free(&iv);
			ctv_err_sys(err, ENOMEM, "statement");
			errno = ENOMEM;
			return -1;
		}
	}
	store_intervals_free(&iv);
	return 0;
}

/* One class entry per sub-key 0-15 that key has in the whole history. */
static int add_classes(struct store *st, const char *key, int64_t from, int64_t to,
		       struct statement *sm, struct ctv_err *err)
{
	struct store_rows rows = { NULL, 0 };
	struct store_query q;
	int rc = 0;

	store_query_init(&q);
	q.by = PERIOD_TOTAL;
	q.key = key;
	q.by_sub = 1;
	if (store_report(st, &q, &rows, err) < 0)
		return -1;
	sm->has_classes = 1;
	for (size_t i = 0; i < rows.n && sm->nclasses < STATEMENT_CLASSES; i++) {
		struct statement_class *sc = &sm->classes[sm->nclasses];

		if (rows.v[i].sub < 0 || rows.v[i].sub >= STATEMENT_CLASSES)
			continue;
		memset(sc, 0, sizeof(*sc));
		sc->id = rows.v[i].sub;
		sc->c.has_packets = 1;
		if ((rc = window_sum(st, key, sc->id, from, to, &sc->c, NULL, err)) < 0)
			break;
		sm->nclasses++;
	}
	store_rows_free(&rows);
	return rc;
}

int history_statement(struct store *st, const char *key, int classes,
		      const struct history_window *w, struct statement *sm, struct ctv_err *err)
{
	int64_t f = w->have_from ? w->from_ms / 1000 : 0;
	int64_t t = w->have_to ? w->to_ms / 1000 : INT64_MAX / 1000;

	sm->has_intervals = 1;
	sm->totals.has_packets = 1;
	if (classes)
		sm->has_classes = 1;
	if (window_sum(st, key, -1, f, t, &sm->totals, sm, err) < 0)
		return -1;
	if (classes && add_classes(st, key, f, t, sm, err) < 0)
		return -1;
	sm->from = w->have_from ? f : sm->nintervals ? sm->intervals[0].start : 0;
	sm->to = w->have_to ? t : sm->nintervals ? sm->intervals[sm->nintervals - 1].end : sm->from;
	return 0;
}

const char *history_default_ct(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0 || !buf[0])
		snprintf(buf, size, "container");
	buf[size - 1] = '\0';
	return buf;
}
