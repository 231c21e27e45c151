/* node_snapshot.c - ctnode's snapshot (node_snapshot.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect.h"
#include "node_snapshot.h"

#define DB_NAME "ctnode.db"

const char *node_snapshot_statedir(void)
{
	const char *d = getenv("CTNODE_STATEDIR");

	return d && *d ? d : LOCALSTATEDIR "/lib/ctnode";
}

const char *node_snapshot_default_db(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", node_snapshot_statedir(), DB_NAME);
	return path;
}

struct store *node_snapshot_open_store(const char *db, struct ctv_err *err)
{
	if (!strcmp(db, node_snapshot_default_db()))
		mkdir(node_snapshot_statedir(), 0755);
	return store_open(db, STORE_WRITE, err);
}

size_t node_snapshot_samples(const struct node_counters *nc, struct store_sample *smp)
{
	size_t n = 0;

	/* Rows come sorted by ct, class, family: families are adjacent. */
	for (size_t i = 0; i < nc->n; i++) {
		const struct node_counter *v = &nc->v[i];

		if (!n || strcmp(smp[n - 1].key, v->ct) || smp[n - 1].sub != v->cls) {
			memset(&smp[n], 0, sizeof(smp[n]));
			smp[n].key = v->ct;
			smp[n].sub = v->cls;
			n++;
		}
		smp[n - 1].c.in_bytes += v->in_bytes;
		smp[n - 1].c.in_packets += v->in_packets;
		smp[n - 1].c.out_bytes += v->out_bytes;
		smp[n - 1].c.out_packets += v->out_packets;
	}
	return n;
}

/* One reading's buffers, between collect_record()'s read and done. */
struct reading {
	struct node_snapshot *ns;
	struct node_counters nc;
	struct store_sample *smp;
};

static void reading_done(void *arg)
{
	struct reading *rd = arg;

	free(rd->smp);
	rd->smp = NULL;
	node_counters_free(&rd->nc);
}

static int reading_read(void *arg, struct store_reading *r, struct ctv_err *err)
{
	struct reading *rd = arg;
	struct node_snapshot *ns = rd->ns;

	if ((ns->read ? ns->read : node_nft_read)(&rd->nc, err) < 0) {
		if (errno == ENOENT && !ns->gone) {
			struct ctv_err e2;

			ns->gone = 1;
			store_gap_add(ns->st, "the ctnode table is not installed (ctnode setup); "
				      "nothing is counted until it is", &e2);
			errno = ENOENT;
		}
		return -1;
	}
	ns->gone = 0;
	rd->smp = calloc(rd->nc.n + 1, sizeof(*rd->smp));
	if (!rd->smp) {
		reading_done(rd);
		ctv_err_set(err, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	r->samples = rd->smp;
	r->n_samples = node_snapshot_samples(&rd->nc, rd->smp);
	return 0;
}

int node_snapshot_take(struct node_snapshot *ns, struct store_result *res, struct ctv_err *err)
{
	struct reading rd = { ns, { NULL, 0, NULL, 0 }, NULL };
	struct collect_reader reader = { reading_read, reading_done, ns->now, &rd };

	return collect_record(ns->st, &reader, res, err);
}
