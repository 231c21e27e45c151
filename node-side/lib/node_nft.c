/* node_nft.c - setup and teardown of the node's table: the plan loaded
 * in one atomic batch that keeps the counts of unchanged counters (see
 * node_nft.h and docs/DESIGN.md "Node accounting"). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "node_int.h"

#define CHAIN_FROM "from_ct"
#define CHAIN_TO "to_ct"
/* The kernel takes at most 255 devices per netdev chain: base chains come
 * in chunks (from_ct, from_ct_1, ...); a packet only meets the one chain
 * hooked on its device. */
#define DEVS_PER_CHAIN 255
#define CHUNKS_MAX (CONTAINERS_MAX / DEVS_PER_CHAIN + 1)

static void base_chain_name(char *b, size_t n, const char *base, size_t chunk)
{
	if (chunk)
		snprintf(b, n, "%s_%zu", base, chunk);
	else
		snprintf(b, n, "%s", base);
}

/* nft's datatype ids, so that `nft list` shows our sets readably. */
#define TYPE_IPADDR 7
#define TYPE_IP6ADDR 8
#define TYPE_IFNAME 41

#define ELEMS_PER_MSG 128
#define UDATA_COMMENT 0 /* NFTNL_UDATA_OBJ_COMMENT */
/* Room for one message: 255 devices, or ELEMS_PER_MSG elements. */
#define MSG_ROOM (64 << 10)

/* Names. Per direction and family one class map (peer address ->
 * jump to that class's chain); per class chain one counter map keyed by
 * the container's device (bridged) and one by its address (routed). */
static const char *const dir_name[2] = { "in", "out" };

static void class_map_name(char *b, size_t n, int dir, int f)
{
	snprintf(b, n, "class%c_%s", f == F4 ? '4' : '6', dir_name[dir]);
}

static void class_chain_name(char *b, size_t n, int dir, int f, unsigned cls)
{
	snprintf(b, n, "%s%c_c%u", dir_name[dir], f == F4 ? '4' : '6', cls);
}

static void cnt_map_name(char *b, size_t n, int dir, int f, unsigned cls, int by_dev)
{
	snprintf(b, n, "%s%c_c%u_%s", dir_name[dir], f == F4 ? '4' : '6', cls, by_dev ? "dev" : "addr");
}

/* Set ids let rules and elements refer to sets created in the same batch. */
static uint32_t class_map_id(int dir, int f)
{
	return 10 + (uint32_t)(dir * 2 + f);
}

static uint32_t cnt_map_id(int dir, int f, unsigned cls, int by_dev)
{
	return 100 + (((uint32_t)(dir * 2 + f) * CLASSES_MAX + cls) * 2 + (uint32_t)by_dev);
}

/* The batch being built, and the socket whose sequence numbers it uses. */
struct nb {
	struct nfnl *nl;
	struct nfnl_batch b;
	/* Hook only devices that exist now: set after the kernel refused a
	 * chain for a missing one (before 6.16 a netdev hook needs the
	 * device; newer kernels hook by name, also what comes later). */
	int present_only;
};

/* Starts a message of ours; NULL when memory ran out (the batch fails). */
#define MSG(bt, type, flags, ...) \
	nfnl_batch_add(&(bt)->b, (bt)->nl, (type), FAMILY, (flags), MSG_ROOM, __VA_ARGS__)

static void counter_name(char *buf, size_t len, const char *ct, unsigned cls, int dir, int f)
{
	node_counter_name(buf, len, ct, cls, dir, f == F4 ? AF_INET : AF_INET6);
}

/* The name earlier versions gave the same counter ("101:3:in:4"). */
static void legacy_counter_name(char *buf, size_t len, const char *ct, unsigned cls, int dir, int f)
{
	snprintf(buf, len, "%s:%u:%s:%c", ct, cls, dir == DIR_IN ? "in" : "out", f == F4 ? '4' : '6');
}

/* nft shows interface names only when told they are host-order strings. */
static int set_host_order(struct nftnl_set *s)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(32);

	if (!ud)
		return -1;
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* host */);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return 0;
}

static struct nftnl_set *set_new(const char *name, uint32_t id, uint32_t flags,
				 uint32_t key_type, uint32_t key_len)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NODE_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, FAMILY);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len);
	if (key_type == TYPE_IFNAME && set_host_order(s) < 0) {
		nftnl_set_free(s);
		return NULL;
	}
	if (flags & NFT_SET_OBJECT) {
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_COUNTER);
	} else if (flags & NFT_SET_MAP) { /* verdict map */
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	}
	return s;
}

/* Element accumulation per set, flushed in messages of ELEMS_PER_MSG. */
struct elems {
	struct nb *bt;
	const char *set;
	uint32_t id;
	struct nftnl_set *s;
	int count;
};

static void elems_flush(struct elems *e)
{
	struct nlmsghdr *nlh;

	if (!e->s || !e->count)
		return;
	nlh = MSG(e->bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, "add elements to map %s",
		  e->set);
	if (nlh) {
		nftnl_set_elems_nlmsg_build_payload(nlh, e->s);
		nfnl_batch_done(&e->bt->b, nlh);
	}
	nftnl_set_free(e->s);
	e->s = NULL;
	e->count = 0;
}

/* Frees what a failed batch left unsent. */
static void elems_drop(struct elems *e)
{
	if (e->s)
		nftnl_set_free(e->s);
	e->s = NULL;
}

/* A new element of the set; NULL without memory (the batch fails). */
static struct nftnl_set_elem *elem_new(struct elems *e)
{
	struct nftnl_set_elem *el;

	if (e->count == ELEMS_PER_MSG)
		elems_flush(e);
	if (!e->s) {
		e->s = nftnl_set_alloc();
		if (!e->s)
			goto fail;
		nftnl_set_set_str(e->s, NFTNL_SET_TABLE, NODE_NFT_TABLE);
		nftnl_set_set_str(e->s, NFTNL_SET_NAME, e->set);
		nftnl_set_set_u32(e->s, NFTNL_SET_ID, e->id);
		nftnl_set_set_u32(e->s, NFTNL_SET_FAMILY, FAMILY);
	}
	el = nftnl_set_elem_alloc();
	if (!el)
		goto fail;
	nftnl_set_elem_add(e->s, el);
	e->count++;
	return el;
fail:
	e->bt->b.failed = 1;
	return NULL;
}

/* Offsets in the IP header of the source and destination addresses. */
static uint32_t saddr_off(int f) { return f == F4 ? 12 : 8; }
static uint32_t daddr_off(int f) { return f == F4 ? 16 : 24; }
static uint32_t addr_len(int f) { return f == F4 ? 4 : 16; }

/* The protocol match is redundant in class chains (only the family's own
 * rule jumps there) but lets `nft list` print "ip saddr" instead of
 * "@nh,96,32"; measured cost: within the noise (< 40 ns a packet). */
static struct nftnl_rule *rule_begin(struct nb *bt, const char *chain, int f)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint16_t proto = htons(f == F4 ? ETH_P_IP : ETH_P_IPV6);

	if (!r) {
		bt->b.failed = 1;
		return NULL;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NODE_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, FAMILY);
	nfnl_expr_meta(r, &bt->b.failed, NFT_META_PROTOCOL, NFT_REG_1);
	nfnl_expr_cmp_eq(r, &bt->b.failed, NFT_REG_1, &proto, sizeof(proto));
	return r;
}

static void rule_end(struct nb *bt, struct nftnl_rule *r, const char *chain)
{
	struct nlmsghdr *nlh = MSG(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
				   "add rule to chain %s", chain);

	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nfnl_batch_done(&bt->b, nlh);
	}
	nftnl_rule_free(r);
}

/* The base chain's rule: the peer address (destination of what leaves the
 * container, source of what reaches it) selects the class chain. */
static void add_class_rule(struct nb *bt, const char *chain, int dir, int f)
{
	struct nftnl_rule *r = rule_begin(bt, chain, f);
	char map[64];

	if (!r)
		return;
	class_map_name(map, sizeof(map), dir, f);
	nfnl_expr_payload(r, &bt->b.failed, NFT_PAYLOAD_NETWORK_HEADER,
			  dir == DIR_OUT ? daddr_off(f) : saddr_off(f), addr_len(f), NFT_REG_1);
	nfnl_expr_lookup(r, &bt->b.failed, map, class_map_id(dir, f), NFT_REG_1, NFT_REG_VERDICT);
	rule_end(bt, r, chain);
}

/* A class chain's rule: the container (its device, or its address) picks
 * the named counter. Accept ends our table's work for the packet only;
 * other tables still see it. */
static void add_count_rule(struct nb *bt, int dir, int f, unsigned cls, int by_dev)
{
	char chain[64], map[64];
	struct nftnl_rule *r;

	class_chain_name(chain, sizeof(chain), dir, f, cls);
	cnt_map_name(map, sizeof(map), dir, f, cls, by_dev);
	r = rule_begin(bt, chain, f);
	if (!r)
		return;
	if (by_dev)
		nfnl_expr_meta(r, &bt->b.failed, dir == DIR_OUT ? NFT_META_IIFNAME : NFT_META_OIFNAME,
			       NFT_REG_1);
	else
		nfnl_expr_payload(r, &bt->b.failed, NFT_PAYLOAD_NETWORK_HEADER,
				  dir == DIR_OUT ? saddr_off(f) : daddr_off(f), addr_len(f), NFT_REG_1);
	nfnl_expr_counter_map(r, &bt->b.failed, map, cnt_map_id(dir, f, cls, by_dev), NFT_REG_1);
	nfnl_expr_verdict(r, &bt->b.failed, NF_ACCEPT);
	rule_end(bt, r, chain);
}

/* The devices of base chain chunk into devs (DEVS_PER_CHAIN + 1 slots,
 * NULL-terminated); returns how many. */
static size_t chunk_devs(const struct nb *bt, const struct node_plan *p, size_t chunk,
			 const char **devs)
{
	size_t k = 0;

	for (size_t i = chunk * DEVS_PER_CHAIN; i < p->ndevs && i < (chunk + 1) * DEVS_PER_CHAIN; i++)
		if (!bt->present_only || if_nametoindex(p->devs[i]))
			devs[k++] = p->devs[i];
	devs[k] = NULL;
	return k;
}

/* A base chain on devs (hook >= 0) or a regular one. */
static void add_chain(struct nb *bt, const char **devs, const char *name, int hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		bt->b.failed = 1;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NODE_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, FAMILY);
	if (hook >= 0) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		nftnl_chain_set_array(c, NFTNL_CHAIN_DEVICES, devs);
	}
	nlh = MSG(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, "add chain %s", name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nfnl_batch_done(&bt->b, nlh);
	}
	nftnl_chain_free(c);
}

static void add_set(struct nb *bt, struct nftnl_set *s)
{
	struct nlmsghdr *nlh;

	if (!s) {
		bt->b.failed = 1;
		return;
	}
	nlh = MSG(bt, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, "add map %s",
		  nftnl_set_get_str(s, NFTNL_SET_NAME));
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nfnl_batch_done(&bt->b, nlh);
	}
	nftnl_set_free(s);
}

/* What the old table holds besides its counters: the names a reload may
 * delete. NFT_MSG_DEL* fails on a missing object and 6.1 has no
 * NFT_MSG_DESTROY* (6.3), so only what the dump found is deleted; if it
 * went away before the commit, the kernel refuses the whole batch with
 * ENOENT and node_nft_setup looks again. */
struct old_table {
	struct nfnl_names chains, sets;
};

static void del_named(struct nb *bt, const struct nfnl_names *have, uint16_t type,
		      const char *name)
{
	switch (type) {
	case NFT_MSG_DELRULE:
		if (nfnl_names_has(have, name))
			nfnl_batch_add_named(&bt->b, bt->nl, type, FAMILY, 0, NFNL_RULE,
					     NODE_NFT_TABLE, name, "flush chain %s", name);
		break;
	case NFT_MSG_DELCHAIN:
		if (nfnl_names_has(have, name))
			nfnl_batch_add_named(&bt->b, bt->nl, type, FAMILY, 0, NFNL_CHAIN,
					     NODE_NFT_TABLE, name, "delete chain %s", name);
		break;
	case NFT_MSG_DELSET:
		if (nfnl_names_has(have, name))
			nfnl_batch_add_named(&bt->b, bt->nl, type, FAMILY, 0, NFNL_SET,
					     NODE_NFT_TABLE, name, "delete map %s", name);
		break;
	default: /* NFT_MSG_DELOBJ: the caller knows the counter exists */
		nfnl_batch_add_named(&bt->b, bt->nl, type, FAMILY, 0, NFNL_COUNTER, NODE_NFT_TABLE,
				     name, "delete counter %s", name);
		break;
	}
}

/* A new counter; from, when given, is the old counter whose counts it
 * takes over (NFTA_COUNTER_BYTES/PACKETS at creation). */
static void add_counter(struct nb *bt, const char *name, int l2, const struct raw_counter *from)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	struct nlmsghdr *nlh;
	char comment[16];

	if (!o || !ud) {
		bt->b.failed = 1;
		if (o)
			nftnl_obj_free(o);
		if (ud)
			nftnl_udata_buf_free(ud);
		return;
	}
	snprintf(comment, sizeof(comment), "l2=%d", l2);
	nftnl_udata_put_strz(ud, UDATA_COMMENT, comment);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NODE_NFT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_data(o, NFTNL_OBJ_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	if (from) {
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, from->bytes);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, from->packets);
	}
	nlh = from ? MSG(bt, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL, "add counter %s (the counts of %s)",
			 name, from->name)
		   : MSG(bt, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL, "add counter %s", name);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nfnl_batch_done(&bt->b, nlh);
	}
	nftnl_obj_free(o);
	nftnl_udata_buf_free(ud);
}

static int raw_cmp(const void *x, const void *y)
{
	return strcmp(((const struct raw_counter *)x)->name, ((const struct raw_counter *)y)->name);
}

/* l must be sorted by name (node_nft_setup sorts it). */
static const struct raw_counter *find_raw(const struct raw_list *l, const char *name)
{
	struct raw_counter key;

	if (!l->n)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, l->v, l->n, sizeof(*l->v), raw_cmp);
}

/* Which counters the plan wants, and with which link-header length. */
static int wanted_l2(const struct node_plan *p, const char *name)
{
	const struct plan_ct *pc;
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	int dir, fam, legacy;

	/* A name of earlier versions is never kept: its counts move. */
	if (node_parse_name(name, ct, &cls, &dir, &fam, &legacy) < 0 || legacy)
		return -1;
	if (!(p->used[fam == AF_INET ? F4 : F6] & (1u << cls)))
		return -1;
	pc = node_plan_ct(p, ct);
	return pc ? pc->l2 : -1;
}

static void add_class_elems(struct nb *bt, int dir, int f, const struct classes_range *r, size_t n)
{
	char map[64], chain[64];
	struct elems e = { bt, map, class_map_id(dir, f), NULL, 0 };
	uint32_t alen = addr_len(f);

	class_map_name(map, sizeof(map), dir, f);
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *el;
		uint8_t end[16];
		int carry = 1;

		if (!r[i].cls)
			continue; /* class 0: a gap, the lookup fails, nothing counted */
		el = elem_new(&e);
		if (!el)
			break;
		class_chain_name(chain, sizeof(chain), dir, f, r[i].cls);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, r[i].first, alen);
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_CHAIN, chain);
		/* Every interval is closed by an end element at last + 1 (the
		 * kernel's rbtree takes an end and the next start on the same
		 * key), except the one reaching the end of the address space. */
		memcpy(end, r[i].last, alen);
		for (int k = (int)alen - 1; k >= 0 && carry; k--) {
			end[k]++;
			carry = end[k] == 0;
		}
		if (carry)
			continue;
		el = elem_new(&e);
		if (!el)
			break;
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, end, alen);
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	}
	elems_flush(&e);
	elems_drop(&e);
}

/* Everything of the old table but the counters goes; the order follows
 * the references: rules, base chains, maps, class chains, then the
 * counters nothing refers to any more. */
static void setup_teardown(struct nb *bt, const struct node_plan *p, const struct raw_list *have,
			   const struct old_table *old)
{
	const struct nfnl_names *ch = &old->chains, *sets = &old->sets;
	char name[128];

	for (size_t k = 0; k < CHUNKS_MAX; k++) {
		base_chain_name(name, sizeof(name), CHAIN_FROM, k);
		del_named(bt, ch, NFT_MSG_DELRULE, name);
		base_chain_name(name, sizeof(name), CHAIN_TO, k);
		del_named(bt, ch, NFT_MSG_DELRULE, name);
	}
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				class_chain_name(name, sizeof(name), dir, f, cls);
				del_named(bt, ch, NFT_MSG_DELRULE, name);
			}
	for (size_t k = 0; k < CHUNKS_MAX; k++) {
		base_chain_name(name, sizeof(name), CHAIN_FROM, k);
		del_named(bt, ch, NFT_MSG_DELCHAIN, name);
		base_chain_name(name, sizeof(name), CHAIN_TO, k);
		del_named(bt, ch, NFT_MSG_DELCHAIN, name);
	}
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++) {
			class_map_name(name, sizeof(name), dir, f);
			del_named(bt, sets, NFT_MSG_DELSET, name);
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++)
				for (int by_dev = 0; by_dev <= 1; by_dev++) {
					cnt_map_name(name, sizeof(name), dir, f, cls, by_dev);
					del_named(bt, sets, NFT_MSG_DELSET, name);
				}
		}
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				class_chain_name(name, sizeof(name), dir, f, cls);
				del_named(bt, ch, NFT_MSG_DELCHAIN, name);
			}
	/* Counters the new plan does not want, or whose link header
	 * changed (their old bytes would be corrected wrongly). */
	for (size_t i = 0; i < have->n; i++) {
		int l2 = wanted_l2(p, have->v[i].name);

		if (l2 < 0 || l2 != have->v[i].l2)
			del_named(bt, NULL, NFT_MSG_DELOBJ, have->v[i].name);
	}
}

/* The counters that do not exist yet (or whose link header changed). One
 * that earlier versions named otherwise ("101:3:in:4") is created with
 * the counts it had in the dump, in the batch that deletes it: only what
 * it counted between the dump and the commit is lost. */
static void setup_counters(struct nb *bt, const struct node_plan *p, const struct raw_list *have,
			   int existed)
{
	char name[128];

	for (size_t i = 0; i < p->n; i++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				if (!(p->used[f] & (1u << cls)))
					continue;
				for (int dir = DIR_IN; dir <= DIR_OUT; dir++) {
					const struct raw_counter *h, *old = NULL;
					char oname[128];

					counter_name(name, sizeof(name), p->cts[i].ct->id, cls, dir, f);
					h = existed ? find_raw(have, name) : NULL;
					if (h && h->l2 == p->cts[i].l2)
						continue;
					legacy_counter_name(oname, sizeof(oname), p->cts[i].ct->id, cls, dir, f);
					if (!h && existed)
						old = find_raw(have, oname);
					if (old && old->l2 != p->cts[i].l2)
						old = NULL; /* its bytes hold another link header */
					add_counter(bt, name, p->cts[i].l2, old);
				}
			}
}

/* Per direction and family: the class chains with their counter maps,
 * and the class map. */
static void setup_maps(struct nb *bt, const struct node_plan *p)
{
	char name[128];

	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++) {
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				if (!(p->used[f] & (1u << cls)))
					continue;
				class_chain_name(name, sizeof(name), dir, f, cls);
				add_chain(bt, NULL, name, -1, 0);
				for (int by_dev = 0; by_dev <= 1; by_dev++) {
					cnt_map_name(name, sizeof(name), dir, f, cls, by_dev);
					add_set(bt, set_new(name, cnt_map_id(dir, f, cls, by_dev), NFT_SET_OBJECT,
							    by_dev ? TYPE_IFNAME : (f == F4 ? TYPE_IPADDR : TYPE_IP6ADDR),
							    by_dev ? IF_NAMESIZE : addr_len(f)));
				}
			}
			class_map_name(name, sizeof(name), dir, f);
			add_set(bt, set_new(name, class_map_id(dir, f), NFT_SET_MAP | NFT_SET_INTERVAL,
					    f == F4 ? TYPE_IPADDR : TYPE_IP6ADDR, addr_len(f)));
		}
}

/* One class chain's counter maps: container device or address -> its
 * counter. */
static void setup_counter_elems(struct nb *bt, const struct node_plan *p, int dir, int f,
				unsigned cls)
{
	char dmap[64], amap[64], name[128];
	struct elems dev = { bt, dmap, cnt_map_id(dir, f, cls, 1), NULL, 0 };
	struct elems addr = { bt, amap, cnt_map_id(dir, f, cls, 0), NULL, 0 };

	cnt_map_name(dmap, sizeof(dmap), dir, f, cls, 1);
	cnt_map_name(amap, sizeof(amap), dir, f, cls, 0);
	for (size_t i = 0; i < p->n && !bt->b.failed; i++) {
		const struct containers_ct *ct = p->cts[i].ct;
		struct nftnl_set_elem *el;

		counter_name(name, sizeof(name), ct->id, cls, dir, f);
		if (ct->kind == CONTAINERS_VETH) {
			char key[IF_NAMESIZE] = { 0 };

			snprintf(key, sizeof(key), "%s", ct->ifname);
			if (!(el = elem_new(&dev)))
				break;
			nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, IF_NAMESIZE);
			nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_OBJREF, name);
			continue;
		}
		for (size_t j = 0; j < ct->n_addrs; j++) {
			if (ct->addrs[j].family != (f == F4 ? AF_INET : AF_INET6))
				continue;
			if (!(el = elem_new(&addr)))
				break;
			nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, ct->addrs[j].addr, addr_len(f));
			nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_OBJREF, name);
		}
	}
	elems_flush(&dev);
	elems_flush(&addr);
	elems_drop(&dev);
	elems_drop(&addr);
}

/* The rules: in the class chains, then the base chains that jump there. */
static void setup_rules(struct nb *bt, const struct node_plan *p)
{
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++)
				if (p->used[f] & (1u << cls)) {
					add_count_rule(bt, dir, f, cls, 1);
					add_count_rule(bt, dir, f, cls, 0);
				}
	for (size_t k = 0; k * DEVS_PER_CHAIN < p->ndevs; k++) {
		const char *devs[DEVS_PER_CHAIN + 1];
		char from[64], to[64];

		if (!chunk_devs(bt, p, k, devs))
			continue; /* none of them is there: a chain needs a device */
		base_chain_name(from, sizeof(from), CHAIN_FROM, k);
		base_chain_name(to, sizeof(to), CHAIN_TO, k);
		add_chain(bt, devs, from, NF_NETDEV_INGRESS, PRIO_FROM_CT);
		add_chain(bt, devs, to, NF_NETDEV_EGRESS, PRIO_TO_CT);
		for (int f = F4; f <= F6; f++) {
			add_class_rule(bt, from, DIR_OUT, f);
			add_class_rule(bt, to, DIR_IN, f);
		}
	}
}

static void build_setup(struct nb *bt, const struct node_plan *p, const struct raw_list *have,
			const struct old_table *old, int existed)
{
	nfnl_batch_add_named(&bt->b, bt->nl, NFT_MSG_NEWTABLE, FAMILY, NLM_F_CREATE, NFNL_TABLE,
			     NODE_NFT_TABLE, NULL, "add table netdev %s", NODE_NFT_TABLE);
	if (existed)
		setup_teardown(bt, p, have, old);
	setup_counters(bt, p, have, existed);
	if (!p->ndevs)
		return; /* no containers: the table and nothing else */
	setup_maps(bt, p);
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++)
				if (p->used[f] & (1u << cls))
					setup_counter_elems(bt, p, dir, f, cls);
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++) {
		add_class_elems(bt, dir, F4, p->flat.v4, p->flat.n4);
		add_class_elems(bt, dir, F6, p->flat.v6, p->flat.n6);
	}
	setup_rules(bt, p);
}

/* After the kernel refused the batch: 1 when it is worth building it
 * again with only the devices there now (a kernel before 6.16 does not
 * hook a missing device: ENOENT on a base chain), else 0, with err saying
 * which kernel feature is missing when that is why. */
static int setup_refused(struct nb *bt, const struct node_plan *p, int e, struct ctv_err *err)
{
	const char *what = bt->b.refused < bt->b.n ? bt->b.what[bt->b.refused] : "";
	int base = !strncmp(what, "add chain " CHAIN_FROM, strlen("add chain " CHAIN_FROM)) ||
		   !strncmp(what, "add chain " CHAIN_TO, strlen("add chain " CHAIN_TO));

	if (base && e == ENOENT && !bt->present_only)
		for (size_t i = 0; i < p->ndevs; i++)
			if (!if_nametoindex(p->devs[i]))
				return 1;
	/* Before 5.16 the netdev family knows only the ingress hook: the
	 * kernel answers the egress chain with EOPNOTSUPP. */
	if (!strncmp(what, "add chain " CHAIN_TO, strlen("add chain " CHAIN_TO)) &&
	    (e == EOPNOTSUPP || e == EINVAL))
		ctv_err_prefix(err, "this kernel has no netdev egress hook, which ctnode needs "
			       "for traffic to containers (Linux 5.16 and newer have it; see "
			       "ctnode(8) NOTES)");
	return 0;
}

int node_nft_setup(const struct node_plan *p, struct ctv_err *err)
{
	struct nfnl nl;
	struct raw_list have;
	struct nb bt = { NULL, { 0 }, 0 };
	int r = -1;

	if (nfnl_open(&nl, err) < 0)
		return -1;
	/* The batch is built from what the dumps showed (which counters,
	 * chains and maps exist, what old counters hold). If another setup
	 * changed the table in between, the kernel refuses the whole batch
	 * (EEXIST: a counter created with NLM_F_EXCL exists; ENOENT: a chain
	 * or map deleted with NFT_MSG_DEL* is gone) and we look again. Once,
	 * a refused base chain for a missing device (kernels before 6.16)
	 * has it built again with only the devices there now. */
	for (int attempt = 0; attempt < 4; attempt++) {
		struct old_table old = { { NULL, 0, 0, NULL }, { NULL, 0, 0, NULL } };
		int existed, retry, e;

		r = node_read_counters(&nl, p, &have, err);
		if (r < 0)
			break;
		existed = r == 0;
		if (existed && (nfnl_dump_names(&nl, FAMILY, NODE_NFT_TABLE, NFNL_CHAIN, &old.chains,
						err) < 0 ||
				nfnl_dump_names(&nl, FAMILY, NODE_NFT_TABLE, NFNL_SET, &old.sets,
						err) < 0)) {
			nfnl_names_free(&old.chains);
			free(have.v);
			r = -1;
			break;
		}
		if (have.n)
			qsort(have.v, have.n, sizeof(*have.v), raw_cmp);
		bt.nl = &nl;
		nfnl_batch_init(&bt.b);
		build_setup(&bt, p, &have, &old, existed);
		r = nfnl_batch_send(&nl, &bt.b, err);
		e = errno;
		retry = r < 0 && setup_refused(&bt, p, e, err);
		nfnl_batch_free(&bt.b);
		nfnl_names_free(&old.chains);
		nfnl_names_free(&old.sets);
		free(have.v);
		if (retry) {
			bt.present_only = 1;
			continue;
		}
		errno = e;
		if (r == 0 || (e != EEXIST && e != ENOENT))
			break;
	}
	nfnl_close(&nl);
	return r;
}

int node_nft_teardown(struct ctv_err *err)
{
	struct nfnl nl;
	struct nfnl_batch b;
	int r;

	if (nfnl_open(&nl, err) < 0)
		return -1;
	nfnl_batch_init(&b);
	nfnl_batch_add_named(&b, &nl, NFT_MSG_DELTABLE, FAMILY, 0, NFNL_TABLE, NODE_NFT_TABLE, NULL,
			     "delete table netdev %s", NODE_NFT_TABLE);
	r = nfnl_batch_send(&nl, &b, err);
	if (r < 0 && errno == ENOENT) {
		ctv_err_clear(err);
		r = 0;
	}
	nfnl_batch_free(&b);
	nfnl_close(&nl);
	return r;
}
