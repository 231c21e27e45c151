/* history.c - a store's history as a statement (history.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

#include "cidr.h"
#include "history.h"

static void counts_add(struct statement_counts *sum, const struct statement_counts *c)
{
	sum->in_bytes += c->in_bytes;
	sum->in_packets += c->in_packets;
	sum->out_bytes += c->out_bytes;
	sum->out_packets += c->out_packets;
}

/* Adds the intervals of key (sub-key sub, or all when < 0) lying wholly in
 * [from, to] (milliseconds) to *sum, and to sm's interval list when sm is
 * not NULL. */
static int window_sum(struct store *st, const char *key, int sub, int64_t from, int64_t to,
		      struct statement_counts *sum, struct statement *sm, struct ctv_err *err)
{
	struct store_intervals iv;

	if (store_intervals(st, from, to, key, sub, &iv, err) < 0)
		return -1;
	for (size_t i = 0; i < iv.n; i++) {
		struct statement_interval si;
		int64_t s = iv.v[i].start_ms, e = iv.v[i].end_ms;

		if (s < from || e > to)
			continue;
		memset(&si, 0, sizeof(si));
		/* Floors keep the order: a start is never before the previous end. */
		si.start = s / 1000;
		si.end = e / 1000;
		si.start_ms = s;
		si.end_ms = e;
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
	int64_t f = w->have_from ? w->from_ms : 0;
	int64_t t = w->have_to ? w->to_ms : INT64_MAX;

	sm->has_intervals = 1;
	sm->totals.has_packets = 1;
	if (classes)
		sm->has_classes = 1;
	if (window_sum(st, key, -1, f, t, &sm->totals, sm, err) < 0)
		return -1;
	if (classes && add_classes(st, key, f, t, sm, err) < 0)
		return -1;
	sm->from_ms = w->have_from ? f : sm->nintervals ? sm->intervals[0].start_ms : 0;
	sm->to_ms = w->have_to ? t : sm->nintervals ? sm->intervals[sm->nintervals - 1].end_ms :
						  sm->from_ms;
	sm->has_ms = 1;
	statement_fill_times(sm);
	return 0;
}

int history_networks(struct statement *sm, const struct classes *cls, struct ctv_err *err)
{
	sm->networks = calloc(cls->n + 1, sizeof(*sm->networks));
	if (!sm->networks) {
		ctv_err_sys(err, ENOMEM, "statement");
		return -1;
	}
	for (size_t i = 0; i < cls->n; i++) {
		struct cidr c;

		memset(&c, 0, sizeof(c));
		c.family = cls->nets[i].family;
		c.prefix = cls->nets[i].prefix;
		memcpy(c.addr, cls->nets[i].addr, sizeof(c.addr));
		sm->networks[i].class = cls->nets[i].cls;
		cidr_format(&c, sm->networks[i].cidr, sizeof(sm->networks[i].cidr));
	}
	sm->n_networks = cls->n;
	sm->has_networks = 1;
	return 0;
}

const char *history_default_ct(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0 || !buf[0])
		snprintf(buf, size, "container");
	buf[size - 1] = '\0';
	return buf;
}
