/* buckets.c - the live buckets for people and programs (buckets.h). */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buckets.h"
#include "render.h"
#include "store.h"
#include "promtext.h"
#include "rulechange.h"
#include "svcspec.h"

const char *buckets_human(uint64_t bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

/* One table: the buckets of kind cls (0 the services, 1 the class
 * buckets, 1 each packet counted once more by its node class) and their
 * total. */
static void print_part(FILE *fp, const struct ctv_counters *c, int cls, int w)
{
	struct ctv_counter tot = { .name = "total" };
	char b1[32], b2[32];

	fprintf(fp, "%-*s  %12s  %12s  %12s  %12s\n", w, cls ? "class" : "service", "in", "in pkts",
		"out", "out pkts");
	for (size_t i = 0; i <= c->n; i++) {
		const struct ctv_counter *x = i < c->n ? &c->c[i] : &tot;

		if (i < c->n && (store_series_is_class(x->name) >= 0) != cls)
			continue;
		if (i < c->n) {
			tot.in_bytes += x->in_bytes;
			tot.in_packets += x->in_packets;
			tot.out_bytes += x->out_bytes;
			tot.out_packets += x->out_packets;
		} else {
			fprintf(fp, "%-*s  %12s  %12s  %12s  %12s\n", w, "", "------------",
				"------------", "------------", "------------");
		}
		fprintf(fp, "%-*s  %12s  %12llu  %12s  %12llu\n", w, x->name,
		       buckets_human(x->in_bytes, b1, sizeof(b1)), (unsigned long long)x->in_packets,
		       buckets_human(x->out_bytes, b2, sizeof(b2)), (unsigned long long)x->out_packets);
	}
}

void buckets_print_table(FILE *fp, const struct ctv_counters *c)
{
	int w = 7, classes = 0;

	for (size_t i = 0; i < c->n; i++) {
		if ((int)strlen(c->c[i].name) > w)
			w = (int)strlen(c->c[i].name);
		classes |= store_series_is_class(c->c[i].name) >= 0;
	}
	print_part(fp, c, 0, w);
	if (classes) {
		fprintf(fp, "\nthe node's classes (every non-loopback packet once more):\n");
		print_part(fp, c, 1, w);
	}
}

int buckets_print_json(FILE *fp, const struct ctv_counters *c)
{
	json_t *a = json_array();

	if (!a)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "name", c->c[i].name,
				      "in_bytes", (json_int_t)c->c[i].in_bytes,
				      "in_packets", (json_int_t)c->c[i].in_packets,
				      "out_bytes", (json_int_t)c->c[i].out_bytes,
				      "out_packets", (json_int_t)c->c[i].out_packets);
		int cls = store_series_is_class(c->c[i].name);

		if (o && cls >= 0 && json_object_set_new(o, "class", json_integer(cls)) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return -1;
		}
	}
	if (json_dumpf(a, fp, JSON_INDENT(2)) < 0) {
		json_decref(a);
		return -1;
	}
	fputc('\n', fp);
	json_decref(a);
	return 0;
}

int buckets_read(const char *bopt, struct ctv_counters *c, const struct backend **used,
		 struct ctv_err *err)
{
	struct svcspec spec;
	char saved[64];

	svcspec_init(&spec);
	if (rulechange_saved(saved, sizeof(saved), &spec) < 0)
		saved[0] = '\0';
	*used = backend_choose(bopt, saved[0] ? saved : NULL, err);
	if (!*used || (*used)->read(c, err) < 0) {
		svcspec_free(&spec);
		return -1;
	}
	ctv_counters_order(c, &spec);
	svcspec_free(&spec);
	return 0;
}

static void metrics_family(FILE *fp, const struct ctv_counters *c, const char *name,
			   const char *help, int bytes)
{
	int classes = !strncmp(name, "ctverify_class_", 15), any = !classes;

	if (!classes)
		promtext_family(fp, name, "counter", help);

	for (size_t i = 0; i < c->n; i++) {
		const struct ctv_counter *k = &c->c[i];
		int cls = store_series_is_class(k->name);
		char label[48];

		if ((cls >= 0) != classes)
			continue;
		if (!any++)
			promtext_family(fp, name, "counter", help);
		/* Service names are [A-Za-z0-9_.-]: nothing to escape. */
		if (classes)
			snprintf(label, sizeof(label), "class=\"%d\"", cls);
		else
			snprintf(label, sizeof(label), "service=\"%.32s\"", k->name);
		fprintf(fp, "%s{%s,direction=\"in\"} %" PRIu64 "\n", name, label,
			bytes ? k->in_bytes : k->in_packets);
		fprintf(fp, "%s{%s,direction=\"out\"} %" PRIu64 "\n", name, label,
			bytes ? k->out_bytes : k->out_packets);
	}
}

void buckets_print_metrics(FILE *fp, const void *c)
{
	metrics_family(fp, c, "ctverify_bytes_total",
		       "IP bytes (header included) counted by the container's rules per service and direction.", 1);
	metrics_family(fp, c, "ctverify_packets_total",
		       "Packets counted by the container's rules per service and direction.", 0);
	metrics_family(fp, c, "ctverify_class_bytes_total",
		       "IP bytes (header included) per node class (rules install --classes) and direction; loopback is in no class.", 1);
	metrics_family(fp, c, "ctverify_class_packets_total",
		       "Packets per node class (rules install --classes) and direction.", 0);
}

static char *rate(uint64_t bytes, double secs, char *buf, size_t len)
{
	render_human(secs > 0 ? (uint64_t)((double)bytes / secs) : 0, buf, len);
	if (strlen(buf) + 2 < len)
		strcat(buf, "/s");
	return buf;
}

void buckets_print_rates(FILE *fp, const struct ctv_counters *prev, const struct ctv_counters *cur,
			 double secs, unsigned long every)
{
	char tbuf[32], ib[32], ob[32];
	time_t wall = time(NULL);
	struct tm tm;

	localtime_r(&wall, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	if (every)
		fprintf(fp, "\033[H\033[2J%s  every %lu s (Ctrl-C to stop)\n\n%-24s %14s %14s\n",
			tbuf, every, "service", "in", "out");
	for (size_t i = 0; i < cur->n; i++) {
		struct store_counts a, z, d;

		z = (struct store_counts){ cur->c[i].in_bytes, cur->c[i].in_packets,
					   cur->c[i].out_bytes, cur->c[i].out_packets };
		a = z; /* a bucket not seen before shows 0 */
		for (size_t j = 0; j < prev->n; j++)
			if (!strcmp(prev->c[j].name, cur->c[i].name)) {
				a = (struct store_counts){ prev->c[j].in_bytes, prev->c[j].in_packets,
							   prev->c[j].out_bytes, prev->c[j].out_packets };
				break;
			}
		store_delta(&a, &z, &d);
		rate(d.in_bytes, secs, ib, sizeof(ib));
		rate(d.out_bytes, secs, ob, sizeof(ob));
		if (every)
			fprintf(fp, "%-24s %14s %14s\n", cur->c[i].name, ib, ob);
		else
			fprintf(fp, "%s %s in=%" PRIu64 " out=%" PRIu64 " in_rate=%s out_rate=%s\n",
				tbuf, cur->c[i].name, d.in_bytes, d.out_bytes, ib, ob);
	}
}

void buckets_print_installed(FILE *fp, const char *backend, const struct svcspec *spec,
			     const struct ctv_counters *removed)
{
	int ids[CLASSES_MAX], n = svcspec_class_ids(spec, ids);

	fprintf(fp, "installed %zu service(s) with the %s backend\n", spec->n, backend);
	if (n > 0)
		fprintf(fp, "mirrored the node's classes: %d class bucket(s), %zu network(s)\n", n,
			spec->classes.n);
	for (size_t i = 0; i < removed->n; i++) {
		const struct ctv_counter *x = &removed->c[i];

		fprintf(fp, "counters of '%s' removed (it is no longer in the spec): "
			"in %llu bytes %llu packets, out %llu bytes %llu packets\n", x->name,
			(unsigned long long)x->in_bytes, (unsigned long long)x->in_packets,
			(unsigned long long)x->out_bytes, (unsigned long long)x->out_packets);
	}
}
