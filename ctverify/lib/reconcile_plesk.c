/* reconcile_plesk.c - container vs Plesk's DomainsTraffic rows, column
 * by column (see reconcile_plesk.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reconcile_int.h"
#include "reconcile_plesk.h"
#include "render.h"
#include "strbuf.h"

void reconcile_plesk_groups(const struct reconcile_plesk *p, unsigned masks[PLESK_NKINDS])
{
	int changed = 1;

	for (int k = 0; k < PLESK_NKINDS; k++)
		masks[k] = 1u << k;
	while (changed) { /* joins until stable: at most PLESK_NKINDS rounds */
		changed = 0;
		for (size_t i = 0; i < p->nbuckets; i++) {
			unsigned m = p->buckets[i].kinds, all = m;

			for (int k = 0; k < PLESK_NKINDS; k++)
				if (m & (1u << k))
					all |= masks[k];
			for (int k = 0; k < PLESK_NKINDS; k++)
				if ((all & (1u << k)) && masks[k] != all) {
					masks[k] = all;
					changed = 1;
				}
		}
	}
}

/* "smtp+pop3_imap" */
static void group_name(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < PLESK_NKINDS; k++)
		if ((mask & (1u << k)) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "+" : "",
						 plesk_kind_name((enum plesk_kind)k));
}

/* What a group of columns and its services counted. */
struct group {
	unsigned mask;
	uint64_t ct_in, ct_out, pk_in, pk_out, pkt_in, pkt_out, sub_in;
	char services[RECONCILE_WHY_MAX];
	char subs[RECONCILE_NAME_MAX * 2]; /* the submission services' names */
};

static void group_sum(const struct reconcile_plesk *p, unsigned mask, struct group *g)
{
	size_t used = 0;

	memset(g, 0, sizeof(*g));
	g->mask = mask;
	for (int k = 0; k < PLESK_NKINDS; k++)
		if (mask & (1u << k)) {
			g->pk_in += p->sum.v[k][0];
			g->pk_out += p->sum.v[k][1];
		}
	for (size_t i = 0; i < p->nbuckets; i++) {
		const struct reconcile_plesk_bucket *b = &p->buckets[i];

		if (!b->kinds || !(b->kinds & mask))
			continue;
		g->ct_in += b->b.c.in_bytes;
		g->ct_out += b->b.c.out_bytes;
		g->pkt_in += b->b.c.in_packets;
		g->pkt_out += b->b.c.out_packets;
		if (b->submission) {
			size_t n = strlen(g->subs);

			g->sub_in += b->b.c.in_bytes;
			snprintf(g->subs + n, sizeof(g->subs) - n, "%s'%s'", n ? ", " : "", b->b.name);
		}
		if (used < sizeof(g->services)) /* a long list is cut at the buffer */
			used += (size_t)snprintf(g->services + used, sizeof(g->services) - used,
						 "%s'%s' (%s)", used ? ", " : "", b->b.name, b->ports);
	}
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The causes of one group: what its services counted beyond its columns.
 * Headers first (every packet has them, exactly), then submitted mail
 * (counted twice only if it was relayed: a guess bounded by the rest). */
static int group_causes(struct reconcile_result *res, const struct group *g)
{
	char name[48], d[RECONCILE_DETAIL_MAX];
	uint64_t ct = g->ct_in + g->ct_out, pk = g->pk_in + g->pk_out, left, hin, hout, take;

	if (ct <= pk)
		return 0;
	left = ct - pk;
	group_name(g->mask, name, sizeof(name));
	hin = min64(g->pkt_in * RECONCILE_PLESK_HEADER, left);
	hout = min64(g->pkt_out * RECONCILE_PLESK_HEADER, left - hin);
	left -= hin + hout;
	snprintf(d, sizeof(d), "%s: services %s counted %" PRIu64 " B in, %" PRIu64 " B out; "
		 "Plesk's %s columns %" PRIu64 " B in, %" PRIu64 " B out: the logs record payloads, "
		 "not the %u B of TCP/IP headers (IPv4 20 + TCP 20 + timestamps 12) of each of the "
		 "%" PRIu64 " + %" PRIu64 " packets", name, g->services, g->ct_in, g->ct_out, name,
		 g->pk_in, g->pk_out, RECONCILE_PLESK_HEADER, g->pkt_in, g->pkt_out);
	if ((hin || hout) &&
	    !reconcile_cause_add(res, "log_overhead", RECONCILE_CONTAINER_PLESK, 1, 0, hin, hout, d))
		return -1;
	take = min64(g->sub_in, left);
	if (!take || !(g->mask & (1u << PLESK_SMTP)))
		return 0;
	snprintf(d, sizeof(d), "%s: %" PRIu64 " B received on the submission ports (465, 587) by "
		 "%s, %" PRIu64 " B of it beyond the headers: messages users submit enter here and "
		 "leave again on port 25, so the container counts each twice and Plesk's smtp_out "
		 "once", name, g->sub_in, g->subs, take);
	return reconcile_cause_add(res, "mail_submission", RECONCILE_CONTAINER_PLESK, 1, 0, take, 0,
				   d) ? 0 : -1;
}

/* Buckets that carry no Plesk column: nothing of theirs is in any log. */
static int unlogged(struct reconcile_result *res, const struct reconcile_plesk_bucket *b)
{
	char d[RECONCILE_DETAIL_MAX];
	const char *why;

	if (b->kinds || (!b->b.c.in_bytes && !b->b.c.out_bytes))
		return 0;
	if (b->b.flags & RECONCILE_LOCAL)
		why = "loopback: never a request to a domain";
	else if (b->b.flags & RECONCILE_OWNER)
		why = "connections opened by a local user (CGI, PHP, updates) are in no log Plesk reads";
	else
		why = "no Plesk column counts it: not a web, FTP, SMTP, POP3 or IMAP port";
	snprintf(d, sizeof(d), "store bucket '%s'%s%s%s: %" PRIu64 " B in, %" PRIu64 " B out; %s",
		 b->b.name, b->ports[0] ? " (" : "", b->ports, b->ports[0] ? ")" : "",
		 b->b.c.in_bytes, b->b.c.out_bytes, why);
	return reconcile_cause_add(res, "weblog_unlogged", RECONCILE_CONTAINER_PLESK, 1, 0,
				   b->b.c.in_bytes, b->b.c.out_bytes, d) ? 0 : -1;
}

int reconcile_plesk_explain(const struct reconcile_input *in, struct reconcile_result *res)
{
	const struct reconcile_plesk *p = in->plesk;
	struct reconcile_cmp *c = &res->cmp[RECONCILE_CONTAINER_PLESK];
	unsigned masks[PLESK_NKINDS];

	c->present = 1;
	for (size_t i = 0; i < p->nbuckets; i++)
		c->a.out_bytes += p->buckets[i].b.c.in_bytes + p->buckets[i].b.c.out_bytes;
	c->b.out_bytes = p->sum.total;
	c->a_from_ms = p->from_ms;
	c->a_to_ms = p->to_ms;
	c->b_from_ms = p->sum.from * 1000;
	c->b_to_ms = p->sum.to * 1000;
	for (size_t i = 0; i < p->nbuckets; i++)
		if (unlogged(res, &p->buckets[i]) < 0)
			return -1;
	reconcile_plesk_groups(p, masks);
	for (int k = 0; k < PLESK_NKINDS; k++) {
		struct group g;

		if ((masks[k] & ((1u << k) - 1)) != 0)
			continue; /* the group was done at its first column */
		group_sum(p, masks[k], &g);
		if (group_causes(res, &g) < 0)
			return -1;
	}
	reconcile_settle(in, res, RECONCILE_CONTAINER_PLESK);
	return 0;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The window in words; sep goes between the rows' days and the
 * container's intervals ("; " or a newline and indent). */
static void window_text(const struct reconcile_plesk *p, struct strbuf *t, const char *sep)
{
	char a[32], b[32];
	time_t f = (time_t)(p->from_ms / 1000), e = (time_t)(p->to_ms / 1000);
	struct tm tf, te;

	localtime_r(&f, &tf);
	localtime_r(&e, &te);
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tf);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &te);
	strbuf_printf(t, "the Plesk rows' days, %s to %s in local time (%zu %s, %zu %s)%s",
		      p->sum.first, p->sum.last, p->sum.rows, plural(p->sum.rows, "row", "rows"),
		      p->sum.domains, plural(p->sum.domains, "domain", "domains"),
		      p->bounded ? ", intersected with --from/--to" : "");
	if (p->sum.left_out)
		strbuf_printf(t, "; %zu %s left out: %s day is not wholly inside --from/--to",
			      p->sum.left_out, plural(p->sum.left_out, "row", "rows"),
			      plural(p->sum.left_out, "its", "their"));
	strbuf_printf(t, "%sthe container's %zu %s %s to %s", sep, p->intervals,
		      plural(p->intervals, "interval", "intervals"), a, b);
}

void reconcile_plesk_table(FILE *fp, const struct reconcile_plesk *p)
{
	struct strbuf t;
	unsigned masks[PLESK_NKINDS];
	char h[4][32];

	strbuf_init(&t, RECONCILE_DETAIL_MAX);
	window_text(p, &t, "\n          ");
	fprintf(fp, "  window: %s\n\n", t.s ? t.s : "");
	strbuf_free(&t);
	reconcile_plesk_groups(p, masks);
	fprintf(fp, "  %-22s %12s %12s %12s %12s  %s\n", "Plesk columns", "plesk in", "plesk out",
		"container in", "container out", "carried by");
	for (int k = 0; k < PLESK_NKINDS; k++) {
		struct group g;
		char name[48];

		if ((masks[k] & ((1u << k) - 1)) != 0)
			continue;
		group_sum(p, masks[k], &g);
		group_name(masks[k], name, sizeof(name));
		fprintf(fp, "  %-22s %12s %12s %12s %12s  %s\n", name,
			render_human(g.pk_in, h[0], sizeof(h[0])), render_human(g.pk_out, h[1], sizeof(h[1])),
			render_human(g.ct_in, h[2], sizeof(h[2])), render_human(g.ct_out, h[3], sizeof(h[3])),
			g.services[0] ? g.services : "no installed service carries it");
	}
	fprintf(fp, "\n");
}

void reconcile_plesk_json(json_t *o, const struct reconcile_plesk *p)
{
	json_t *cols = json_array(), *w = json_object();
	unsigned masks[PLESK_NKINDS];
	struct strbuf t;

	strbuf_init(&t, RECONCILE_DETAIL_MAX);
	window_text(p, &t, "; ");
	json_object_set_new(o, "file", json_string(p->file));
	json_object_set_new(w, "first_day", json_string(p->sum.first));
	json_object_set_new(w, "last_day", json_string(p->sum.last));
	json_object_set_new(w, "from", json_integer(p->sum.from));
	json_object_set_new(w, "to", json_integer(p->sum.to));
	json_object_set_new(w, "container_from_ms", json_integer(p->from_ms));
	json_object_set_new(w, "container_to_ms", json_integer(p->to_ms));
	json_object_set_new(w, "rows", json_integer((json_int_t)p->sum.rows));
	json_object_set_new(w, "domains", json_integer((json_int_t)p->sum.domains));
	json_object_set_new(w, "rows_left_out", json_integer((json_int_t)p->sum.left_out));
	json_object_set_new(w, "detail", json_string(t.s ? t.s : ""));
	json_object_set_new(o, "window", w);
	strbuf_free(&t);
	reconcile_plesk_groups(p, masks);
	for (int k = 0; k < PLESK_NKINDS; k++) {
		json_t *c = json_object();
		struct group g;
		char name[48];

		group_sum(p, masks[k], &g);
		group_name(masks[k], name, sizeof(name));
		json_object_set_new(c, "column", json_string(plesk_kind_name((enum plesk_kind)k)));
		json_object_set_new(c, "in_bytes", json_integer((json_int_t)p->sum.v[k][0]));
		json_object_set_new(c, "out_bytes", json_integer((json_int_t)p->sum.v[k][1]));
		json_object_set_new(c, "compared_as", json_string(name));
		json_object_set_new(c, "container_in_bytes", json_integer((json_int_t)g.ct_in));
		json_object_set_new(c, "container_out_bytes", json_integer((json_int_t)g.ct_out));
		json_object_set_new(c, "services", json_string(g.services));
		json_array_append_new(cols, c);
	}
	json_object_set_new(o, "columns", cols);
}
