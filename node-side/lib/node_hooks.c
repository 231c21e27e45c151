/* node_hooks.c - which containers of our table are hooked now: the
 * devices the counter maps name (bridged containers), checked against the
 * devices the base chains hook and the devices that exist. */
#include "config.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/set.h>

#include "node_index.h"
#include "node_int.h"

/* What the dumps found: hooked devices per hook, (ct, dev) pairs. */
struct hooks_seen {
	char (*ing)[IF_NAMESIZE], (*egr)[IF_NAMESIZE];
	size_t ning, negr;
	struct node_hook *v;
	size_t n;
	int oom;
};

/* Room for item n: the capacity doubles at 1, 2, 4, ... items. */
static int grow(void **v, size_t n, size_t size)
{
	void *nv;

	if (n & (n - 1))
		return 0;
	nv = realloc(*v, (n ? 2 * n : 1) * size);
	if (!nv)
		return -1;
	*v = nv;
	return 0;
}

static void add_dev(struct hooks_seen *s, int egress, const char *dev)
{
	char (**v)[IF_NAMESIZE] = egress ? &s->egr : &s->ing;
	size_t *n = egress ? &s->negr : &s->ning;

	if (grow((void **)v, *n, IF_NAMESIZE) < 0) {
		s->oom = 1;
		return;
	}
	snprintf((*v)[(*n)++], IF_NAMESIZE, "%s", dev);
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hooks_seen *s = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NODE_NFT_TABLE) &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		int egress = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) != NF_NETDEV_INGRESS;

		if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES)) {
			const char *const *d = nftnl_chain_get_array(c, NFTNL_CHAIN_DEVICES);

			for (size_t i = 0; d && d[i]; i++)
				add_dev(s, egress, d[i]);
		} else if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEV)) {
			add_dev(s, egress, nftnl_chain_get_str(c, NFTNL_CHAIN_DEV));
		}
	}
	if (!c)
		s->oom = 1;
	nftnl_chain_free(c);
	return s->oom ? MNL_CB_ERROR : MNL_CB_OK;
}

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct hooks_seen *s = data;
	uint32_t klen = 0;
	const char *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	const char *ref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
	char ct[CONTAINERS_ID_MAX + 1], dev[IF_NAMESIZE] = { 0 };
	unsigned cls;
	int dir, fam, legacy;

	if (!key || !ref || node_parse_name(ref, ct, &cls, &dir, &fam, &legacy) < 0)
		return 0;
	memcpy(dev, key, klen < IF_NAMESIZE ? klen : IF_NAMESIZE - 1);
	if (grow((void **)&s->v, s->n, sizeof(*s->v)) < 0) {
		s->oom = 1;
		return -1;
	}
	memset(&s->v[s->n], 0, sizeof(*s->v));
	snprintf(s->v[s->n].ct, sizeof(s->v[s->n].ct), "%s", ct);
	snprintf(s->v[s->n].dev, sizeof(s->v[s->n].dev), "%s", dev);
	s->n++;
	return 0;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct node_hook *x = a, *y = b;
	int c = strcmp(x->ct, y->ct);

	return c ? c : strcmp(x->dev, y->dev);
}

/* Each (ct, dev) pair once, the first seen (the maps' order). Fewer
 * items in the same room: grow() still finds room for each next one. */
static void pairs_unique(struct hooks_seen *s)
{
	unsigned char *first = malloc(s->n + 1);
	size_t k = 0;

	if (!first || node_first_each(s->v, s->n, sizeof(*s->v), pair_cmp, first) < 0) {
		free(first);
		s->oom = 1;
		return;
	}
	for (size_t i = 0; i < s->n; i++)
		if (first[i])
			s->v[k++] = s->v[i];
	s->n = k;
	free(first);
}

/* The elements of every counter map keyed by device ("..._dev"). */
static int dump_dev_maps(struct nfnl *nl, struct hooks_seen *s, struct ctv_err *err)
{
	struct nfnl_names sets;
	int r = 0;

	if (nfnl_dump_names(nl, FAMILY, NODE_NFT_TABLE, NFNL_SET, &sets, err) < 0)
		return -1;
	for (size_t i = 0; i < sets.n && r == 0 && !s->oom; i++) {
		size_t len = strlen(sets.v[i]);

		if (len < 4 || strcmp(sets.v[i] + len - 4, "_dev"))
			continue;
		r = node_map_elems(nl, sets.v[i], elem_cb, s, &s->oom, err);
		/* Most pairs are in every map: the list stays near their number. */
		if (r == 0 && !s->oom)
			pairs_unique(s);
	}
	nfnl_names_free(&sets);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int has(const char *dev, const char *const *v, size_t n)
{
	return n && bsearch(&dev, v, n, sizeof(*v), name_cmp) != NULL;
}

int node_hook_decide(const char *dev, int (*exists)(const char *dev),
		     const char *const *ingress, size_t ningress,
		     const char *const *egress, size_t negress)
{
	return has(dev, ingress, ningress) && has(dev, egress, negress) && exists(dev);
}

static int dev_exists(const char *dev)
{
	return if_nametoindex(dev) != 0;
}

/* The decision per container, and a notice for each one not hooked. */
static void decide_all(struct hooks_seen *s, const struct ctv_warn *w)
{
	const char **ing = calloc(s->ning + 1, sizeof(*ing)), **egr = calloc(s->negr + 1, sizeof(*egr));

	if (!ing || !egr) {
		s->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < s->ning; i++)
		ing[i] = s->ing[i];
	for (size_t i = 0; i < s->negr; i++)
		egr[i] = s->egr[i];
	qsort(ing, s->ning, sizeof(*ing), name_cmp);
	qsort(egr, s->negr, sizeof(*egr), name_cmp);
	for (size_t i = 0; i < s->n; i++) {
		struct node_hook *h = &s->v[i];

		h->hooked = node_hook_decide(h->dev, dev_exists, ing, s->ning, egr, s->negr);
		if (h->hooked)
			continue;
		if (!dev_exists(h->dev))
			ctv_warn(w, "container %s: its device %s is missing (container stopped?), so "
				 "nothing of it is counted until it is back and hooked", h->ct, h->dev);
		else
			ctv_warn(w, "container %s: its device %s is there but not hooked (it was made "
				 "again and this kernel does not hook it by name: run ctnode collect, "
				 "or ctnode setup), so nothing of it is counted", h->ct, h->dev);
	}
out:
	free(ing);
	free(egr);
}

int node_nft_read_hooks(struct node_counters *out, const struct ctv_warn *w, struct ctv_err *err)
{
	struct hooks_seen s;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nfnl nl;
	int r;

	if (node_nft_read(out, err) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	if (nfnl_open(&nl, err) < 0)
		goto fail;
	r = nfnl_dump(&nl, nfnl_req(&nl, buf, NFT_MSG_GETCHAIN, FAMILY, NLM_F_DUMP), chain_cb, NULL,
		      &s, "our base chains", err);
	if (r == 0)
		r = dump_dev_maps(&nl, &s, err);
	nfnl_close(&nl);
	if (r < 0 || s.oom)
		goto fail;
	decide_all(&s, w);
	if (s.oom)
		goto fail;
	out->hooks = s.v;
	out->nhooks = s.n;
	free(s.ing);
	free(s.egr);
	return 0;
fail:
	if (s.oom)
		ctv_err_sys(err, ENOMEM, "reading which devices are hooked");
	free(s.ing);
	free(s.egr);
	free(s.v);
	node_counters_free(out);
	return -1;
}
