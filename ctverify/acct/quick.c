/* quick.c - "ctverify quick": every firewall's INPUT/OUTPUT counters
 * read, the ones that counted chosen, and printed beside the uptime. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buckets.h"
#include "quick.h"

static int rank(const struct quick_source *s)
{
	if (s->failed || !s->q.found)
		return 0;
	return s->q.in_bytes || s->q.out_bytes || s->q.in_packets || s->q.out_packets ? 2 : 1;
}

size_t quick_choose(struct quick_source *src, size_t n)
{
	int best = 0;
	size_t shown = 0;

	for (size_t i = 0; i < n; i++)
		if (rank(&src[i]) > best)
			best = rank(&src[i]);
	for (size_t i = 0; i < n; i++) {
		src[i].shown = best > 0 && rank(&src[i]) == best;
		shown += (size_t)src[i].shown;
	}
	return shown;
}

static const char *label_of(const char *backend)
{
	return !strcmp(backend, "nft") ? "nftables" : !strcmp(backend, "iptables") ?
					 "legacy iptables" : backend;
}

static void read_one(const struct backend *b, struct quick_source *s)
{
	struct ctv_err e = { "" };

	memset(s, 0, sizeof(*s));
	s->backend = b->name;
	s->label = label_of(b->name);
	if (!b->quick) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "cannot read INPUT/OUTPUT counters");
	} else if (b->quick(&s->q, &e) < 0) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "%s", e.msg);
	}
}

int quick_read(const char *bname, struct quick_view *v, struct ctv_err *err)
{
	size_t failed = 0;

	memset(v, 0, sizeof(*v));
	if (bname && strcmp(bname, "auto")) {
		const struct backend *b = backend_find(bname, err);

		if (!b) {
			errno = EINVAL;
			return -1;
		}
		read_one(b, &v->src[v->n++]);
		if (v->src[0].failed) {
			ctv_err_set(err, "%s backend: %s", b->name, v->src[0].error);
			errno = EIO;
			return -1;
		}
	} else {
		for (size_t i = 0; backend_list[i] && v->n < QUICK_MAX_SOURCES; i++) {
			read_one(backend_list[i], &v->src[v->n]);
			failed += (size_t)v->src[v->n++].failed;
		}
		if (failed == v->n) {
			ctv_err_set(err, "%s backend: %s%s", v->src[0].backend, v->src[0].error,
				    v->n > 1 ? " (and every other backend failed too)" : "");
			errno = EIO;
			return -1;
		}
	}
	v->nshown = quick_choose(v->src, v->n);
	/* Nothing to show and a backend that could not be read: that
	 * backend's error is the answer (it may hold the counters). */
	for (size_t i = 0; !v->nshown && i < v->n; i++)
		if (v->src[i].failed) {
			ctv_err_set(err, "%s backend: %s (no other backend has counters)",
				    v->src[i].backend, v->src[i].error);
			errno = EIO;
			return -1;
		}
	return 0;
}

static void print_source(FILE *fp, const struct quick_source *s, int labelled)
{
	char b1[32];

	if (labelled)
		fprintf(fp, "\n%s:\n", s->label);
	fprintf(fp, "received: %s (%" PRIu64 " bytes, %" PRIu64 " packets)\n",
		buckets_human(s->q.in_bytes, b1, sizeof(b1)), s->q.in_bytes, s->q.in_packets);
	fprintf(fp, "sent:     %s (%" PRIu64 " bytes, %" PRIu64 " packets)\n",
		buckets_human(s->q.out_bytes, b1, sizeof(b1)), s->q.out_bytes, s->q.out_packets);
	fprintf(fp, "source:   %s\n", s->q.what);
}

int quick_print(FILE *fp, const struct quick_view *v, double uptime)
{
	if (uptime >= 0) {
		long s = (long)uptime;

		fprintf(fp, "uptime:   %ld days %02ld:%02ld:%02ld (%ld s)\n", s / 86400,
			s / 3600 % 24, s / 60 % 60, s % 60, s);
	}
	if (!v->nshown) {
		for (size_t i = 0; i < v->n; i++)
			if (v->src[i].failed)
				fprintf(fp, "%s: %s.\n", v->src[i].label, v->src[i].error);
			else
				fprintf(fp, "%s.\n", v->src[i].q.what);
		fprintf(fp, "There are no existing counters to estimate from. For per-service\n"
			    "figures, run 'ctverify rules install' and then 'ctverify rules show'.\n");
		return 1;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->src[i].shown)
			print_source(fp, &v->src[i], v->nshown > 1);
	for (size_t i = 0; i < v->n; i++)
		if (v->src[i].failed)
			fprintf(fp, "not read:  %s: %s\n", v->src[i].label, v->src[i].error);
	if (v->nshown > 1)
		fprintf(fp, "\nBoth firewalls count: a packet crossing both hooks is counted by each,\n"
			    "so each figure stands on its own; do not add them.\n");
	fprintf(fp, "\nThese counters include loopback traffic (the container talking to itself,\n"
		    "which the provider never sees or bills), count since they were created or\n"
		    "last zeroed (at the latest since boot, see uptime), not since the start of\n"
		    "the billing period, and are not split by service. For per-service figures\n"
		    "without loopback, run 'ctverify rules install' and then 'ctverify rules show'.\n");
	return 0;
}
