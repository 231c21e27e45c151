/* nft_describe.c - the model as text for people: "rules install
 * --dry-run" prints it, check compares rules in this form, and the unit
 * tests read the layout from it (no root needed). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_int.h"

#define RULE_TEXT_MAX (64 << 10)
#define DESCRIBE_MAX (64 << 20) /* SVC_MAX services' rules, with room */

char *nftb_rule_text(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	struct strbuf t;
	char buf[1024];

	strbuf_init(&t, RULE_TEXT_MAX);
	while (it && (e = nftnl_expr_iter_next(it))) {
		nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
		strbuf_printf(&t, "[ %s %s] ", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), buf);
	}
	nftnl_expr_iter_destroy(it);
	return strbuf_take(&t);
}

const char *nftb_hook_name(uint32_t hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING: return "prerouting";
	case NF_INET_LOCAL_IN: return "input";
	case NF_INET_FORWARD: return "forward";
	case NF_INET_LOCAL_OUT: return "output";
	case NF_INET_POST_ROUTING: return "postrouting";
	}
	return "?";
}

static void describe_sets(struct strbuf *t, const struct model *m)
{
	for (size_t i = 0; i < m->n_sets; i++) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(m->sets[i]);
		size_t n = 0;

		while (it && nftnl_set_elems_iter_next(it))
			n++;
		nftnl_set_elems_iter_destroy(it);
		strbuf_printf(t, "  %s %s: %zu elements\n",
			      nftnl_set_get_u32(m->sets[i], NFTNL_SET_FLAGS) & NFT_SET_OBJECT ? "map" : "set",
			      nftnl_set_get_str(m->sets[i], NFTNL_SET_NAME), n);
	}
}

char *nftb_describe(const struct svcspec *spec, struct ctv_err *err)
{
	struct model m;
	struct strbuf t;
	char *s;

	if (nftb_model_build(spec, 0, &m, err) < 0)
		return NULL;
	strbuf_init(&t, DESCRIBE_MAX);
	strbuf_printf(&t, "table inet %s\n", NFTB_TABLE);
	strbuf_printf(&t, "  %zu counters (in_/out_ per bucket), kept across reinstalls\n",
		      m.counters.n);
	describe_sets(&t, &m);
	for (size_t c = 0; c < m.n_chains; c++) {
		strbuf_printf(&t, "  chain %s: hook %s priority %d, %zu rules\n", m.chains[c].name,
			      nftb_hook_name(m.chains[c].hook), m.chains[c].prio, m.chains[c].n);
		for (size_t i = 0; i < m.chains[c].n; i++) {
			char *r = nftb_rule_text(m.chains[c].rules[i]);

			strbuf_printf(&t, "    %s\n", r ? r : "?");
			free(r);
		}
	}
	nftb_model_free(&m);
	s = strbuf_take(&t);
	if (!s)
		ctv_err_sys(err, errno, "describing the rules");
	return s;
}
