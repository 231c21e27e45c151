/* nft_check.c - "rules check" for nft: the expected objects are rebuilt
 * from the saved spec and compared with dumps of our table: chains (hook,
 * priority), rules expression by expression in order, set elements,
 * counters. Each difference is one sentence. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_int.h"

struct actual_chain {
	char name[64];
	uint32_t hook;
	int prio;
	int base;
	char **rules;
	size_t n;
};

struct actual {
	struct actual_chain *chains;
	size_t n;
	int failed;
};

static int actual_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct actual *a = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct actual_chain *v;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0 ||
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NFTB_TABLE))
		goto done;
	v = realloc(a->chains, (a->n + 1) * sizeof(*v));
	if (!v) {
		a->failed = 1;
		goto done;
	}
	a->chains = v;
	v = &a->chains[a->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	v->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
	if (v->base) {
		v->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		v->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
	}
done:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int actual_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct actual *a = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r && nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    !strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), NFTB_TABLE)) {
		const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);

		for (size_t i = 0; i < a->n; i++) {
			struct actual_chain *c = &a->chains[i];
			char **v;

			if (strcmp(c->name, chain))
				continue;
			v = realloc(c->rules, (c->n + 1) * sizeof(*v));
			if (!v) {
				a->failed = 1;
				break;
			}
			c->rules = v;
			c->rules[c->n] = nftb_rule_text(r);
			if (!c->rules[c->n])
				a->failed = 1;
			else
				c->n++;
			break;
		}
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static void actual_free(struct actual *a)
{
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < a->chains[i].n; j++)
			free(a->chains[i].rules[j]);
		free(a->chains[i].rules);
	}
	free(a->chains);
	memset(a, 0, sizeof(*a));
}

static void chains_restart(void *data)
{
	struct actual *a = data;
	int failed = a->failed;

	actual_free(a);
	a->failed = failed;
}

static void rules_restart(void *data)
{
	struct actual *a = data;

	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < a->chains[i].n; j++)
			free(a->chains[i].rules[j]);
		a->chains[i].n = 0;
	}
}

/* Our chains and their rules as text. Returns 0, or -1 with err. */
static int actual_read(struct nfnl *nl, struct actual *a, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nftnl_rule *r;

	nlh = nfnl_req(nl, buf, NFT_MSG_GETCHAIN, NFTB_FAMILY, NLM_F_DUMP);
	if (nfnl_dump(nl, nlh, actual_chain_cb, chains_restart, a, "our chains", err) < 0)
		return -1;
	r = nftnl_rule_alloc();
	if (!r) {
		ctv_err_sys(err, ENOMEM, "reading our rules");
		return -1;
	}
	nlh = nfnl_req(nl, buf, NFT_MSG_GETRULE, NFTB_FAMILY, NLM_F_DUMP);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (nfnl_dump(nl, nlh, actual_rule_cb, rules_restart, a, "our rules", err) < 0)
		return -1;
	if (a->failed) {
		ctv_err_set(err, "out of memory reading our rules");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* One set element as a line "key[-keyend] start|end objref". */
static void elem_line(struct nftnl_set_elem *e, char *line, size_t size)
{
	char *p = line;
	uint32_t klen = 0;
	const uint8_t *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	uint32_t flags = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) ?
		nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) : 0;

	for (uint32_t i = 0; key && i < klen && i < 16; i++)
		p += sprintf(p, "%02x", key[i]);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) {
		const uint8_t *ke = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &klen);

		*p++ = '-';
		for (uint32_t i = 0; ke && i < klen && i < 16; i++)
			p += sprintf(p, "%02x", ke[i]);
	}
	snprintf(p, size - (size_t)(p - line), " %s %s",
		 flags & NFT_SET_ELEM_INTERVAL_END ? "end" : "start",
		 nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF) ?
		 nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF) : "-");
}

/* The elements of s as lines into out. */
static void set_lines(struct nftnl_set *s, struct nfnl_names *out)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;

	while (it && (e = nftnl_set_elems_iter_next(it))) {
		char line[256];

		elem_line(e, line, sizeof(line));
		nfnl_names_add(out, line);
	}
	nftnl_set_elems_iter_destroy(it);
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		set_lines(s, data);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static void elems_restart(void *data)
{
	nfnl_names_free(data);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks both lists of one chain: a model rule not found next is missing. */
static int check_rules(struct backend_diff *d, const struct model_chain *mc,
		       const struct actual_chain *ac)
{
	size_t j = 0;

	for (size_t i = 0; i < mc->n; i++) {
		char *want = nftb_rule_text(mc->rules[i]);
		size_t k;

		if (!want)
			return -1;
		for (k = j; k < ac->n; k++)
			if (!strcmp(ac->rules[k], want))
				break;
		if (k == ac->n) {
			backend_diff_add(d, "chain %s: rule %zu of %zu is missing (deleted or changed): %s",
					 mc->name, i + 1, mc->n, want);
		} else {
			for (; j < k; j++)
				backend_diff_add(d, "chain %s: a rule that is not ours: %s", mc->name,
						 ac->rules[j]);
			j = k + 1;
		}
		free(want);
	}
	for (; j < ac->n; j++)
		backend_diff_add(d, "chain %s: a rule that is not ours: %s", mc->name, ac->rules[j]);
	return 0;
}

static const struct actual_chain *actual_find(const struct actual *a, const char *name)
{
	const struct actual_chain *ac = NULL;

	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->chains[i].name, name))
			ac = &a->chains[i];
	return ac;
}

/* Chains of the model against ours. Returns 0, or -1 without memory. */
static int check_chains(struct backend_diff *d, const struct model *m, const struct actual *a)
{
	for (size_t c = 0; c < m->n_chains; c++) {
		const struct model_chain *mc = &m->chains[c];
		const struct actual_chain *ac = actual_find(a, mc->name);

		if (!ac) {
			backend_diff_add(d, "chain %s is gone (deleted): %s traffic is not counted",
					 mc->name, c == 0 ? "incoming" : c == 1 ? "outgoing" : "socket-owner");
			continue;
		}
		if (!ac->base || ac->hook != mc->hook || ac->prio != mc->prio)
			backend_diff_add(d, "chain %s: hook or priority changed (want %s priority %d)",
					 mc->name, nftb_hook_name(mc->hook), mc->prio);
		if (ac->n == 0 && mc->n) {
			backend_diff_add(d, "chain %s is empty (flushed): %zu rules missing", mc->name,
					 mc->n);
			continue;
		}
		if (check_rules(d, mc, ac) < 0)
			return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		int known = 0;

		for (size_t c = 0; c < m->n_chains; c++)
			if (!strcmp(a->chains[i].name, m->chains[c].name))
				known = 1;
		if (!known)
			backend_diff_add(d, "chain %s is not part of the installed spec", a->chains[i].name);
	}
	return 0;
}

/* One set of the model against its elements in the kernel. */
static int check_set(struct backend_diff *d, struct nfnl *nl, struct nftnl_set *ms,
		     struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const char *name = nftnl_set_get_str(ms, NFTNL_SET_NAME);
	struct nfnl_names want = { 0 }, have = { 0 };
	struct nlmsghdr *nlh = nfnl_elems_req(nl, buf, NFTB_FAMILY, NFTB_TABLE, name);

	if (!nlh) {
		ctv_err_sys(err, ENOMEM, "reading set %s", name);
		return -1;
	}
	if (nfnl_dump(nl, nlh, elem_cb, elems_restart, &have, "set elements", err) < 0) {
		nfnl_names_free(&have);
		return -1;
	}
	set_lines(ms, &want);
	qsort(want.v, want.n, sizeof(char *), str_cmp);
	qsort(have.v, have.n, sizeof(char *), str_cmp);
	if (want.n != have.n) {
		backend_diff_add(d, "set %s has %zu elements, the spec needs %zu (elements deleted or added)",
				 name, have.n, want.n);
	} else {
		for (size_t k = 0; k < want.n; k++)
			if (strcmp(want.v[k], have.v[k])) {
				backend_diff_add(d, "set %s: element %s is not %s", name, have.v[k],
						 want.v[k]);
				break;
			}
	}
	nfnl_names_free(&want);
	nfnl_names_free(&have);
	return 0;
}

/* Counters and sets of the model against what is there. */
static int check_objects(struct backend_diff *d, struct nfnl *nl, const struct model *m,
			 const struct present *p, struct ctv_err *err)
{
	for (size_t i = 0; i < m->counters.n; i++)
		if (!nfnl_names_has(&p->counters, m->counters.v[i]))
			backend_diff_add(d, "counter %s is gone", m->counters.v[i]);
	for (size_t i = 0; i < m->n_sets; i++) {
		const char *name = nftnl_set_get_str(m->sets[i], NFTNL_SET_NAME);

		if (!nfnl_names_has(&p->sets, name)) {
			backend_diff_add(d, "set %s is gone", name);
			continue;
		}
		if (check_set(d, nl, m->sets[i], err) < 0)
			return -1;
	}
	return 0;
}

int nftb_check(const struct svcspec *spec, char **diff, struct ctv_err *err)
{
	struct nfnl nl;
	struct present p;
	struct actual a = { 0 };
	struct model m;
	struct backend_diff d;
	int rc = -1;

	*diff = NULL;
	if (nftb_model_build(spec, 0, &m, err) < 0)
		return -1;
	if (nfnl_open(&nl, err) < 0) {
		nftb_model_free(&m);
		return -1;
	}
	backend_diff_init(&d);
	if (nftb_present_read(&nl, &p, err) < 0)
		goto out;
	if (!p.table) {
		backend_diff_add(&d, "table inet %s is gone (removed, or the whole ruleset was flushed): nothing is counted",
				 NFTB_TABLE);
	} else if (actual_read(&nl, &a, err) < 0) {
		goto out;
	} else if (check_chains(&d, &m, &a) < 0) {
		ctv_err_sys(err, ENOMEM, "comparing our rules");
		goto out;
	} else if (check_objects(&d, &nl, &m, &p, err) < 0) {
		goto out;
	}
	rc = backend_diff_finish(&d, diff, err);
out:
	if (rc < 0)
		strbuf_free(&d.text);
	actual_free(&a);
	nftb_present_free(&p);
	nftb_model_free(&m);
	nfnl_close(&nl);
	return rc;
}
