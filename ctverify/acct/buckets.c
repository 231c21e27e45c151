/* buckets.c - the live buckets for people and programs (buckets.h). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "buckets.h"

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

void buckets_print_table(FILE *fp, const struct ctv_counters *c)
{
	struct ctv_counter tot = { .name = "total" };
	char b1[32], b2[32];
	int w = 7;

	for (size_t i = 0; i < c->n; i++) {
		if ((int)strlen(c->c[i].name) > w)
			w = (int)strlen(c->c[i].name);
		tot.in_bytes += c->c[i].in_bytes;
		tot.in_packets += c->c[i].in_packets;
		tot.out_bytes += c->c[i].out_bytes;
		tot.out_packets += c->c[i].out_packets;
	}
	fprintf(fp, "%-*s  %12s  %12s  %12s  %12s\n", w, "service", "in", "in pkts", "out", "out pkts");
	for (size_t i = 0; i <= c->n; i++) {
		const struct ctv_counter *x = i < c->n ? &c->c[i] : &tot;

		if (i == c->n)
			fprintf(fp, "%-*s  %12s  %12s  %12s  %12s\n", w, "", "------------", "------------",
			       "------------", "------------");
		fprintf(fp, "%-*s  %12s  %12llu  %12s  %12llu\n", w, x->name,
		       buckets_human(x->in_bytes, b1, sizeof(b1)), (unsigned long long)x->in_packets,
		       buckets_human(x->out_bytes, b2, sizeof(b2)), (unsigned long long)x->out_packets);
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
