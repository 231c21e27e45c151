/* nft_present.c - what of ours the kernel has now: our table and the
 * names of its chains, sets and counters (nfnl_dump_names), read before
 * every install, remove and check. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/table.h>

#include "nft_int.h"

void nftb_present_free(struct present *p)
{
	nfnl_names_free(&p->chains);
	nfnl_names_free(&p->sets);
	nfnl_names_free(&p->counters);
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

/* What a dump read so far is forgotten when it is read again. */
static void table_restart(void *data)
{
	((struct present *)data)->table = 0;
}

int nftb_present_read(struct nfnl *nl, struct present *p, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(p, 0, sizeof(*p));
	nlh = nfnl_req(nl, buf, NFT_MSG_GETTABLE, NFTB_FAMILY, NLM_F_DUMP);
	if (nfnl_dump(nl, nlh, table_cb, table_restart, p, "the tables", err) < 0)
		return -1;
	if (!p->table)
		return 0;
	/* Then the names the install and remove batches may delete. */
	if (nfnl_dump_names(nl, NFTB_FAMILY, NFTB_TABLE, NFNL_CHAIN, &p->chains, err) < 0 ||
	    nfnl_dump_names(nl, NFTB_FAMILY, NFTB_TABLE, NFNL_SET, &p->sets, err) < 0 ||
	    nfnl_dump_names(nl, NFTB_FAMILY, NFTB_TABLE, NFNL_COUNTER, &p->counters, err) < 0)
		return -1;
	return 0;
}
