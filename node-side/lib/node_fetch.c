/* node_fetch.c - our counter objects read by name: one hash lookup each in
 * the kernel, where one dump of them all is quadratic (the kernel walks the
 * table's list of objects from its start again for each 32 KiB part it
 * sends: 93 s for 600,000 counters). The names are what setup makes of the
 * containers the counter maps name and the classes the class chains show;
 * the table's use count (its chains, maps and objects) says whether that
 * found every counter, else the one dump reads them (node_read_counters). */
#include "config.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "node_int.h"

/* The names to ask for: every container id found x every (family, class)
 * the table (or the plan) has x both directions. */
struct fetch {
	struct nfnl *nl;
	char (*ids)[CONTAINERS_ID_MAX + 1];
	size_t nids, cap;
	uint16_t used[2];
	int fams[2 * CLASSES_MAX];
	unsigned cls[2 * CLASSES_MAX];
	size_t npairs;
	int legacy; /* a map names a counter the way earlier versions did */
	int oom;
	struct raw_list *out;
};

static int add_id(struct fetch *f, const char *id)
{
	if (f->nids == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 256;
		void *nv = realloc(f->ids, ncap * sizeof(*f->ids));

		if (!nv) {
			f->oom = 1;
			return -1;
		}
		f->ids = nv;
		f->cap = ncap;
	}
	snprintf(f->ids[f->nids++], sizeof(*f->ids), "%s", id);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Sorted, each id once. */
static void ids_unique(struct fetch *f)
{
	size_t k = 0;

	if (f->nids)
		qsort(f->ids, f->nids, sizeof(*f->ids), id_cmp);
	for (size_t i = 0; i < f->nids; i++)
		if (!k || strcmp(f->ids[k - 1], f->ids[i]))
			memmove(f->ids[k++], f->ids[i], sizeof(*f->ids));
	f->nids = k;
}

static int ref_cb(struct nftnl_set_elem *e, void *data)
{
	struct fetch *f = data;
	const char *ref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	int dir, fam, legacy;

	if (!ref || node_parse_name(ref, ct, &cls, &dir, &fam, &legacy) < 0)
		return 0;
	f->legacy |= legacy;
	return add_id(f, ct);
}

struct elems_walk {
	int (*fn)(struct nftnl_set_elem *e, void *data);
	void *data;
	int *oom;
};

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems_walk *w = data;
	struct nftnl_set *set = nftnl_set_alloc();
	int r = MNL_CB_OK;

	if (!set || nftnl_set_elems_nlmsg_parse(nlh, set) < 0 ||
	    nftnl_set_elem_foreach(set, w->fn, w->data) < 0)
		r = !set || *w->oom ? MNL_CB_ERROR : MNL_CB_OK;
	if (!set)
		*w->oom = 1;
	nftnl_set_free(set);
	return r;
}

int node_map_elems(struct nfnl *nl, const char *map, int (*fn)(struct nftnl_set_elem *e, void *data),
		   void *data, int *oom, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct elems_walk w = { fn, data, oom };
	struct nlmsghdr *nlh = nfnl_elems_req(nl, buf, FAMILY, NODE_NFT_TABLE, map);

	if (!nlh) {
		*oom = 1;
		ctv_err_sys(err, ENOMEM, "reading map %s", map);
		return -1;
	}
	return nfnl_dump(nl, nlh, elems_cb, NULL, &w, "the counter maps", err);
}

/* "in4_c3", "out6_c15": a class chain (node_nft.c class_chain_name). */
static int class_chain(const char *name, int *f, unsigned *cls)
{
	char dir[4], fam;
	int end = 0;

	if (sscanf(name, "%3[a-z]%c_c%u%n", dir, &fam, cls, &end) != 3 || name[end] ||
	    (strcmp(dir, "in") && strcmp(dir, "out")) || (fam != '4' && fam != '6') ||
	    *cls == 0 || *cls >= CLASSES_MAX)
		return -1;
	*f = fam == '4' ? F4 : F6;
	return 0;
}

/* The containers: those the counter maps of each family's first class
 * name (every bridged container is in each device map, every routed one
 * in the address maps of its addresses' families). */
static int find_ids(struct fetch *f, const struct nfnl_names *sets, struct ctv_err *err)
{
	static const char *const kind[] = { "dev", "addr" };

	for (int fam = F4; fam <= F6; fam++) {
		unsigned c = 1;
		char map[64];

		while (c < CLASSES_MAX && !(f->used[fam] & (1u << c)))
			c++;
		if (c == CLASSES_MAX)
			continue;
		for (int k = 0; k < 2; k++) {
			snprintf(map, sizeof(map), "in%c_c%u_%s", fam == F4 ? '4' : '6', c, kind[k]);
			if (nfnl_names_has(sets, map) &&
			    node_map_elems(f->nl, map, ref_cb, f, &f->oom, err) < 0)
				return -1;
		}
	}
	return 0;
}

static struct nlmsghdr *get_req(void *data, size_t i, char *buf)
{
	struct fetch *f = data;
	size_t per = f->npairs * 2, p = (i % per) / 2;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;
	char name[128];

	if (!o)
		return NULL;
	node_counter_name(name, sizeof(name), f->ids[i / per], f->cls[p], (int)(i % 2) ? DIR_OUT : DIR_IN,
			  f->fams[p] == F4 ? AF_INET : AF_INET6);
	nlh = nfnl_req(f->nl, buf, NFT_MSG_GETOBJ, FAMILY, 0);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NODE_NFT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	return nlh;
}

static int got_cb(const struct nlmsghdr *nlh, void *data)
{
	return node_raw_obj_cb(nlh, ((struct fetch *)data)->out);
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (g && nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0 && nftnl_table_is_set(t, NFTNL_TABLE_USE))
		*(uint32_t *)data = nftnl_table_get_u32(t, NFTNL_TABLE_USE);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

/* The ruleset's generation, 0 if unknown. */
static uint32_t generation(struct nfnl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t gen = 0;
	struct ctv_err e;

	nfnl_get(nl, nfnl_req(nl, buf, NFT_MSG_GETGEN, AF_UNSPEC, 0), gen_cb, &gen, "generation", &e);
	return gen;
}

/* Our table's use count: its chains, maps and objects. Returns 0, 1 when
 * the table is absent, -1 with err. */
static int table_use(struct nfnl *nl, uint32_t *use, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		ctv_err_sys(err, ENOMEM, "nftables");
		return -1;
	}
	*use = UINT32_MAX;
	nlh = nfnl_req(nl, buf, NFT_MSG_GETTABLE, FAMILY, 0);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NODE_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (nfnl_get(nl, nlh, table_cb, use, "looking for table netdev " NODE_NFT_TABLE, err) < 0) {
		if (errno != ENOENT)
			return -1;
		ctv_err_clear(err);
		return 1;
	}
	return 0;
}

/* The (family, class) pairs: the table's class chains, and the plan's. */
static void classes_of(struct fetch *f, const struct nfnl_names *chains, const struct node_plan *p)
{
	for (size_t i = 0; i < chains->n; i++) {
		unsigned cls;
		int fam;

		if (class_chain(chains->v[i], &fam, &cls) == 0)
			f->used[fam] |= (uint16_t)(1u << cls);
	}
	if (p) {
		f->used[F4] |= p->used[F4];
		f->used[F6] |= p->used[F6];
	}
	for (int fam = F4; fam <= F6; fam++)
		for (unsigned c = 1; c < CLASSES_MAX; c++)
			if (f->used[fam] & (1u << c)) {
				f->fams[f->npairs] = fam;
				f->cls[f->npairs++] = c;
			}
}

/* Reads by name into out. Returns 0 when out holds every counter of the
 * table, 2 when it may not (the caller dumps them), 1 when the table is
 * absent, -1 with err. */
static int fetch_by_name(struct fetch *f, const struct node_plan *p, struct raw_list *out,
			 struct ctv_err *err)
{
	struct nfnl_names chains = { 0 }, sets = { 0 };
	uint32_t gen = generation(f->nl), use;
	size_t missing;
	int r = table_use(f->nl, &use, err);

	if (r != 0)
		return r;
	r = -1;
	if (nfnl_dump_names(f->nl, FAMILY, NODE_NFT_TABLE, NFNL_CHAIN, &chains, err) < 0 ||
	    nfnl_dump_names(f->nl, FAMILY, NODE_NFT_TABLE, NFNL_SET, &sets, err) < 0)
		goto out;
	classes_of(f, &chains, p);
	if (find_ids(f, &sets, err) < 0)
		goto out;
	for (size_t i = 0; p && i < p->n && !f->oom; i++)
		add_id(f, p->cts[i].ct->id);
	if (f->oom) {
		ctv_err_sys(err, ENOMEM, "reading our counters");
		goto out;
	}
	ids_unique(f);
	f->out = out;
	if (nfnl_get_each(f->nl, f->nids * f->npairs * 2, get_req, got_cb, f, &missing,
			  "our counters", err) < 0 || out->oom) {
		if (out->oom)
			ctv_err_sys(err, ENOMEM, "reading our counters");
		goto out;
	}
	/* Every object of the table found, and nothing changed meanwhile. */
	r = f->legacy || use != chains.n + sets.n + out->n || !gen || generation(f->nl) != gen ? 2 : 0;
out:
	nfnl_names_free(&chains);
	nfnl_names_free(&sets);
	return r;
}

int node_read_counters(struct nfnl *nl, const struct node_plan *p, struct raw_list *out,
		       struct ctv_err *err)
{
	struct fetch f;
	struct nfnl own;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	/* A socket of its own: a failure leaves no answers on nl. */
	if (nfnl_open(&own, err) < 0)
		return -1;
	f.nl = &own;
	r = fetch_by_name(&f, p, out, err);
	nfnl_close(&own);
	free(f.ids);
	if (r == 0 || r == 1)
		return r;
	free(out->v);
	ctv_err_clear(err);
	return node_dump_counters(nl, out, err);
}
