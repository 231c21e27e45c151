/* nft_install.c - install and remove, each one netlink batch (one
 * transaction): our chains and sets are deleted and rebuilt, counters are
 * only added when missing (so they keep counting), and nothing outside
 * our table is named. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_int.h"

static void put_chains(struct nfnl_batch *b, struct nfnl *nl, const struct model *m)
{
	for (size_t c = 0; c < m->n_chains; c++) {
		struct nftnl_chain *ch = nftnl_chain_alloc();
		struct nlmsghdr *nlh;

		if (!ch) {
			b->failed = 1;
			return;
		}
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NFTB_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, m->chains[c].name);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFTB_FAMILY);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, m->chains[c].hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, m->chains[c].prio);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		nlh = nfnl_batch_add(b, nl, NFT_MSG_NEWCHAIN, NFTB_FAMILY, NLM_F_CREATE, 512,
				     "adding chain %s", m->chains[c].name);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, ch);
			nfnl_batch_done(b, nlh);
		}
		nftnl_chain_free(ch);
	}
}

/* A set and its elements. A netlink attribute holds at most 64 KiB: big
 * sets take several messages (all in the one batch). */
static void put_set(struct nfnl_batch *b, struct nfnl *nl, struct nftnl_set *s)
{
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nlmsghdr *nlh;
	size_t nel = 0;

	while (it && nftnl_set_elems_iter_next(it))
		nel++;
	nftnl_set_elems_iter_destroy(it);
	nlh = nfnl_batch_add(b, nl, NFT_MSG_NEWSET, NFTB_FAMILY, NLM_F_CREATE, 1024,
			     "adding set %s", name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nfnl_batch_done(b, nlh);
	}
	if (!nel)
		return;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		b->failed = 1;
		return;
	}
	for (int more = 1, part = 1; more == 1; part++) {
		nlh = nfnl_batch_add(b, nl, NFT_MSG_NEWSETELEM, NFTB_FAMILY, NLM_F_CREATE, 70000,
				     "adding elements to set %s (part %d of %zu elements)",
				     name, part, nel);
		if (!nlh)
			break;
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		nfnl_batch_done(b, nlh);
	}
	nftnl_set_elems_iter_destroy(it);
}

static void put_model(struct nfnl_batch *b, struct nfnl *nl, const struct model *m)
{
	put_chains(b, nl, m);
	for (size_t i = 0; i < m->n_sets; i++)
		put_set(b, nl, m->sets[i]);
	for (size_t c = 0; c < m->n_chains; c++) {
		for (size_t i = 0; i < m->chains[c].n; i++) {
			struct nlmsghdr *nlh;

			nlh = nfnl_batch_add(b, nl, NFT_MSG_NEWRULE, NFTB_FAMILY,
					     NLM_F_CREATE | NLM_F_APPEND, 4096,
					     "adding rule %zu of chain %s", i + 1, m->chains[c].name);
			if (nlh) {
				nftnl_rule_nlmsg_build_payload(nlh, m->chains[c].rules[i]);
				nfnl_batch_done(b, nlh);
			}
		}
	}
}

/* Deletes our chains and sets (in that order: rules hold set references,
 * set elements hold counter references), and counters not in keep. */
static void put_teardown(struct nfnl_batch *b, struct nfnl *nl, const struct present *p,
			 const struct nfnl_names *keep)
{
	/* Flush every chain before deleting any: a jump between two chains
	 * of our table would otherwise keep one busy. */
	for (size_t i = 0; i < p->chains.n; i++)
		nfnl_batch_add_named(b, nl, NFT_MSG_DELRULE, NFTB_FAMILY, 0, NFNL_RULE, NFTB_TABLE,
				     p->chains.v[i], "flushing our chain %s", p->chains.v[i]);
	for (size_t i = 0; i < p->chains.n; i++)
		nfnl_batch_add_named(b, nl, NFT_MSG_DELCHAIN, NFTB_FAMILY, 0, NFNL_CHAIN, NFTB_TABLE,
				     p->chains.v[i], "deleting our chain %s", p->chains.v[i]);
	for (size_t i = 0; i < p->sets.n; i++)
		nfnl_batch_add_named(b, nl, NFT_MSG_DELSET, NFTB_FAMILY, 0, NFNL_SET, NFTB_TABLE,
				     p->sets.v[i], "deleting our set %s", p->sets.v[i]);
	for (size_t i = 0; i < p->counters.n; i++) {
		if (keep && nfnl_names_has(keep, p->counters.v[i]))
			continue;
		nfnl_batch_add_named(b, nl, NFT_MSG_DELOBJ, NFTB_FAMILY, 0, NFNL_COUNTER, NFTB_TABLE,
				     p->counters.v[i], "deleting our counter %s", p->counters.v[i]);
	}
}

/* The whole install, built from what is there now. */
static void put_install(struct nfnl_batch *b, struct nfnl *nl, const struct present *p,
			const struct model *m)
{
	nfnl_batch_add_named(b, nl, NFT_MSG_NEWTABLE, NFTB_FAMILY, NLM_F_CREATE, NFNL_TABLE,
			     NFTB_TABLE, NULL, "adding table inet %s", NFTB_TABLE);
	put_teardown(b, nl, p, &m->counters);
	for (size_t i = 0; i < m->counters.n; i++) {
		if (nfnl_names_has(&p->counters, m->counters.v[i]))
			continue; /* kept: it goes on counting */
		nfnl_batch_add_named(b, nl, NFT_MSG_NEWOBJ, NFTB_FAMILY, NLM_F_CREATE, NFNL_COUNTER,
				     NFTB_TABLE, m->counters.v[i], "adding counter %s",
				     m->counters.v[i]);
	}
	put_model(b, nl, m);
}

int nftb_install(const struct svcspec *spec, struct ctv_err *err)
{
	struct nfnl nl;
	struct present p;
	struct model m;
	struct nfnl_batch b;
	int rc = -1;

	if (nftb_model_build(spec, 1, &m, err) < 0)
		return -1;
	if (nfnl_open(&nl, err) < 0) {
		nftb_model_free(&m);
		return -1;
	}
	nfnl_batch_init(&b);
	/* The batch is built from what the dump showed; if someone changed
	 * our table in between (another install), the kernel refuses the
	 * whole batch and we look again. */
	for (int attempt = 0; attempt < 3; attempt++) {
		if (nftb_present_read(&nl, &p, err) < 0) {
			nftb_present_free(&p);
			if (errno == EINTR)
				continue; /* listed while another install changed it */
			break;
		}
		put_install(&b, &nl, &p, &m);
		rc = nfnl_batch_send(&nl, &b, err);
		nftb_present_free(&p);
		nfnl_batch_free(&b);
		if (rc == 0 || (errno != EEXIST && errno != ENOENT && errno != EBUSY))
			break;
	}
	nftb_model_free(&m);
	nfnl_close(&nl);
	return rc;
}

int nftb_remove(struct ctv_err *err)
{
	struct nfnl nl;
	struct present p;
	struct nfnl_batch b;
	int rc = -1;

	if (nfnl_open(&nl, err) < 0)
		return -1;
	nfnl_batch_init(&b);
	if (nftb_present_read(&nl, &p, err) < 0)
		goto out;
	rc = 0;
	if (!p.table)
		goto out;
	/* Only what we made: a table someone else added things to stays. */
	put_teardown(&b, &nl, &p, NULL);
	nfnl_batch_add_named(&b, &nl, NFT_MSG_DELTABLE, NFTB_FAMILY, 0, NFNL_TABLE, NFTB_TABLE,
			     NULL, "deleting table inet %s", NFTB_TABLE);
	rc = nfnl_batch_send(&nl, &b, err);
out:
	nftb_present_free(&p);
	nfnl_batch_free(&b);
	nfnl_close(&nl);
	return rc;
}
