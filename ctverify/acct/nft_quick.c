/* nft_quick.c - other tables: whether the container uses nftables at all,
 * and the counters "ctverify quick" can read without our rules. */
#include "config.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "nft_int.h"

struct tables {
	size_t n, ours;
};

static int any_table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tables *t = data;
	struct nftnl_table *tb = nftnl_table_alloc();

	if (tb && nftnl_table_nlmsg_parse(nlh, tb) == 0) {
		t->n++;
		if (nftnl_table_get_u32(tb, NFTNL_TABLE_FAMILY) == NFTB_FAMILY &&
		    !strcmp(nftnl_table_get_str(tb, NFTNL_TABLE_NAME), NFTB_TABLE))
			t->ours++;
	}
	nftnl_table_free(tb);
	return MNL_CB_OK;
}

static void tables_restart(void *data)
{
	memset(data, 0, sizeof(struct tables));
}

int nftb_in_use(struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nfnl nl;
	struct tables t = { 0 };
	int rc;

	if (nfnl_open(&nl, err) < 0)
		return -1;
	rc = nfnl_dump(&nl, nfnl_req(&nl, buf, NFT_MSG_GETTABLE, NFPROTO_UNSPEC, NLM_F_DUMP),
		       any_table_cb, tables_restart, &t, "the tables", err);
	nfnl_close(&nl);
	if (rc < 0)
		return -1;
	return t.n > 0;
}

struct quick_chain {
	char table[64], chain[64];
	uint32_t family, hook;
};

struct quick_state {
	struct quick_chain *c;
	size_t n;
	struct ctv_quick *q;
	int failed;
};

static int quick_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct quick_state *qs = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter")) {
		uint32_t fam = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
		uint32_t hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);

		if ((fam == NFPROTO_IPV4 || fam == NFPROTO_IPV6 || fam == NFPROTO_INET) &&
		    (hook == NF_INET_LOCAL_IN || hook == NF_INET_LOCAL_OUT) &&
		    !(fam == NFTB_FAMILY && !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NFTB_TABLE))) {
			struct quick_chain *v = realloc(qs->c, (qs->n + 1) * sizeof(*v));

			if (v) {
				qs->c = v;
				v = &qs->c[qs->n++];
				snprintf(v->table, sizeof(v->table), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
				snprintf(v->chain, sizeof(v->chain), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
				v->family = fam;
				v->hook = hook;
			} else {
				qs->failed = 1;
			}
		}
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

struct quick_rules {
	uint64_t bytes, packets;
	int found;
	size_t rules;
};

/* The first rule of a chain, when it is nothing but a counter, counts
 * every packet the chain sees: that is the chain's total. (nftables base
 * chains keep no policy counters, so chains made by iptables-nft show
 * [0:0] policies and have no total to read.) */
static int quick_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct quick_rules *qr = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e, *ctr = NULL;
	int other = 0;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	it = nftnl_expr_iter_create(r);
	while (it && (e = nftnl_expr_iter_next(it))) {
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter"))
			ctr = e;
		else
			other = 1;
	}
	if (ctr && !other && qr->rules == 0) {
		qr->bytes = nftnl_expr_get_u64(ctr, NFTNL_EXPR_CTR_BYTES);
		qr->packets = nftnl_expr_get_u64(ctr, NFTNL_EXPR_CTR_PACKETS);
		qr->found = 1;
	}
	qr->rules++;
	nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static void quick_restart(void *data)
{
	((struct quick_state *)data)->n = 0;
}

static void rules_restart(void *data)
{
	memset(data, 0, sizeof(struct quick_rules));
}

static const char *family_name(uint32_t f)
{
	return f == NFPROTO_IPV4 ? "ip" : f == NFPROTO_IPV6 ? "ip6" : "inet";
}

int nftb_quick(struct ctv_quick *q, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nfnl nl;
	struct quick_state qs = { .q = q };
	struct strbuf used, skipped;
	int rc = -1;

	memset(q, 0, sizeof(*q));
	strbuf_init(&used, sizeof(q->what));
	strbuf_init(&skipped, sizeof(q->what));
	if (nfnl_open(&nl, err) < 0)
		return -1;
	if (nfnl_dump(&nl, nfnl_req(&nl, buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP),
		      quick_chain_cb, quick_restart, &qs, "the chains", err) < 0)
		goto out;
	for (size_t i = 0; i < qs.n; i++) {
		struct quick_rules qr = { 0 };
		struct nftnl_rule *r = nftnl_rule_alloc();
		struct nlmsghdr *nlh;

		if (!r)
			goto out;
		nlh = nfnl_req(&nl, buf, NFT_MSG_GETRULE, (uint16_t)qs.c[i].family, NLM_F_DUMP);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, qs.c[i].table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, qs.c[i].chain);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		if (nfnl_dump(&nl, nlh, quick_rule_cb, rules_restart, &qr, "rules", err) < 0)
			goto out;
		if (!qr.found) {
			strbuf_printf(&skipped, "%s%s %s %s", skipped.len ? ", " : "",
				 family_name(qs.c[i].family), qs.c[i].table, qs.c[i].chain);
			continue;
		}
		q->found = 1;
		if (qs.c[i].hook == NF_INET_LOCAL_IN) {
			q->in_bytes += qr.bytes;
			q->in_packets += qr.packets;
		} else {
			q->out_bytes += qr.bytes;
			q->out_packets += qr.packets;
		}
		strbuf_printf(&used, "%s%s %s %s", used.len ? ", " : "", family_name(qs.c[i].family),
			 qs.c[i].table, qs.c[i].chain);
	}
	if (q->found)
		snprintf(q->what, sizeof(q->what),
			 "nftables: the unconditional counter rule at the top of %s%s%s",
			 used.s, skipped.len ? "; no such counter in " : "", skipped.len ? skipped.s : "");
	else if (qs.n)
		snprintf(q->what, sizeof(q->what),
			 "nftables: the input/output chains (%s) do not start with an unconditional 'counter' rule, and nftables keeps no policy counters (iptables-nft shows [0:0])",
			 skipped.s ? skipped.s : "");
	else
		snprintf(q->what, sizeof(q->what),
			 "nftables: no filter chains at the input or output hooks exist in other tables");
	rc = 0;
out:
	strbuf_free(&used);
	strbuf_free(&skipped);
	free(qs.c);
	nfnl_close(&nl);
	return rc;
}

