/* nft_present.c - what of ours the kernel has now: our table and the
 * names of its chains, sets and counters, read before every install,
 * remove and check. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "nft_int.h"

int nftb_names_add(struct names *s, const char *name)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	s->v = v;
	s->v[s->n] = strdup(name);
	if (!s->v[s->n])
		return -1;
	s->n++;
	return 0;
}

int nftb_names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 1;
	return 0;
}

void nftb_names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void nftb_present_free(struct present *p)
{
	nftb_names_free(&p->chains);
	nftb_names_free(&p->sets);
	nftb_names_free(&p->counters);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct present *p = data;

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    !strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), NFTB_TABLE))
		p->table = 1;
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int chain_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct present *p = data;
	int rc = MNL_CB_OK;

	if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NFTB_TABLE))
		if (nftb_names_add(&p->chains, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) < 0)
			rc = MNL_CB_ERROR;
	nftnl_chain_free(c);
	return rc;
}

static int set_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct present *p = data;
	int rc = MNL_CB_OK;

	if (s && nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), NFTB_TABLE))
		if (nftb_names_add(&p->sets, nftnl_set_get_str(s, NFTNL_SET_NAME)) < 0)
			rc = MNL_CB_ERROR;
	nftnl_set_free(s);
	return rc;
}

static int obj_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct present *p = data;
	int rc = MNL_CB_OK;

	if (o && nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    !strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), NFTB_TABLE) &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER)
		if (nftb_names_add(&p->counters, nftnl_obj_get_str(o, NFTNL_OBJ_NAME)) < 0)
			rc = MNL_CB_ERROR;
	nftnl_obj_free(o);
	return rc;
}

/* What a dump read so far is forgotten when it is read again. */
static void table_restart(void *data)
{
	((struct present *)data)->table = 0;
}

static void chains_restart(void *data)
{
	nftb_names_free(&((struct present *)data)->chains);
}

static void sets_restart(void *data)
{
	nftb_names_free(&((struct present *)data)->sets);
}

static void counters_restart(void *data)
{
	nftb_names_free(&((struct present *)data)->counters);
}

int nftb_present_read(struct nfnl *nl, struct present *p, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nftnl_set *s;

	memset(p, 0, sizeof(*p));
	nlh = nfnl_req(nl, buf, NFT_MSG_GETTABLE, NFTB_FAMILY, NLM_F_DUMP);
	if (nfnl_dump(nl, nlh, table_cb, table_restart, p, "the tables", err) < 0)
		return -1;
	if (!p->table)
		return 0;
	nlh = nfnl_req(nl, buf, NFT_MSG_GETCHAIN, NFTB_FAMILY, NLM_F_DUMP);
	if (nfnl_dump(nl, nlh, chain_name_cb, chains_restart, p, "our chains", err) < 0)
		return -1;
	/* Sets and objects: the kernel filters by table. */
	s = nftnl_set_alloc();
	if (!s)
		goto nomem;
	nlh = nfnl_req(nl, buf, NFT_MSG_GETSET, NFTB_FAMILY, NLM_F_DUMP);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (nfnl_dump(nl, nlh, set_name_cb, sets_restart, p, "our sets", err) < 0)
		return -1;
	nlh = nfnl_counters_req(nl, buf, NFTB_FAMILY, NFTB_TABLE);
	if (!nlh)
		goto nomem;
	return nfnl_dump(nl, nlh, obj_name_cb, counters_restart, p, "our counters", err);
nomem:
	ctv_err_sys(err, ENOMEM, "listing our table");
	errno = ENOMEM;
	return -1;
}
