/* plesk_input.c - the container's side of --plesk FILE (plesk_input.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plesk_input.h"

#define WIDE_RANGE 16 /* ports: a range wider than this is no Plesk service */

static int port_kind(unsigned port)
{
	static const struct { unsigned port; enum plesk_kind kind; } map[] = {
		{ 80, PLESK_HTTP }, { 443, PLESK_HTTP }, { 20, PLESK_FTP }, { 21, PLESK_FTP },
		{ 989, PLESK_FTP }, { 990, PLESK_FTP }, { 25, PLESK_SMTP }, { 465, PLESK_SMTP },
		{ 587, PLESK_SMTP }, { 110, PLESK_POP3_IMAP }, { 143, PLESK_POP3_IMAP },
		{ 993, PLESK_POP3_IMAP }, { 995, PLESK_POP3_IMAP },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].port == port)
			return (int)map[i].kind;
	return -1;
}

/* Appends ",PORT" to a list. */
static void add_port(char *list, size_t len, unsigned port)
{
	size_t used = strlen(list);

	if (used < len)
		snprintf(list + used, len - used, "%s%u", used ? "," : "", port);
}

/* The kinds of the ports in r[0..n): -1 when a range is too wide. */
static int ports_kinds(const struct svc_portrange *r, size_t n, char *yes, char *no, size_t len,
		       unsigned *kinds, int *only_submission)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].last - r[i].first >= WIDE_RANGE)
			return -1;
		for (unsigned p = r[i].first; p <= r[i].last; p++) {
			int k = port_kind(p);

			add_port(k >= 0 ? yes : no, len, p);
			if (k >= 0)
				*kinds |= 1u << k;
			if (p != 465 && p != 587)
				*only_submission = 0;
		}
	}
	return 0;
}

unsigned plesk_input_kinds(const struct svc *s, int *submission, char *ports, size_t len)
{
	char yes[96] = "", no[96] = "", names[48] = "";
	unsigned kinds = 0;
	int only_sub = 1;
	const char *which = "lport";

	*submission = 0;
	ports[0] = '\0';
	if (!s || s->n_peers || svcspec_is_owner(s) || s->proto == SVC_PROTO_UDP ||
	    s->proto == SVC_PROTO_ICMP)
		return 0;
	if (s->n_lports) {
		if (ports_kinds(s->lports, s->n_lports, yes, no, sizeof(yes), &kinds, &only_sub) < 0)
			return 0;
	} else if (s->n_rports) {
		which = "rport";
		if (ports_kinds(s->rports, s->n_rports, yes, no, sizeof(yes), &kinds, &only_sub) < 0 ||
		    kinds != 1u << PLESK_SMTP || no[0])
			return 0; /* only an MTA relaying out carries a column by rport */
		only_sub = 0;
	}
	if (!kinds)
		return 0;
	for (int k = 0; k < PLESK_NKINDS; k++)
		if (kinds & (1u << k)) {
			size_t used = strlen(names);

			snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
				 plesk_kind_name((enum plesk_kind)k));
		}
	*submission = which[0] == 'l' && only_sub;
	snprintf(ports, len, "%s %s: %s%s%s%s", which, yes, names,
		 which[0] == 'r' ? ", mail relayed out" : "", no[0] ? "; no Plesk column for " : "",
		 no);
	return kinds;
}

static int map_buckets(struct plesk_input *pi, const struct reconcile_knowledge *k,
		       struct ctv_err *err)
{
	pi->b = calloc(pi->g.nbuckets + 1, sizeof(*pi->b));
	if (!pi->b) {
		ctv_err_sys(err, ENOMEM, "reconcile");
		return -1;
	}
	for (size_t i = 0; i < pi->g.nbuckets; i++) {
		struct reconcile_plesk_bucket *b = &pi->b[i];
		const struct svc *s = NULL;

		b->b = pi->g.buckets[i];
		for (size_t j = 0; k->spec && j < k->spec->n; j++)
			if (!strcmp(k->spec->svcs[j].name, b->b.name))
				s = &k->spec->svcs[j];
		b->kinds = plesk_input_kinds(s, &b->submission, b->ports, sizeof(b->ports));
	}
	pi->p.buckets = pi->b;
	pi->p.nbuckets = pi->g.nbuckets;
	return 0;
}

int plesk_input_read(const char *file, int bounded, int64_t from, int64_t to,
		     struct plesk_input *pi, struct ctv_err *err)
{
	memset(pi, 0, sizeof(*pi));
	pi->p.file = file;
	pi->p.bounded = bounded;
	if (plesk_read_file(file, &pi->rows, err) < 0)
		return -1;
	if (plesk_sum(&pi->rows, bounded, from, to, &pi->p.sum, err) < 0) {
		ctv_err_prefix(err, "%s", file);
		return -1;
	}
	return 0;
}

int plesk_input_gather(struct store *st, const struct reconcile_knowledge *k,
		       struct plesk_input *pi, struct ctv_err *err)
{
	struct reconcile_input tmp;

	memset(&tmp, 0, sizeof(tmp));
	if (reconcile_input_gather(st, &tmp, pi->p.sum.from * 1000, pi->p.sum.to * 1000, &pi->g,
				   err) < 0) {
		ctv_err_prefix(err, "%s: the rows' days %s to %s", pi->p.file, pi->p.sum.first,
			       pi->p.sum.last);
		return -1;
	}
	reconcile_input_flag(pi->g.buckets, pi->g.nbuckets, k);
	pi->p.from_ms = pi->g.spans[tmp.span_lo].start_ms;
	pi->p.to_ms = pi->g.spans[tmp.span_hi - 1].end_ms;
	pi->p.intervals = tmp.span_hi - tmp.span_lo;
	return map_buckets(pi, k, err);
}

void plesk_input_free(struct plesk_input *pi)
{
	plesk_rows_free(&pi->rows);
	reconcile_gathered_free(&pi->g);
	free(pi->b);
	memset(pi, 0, sizeof(*pi));
}
