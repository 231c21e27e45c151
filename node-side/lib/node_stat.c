/* node_stat.c - the kernel counters in vznetstat's layout (node_stat.h). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "node_stat.h"
#include "promtext.h"

static const char *human(uint64_t v, int round, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (!round || v < 1024) {
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c", d, units[u]);
	return buf;
}

static int wanted(const struct node_stat_filter *f, const char *ct)
{
	if (!f->ncts)
		return 1;
	for (size_t j = 0; j < f->ncts; j++)
		if (!strcmp(f->cts[j], ct))
			return 1;
	return 0;
}

long node_stat_rows(const struct node_counters *nc, const struct node_stat_filter *f,
		    struct node_stat_row **out)
{
	struct node_stat_row *rows = calloc(nc->n * CLASSES_MAX + 1, sizeof(*rows));
	size_t nrows = 0;

	if (!rows)
		return -1;
	for (size_t i = 0; i < nc->n; i++) {
		const struct node_counter *k = &nc->v[i];
		struct node_stat_row *r = NULL;

		if (!wanted(f, k->ct))
			continue;
		/* A new container: with -a, lay out all 16 classes now. */
		if ((!nrows || strcmp(rows[nrows - 1].ct, k->ct)) && f->all)
			for (unsigned x = 0; x < CLASSES_MAX; x++) {
				snprintf(rows[nrows].ct, sizeof(rows[nrows].ct), "%s", k->ct);
				rows[nrows++].cls = x;
			}
		if (f->all) {
			for (size_t j = nrows - CLASSES_MAX; j < nrows; j++)
				if (rows[j].cls == k->cls)
					r = &rows[j];
		} else if (nrows && !strcmp(rows[nrows - 1].ct, k->ct) && rows[nrows - 1].cls == k->cls) {
			r = &rows[nrows - 1];
		}
		if (!r) {
			r = &rows[nrows++];
			snprintf(r->ct, sizeof(r->ct), "%s", k->ct);
			r->cls = k->cls;
		}
		if (f->family && k->family != f->family)
			continue;
		r->ib += k->in_bytes;
		r->ip += k->in_packets;
		r->ob += k->out_bytes;
		r->op += k->out_packets;
	}
	*out = rows;
	return (long)nrows;
}

void node_stat_print(FILE *fp, const struct node_stat_row *rows, size_t n,
		     const struct node_stat_filter *f, int round, int json)
{
	int width = 10;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows[i].ct) > width)
			width = (int)strlen(rows[i].ct);
	if (json)
		fputs("[", fp);
	else
		fprintf(fp, "%-*s %9s %15s %12s %15s %12s\n", width, "CTID", "Net.Class",
			"Input(bytes)", "Input(pkts)", "Output(bytes)", "Output(pkts)");
	for (size_t i = 0, shown = 0; i < n; i++) {
		const struct node_stat_row *r = &rows[i];
		char a[32], b[32], x[32], y[32];

		if (f->classes && !(f->classes & (1u << r->cls)))
			continue;
		if (json)
			fprintf(fp, "%s\n  {\"ct\": \"%s\", \"class\": %u, \"in_bytes\": %" PRIu64
				", \"in_packets\": %" PRIu64 ", \"out_bytes\": %" PRIu64
				", \"out_packets\": %" PRIu64 "}", shown ? "," : "",
				r->ct, r->cls, r->ib, r->ip, r->ob, r->op);
		else
			fprintf(fp, "%-*s %9u %15s %12s %15s %12s\n", width, r->ct, r->cls,
				human(r->ib, round, a, sizeof(a)), human(r->ip, round, b, sizeof(b)),
				human(r->ob, round, x, sizeof(x)), human(r->op, round, y, sizeof(y)));
		shown++;
	}
	if (json)
		fputs("\n]\n", fp);
}

static void metrics_family(FILE *fp, const struct node_counters *nc, const char *name,
			   const char *help, int bytes)
{
	promtext_family(fp, name, "counter", help);
	for (size_t i = 0; i < nc->n; i++) {
		const struct node_counter *k = &nc->v[i];
		const char *fam = k->family == AF_INET ? "ipv4" : "ipv6";

		/* Container ids are [A-Za-z0-9._-]: nothing to escape. */
		fprintf(fp, "%s{ct=\"%s\",class=\"%u\",direction=\"in\",family=\"%s\"} %" PRIu64 "\n",
			name, k->ct, k->cls, fam, bytes ? k->in_bytes : k->in_packets);
		fprintf(fp, "%s{ct=\"%s\",class=\"%u\",direction=\"out\",family=\"%s\"} %" PRIu64 "\n",
			name, k->ct, k->cls, fam, bytes ? k->out_bytes : k->out_packets);
	}
}

void node_stat_print_metrics(FILE *fp, const void *nc)
{
	metrics_family(fp, nc, "ctnode_bytes_total",
		       "L3 bytes (IP header included) counted by the node's kernel per container, network class and direction.", 1);
	metrics_family(fp, nc, "ctnode_packets_total",
		       "Packets counted by the node's kernel per container, network class and direction.", 0);
	node_stat_print_hooked(fp, nc);
}

void node_stat_print_hooked(FILE *fp, const struct node_counters *nc)
{
	if (!nc->nhooks)
		return;
	promtext_family(fp, "ctnode_container_hooked", "gauge",
			"1 when the kernel hooks the device of a container counted by its device, 0 when the device is missing or not hooked (nothing of it is counted).");
	for (size_t i = 0; i < nc->nhooks; i++)
		fprintf(fp, "ctnode_container_hooked{ct=\"%s\",dev=\"%s\"} %d\n", nc->hooks[i].ct,
			nc->hooks[i].dev, nc->hooks[i].hooked);
}
