/* nft_model.c - what a spec becomes in nftables: the chains and their
 * rules, the sets and maps, the named counters (layout in nft_backend.c).
 * The same model is sent by install, compared by check and printed by
 * describe. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_int.h"
#include "store.h"
#include "svcplan.h"

#define NFTB_CGROUP_ROOT "/sys/fs/cgroup"
#define NFTB_HASH_KEYS 16384 /* ports a group may expand to in a hash map */

/* nftables' own data type ids, so that nft(8) can print our sets. */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define NFT_TYPE_INET_PROTO 12
#define NFT_TYPE_INET_SERVICE 13

const char *const nftb_dir_name[2] = { "in", "out" };

void nftb_model_free(struct model *m)
{
	for (size_t c = 0; c < m->n_chains; c++) {
		for (size_t i = 0; i < m->chains[c].n; i++)
			nftnl_rule_free(m->chains[c].rules[i]);
		free(m->chains[c].rules);
	}
	for (size_t i = 0; i < m->n_sets; i++)
		nftnl_set_free(m->sets[i]);
	free(m->sets);
	nfnl_names_free(&m->counters);
	memset(m, 0, sizeof(*m));
}

/* The model's expression helpers: each appends to r, and a failed
 * allocation marks the model failed (nfnl's policy). */
static void e_meta_to(struct model *m, struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	nfnl_expr_meta(r, &m->failed, key, reg);
}

static void e_meta(struct model *m, struct nftnl_rule *r, uint32_t key)
{
	e_meta_to(m, r, key, NFT_REG_1);
}

static void e_cmp(struct model *m, struct nftnl_rule *r, const void *data, uint32_t len)
{
	nfnl_expr_cmp_eq(r, &m->failed, NFT_REG_1, data, len);
}

static void e_cmp_u8(struct model *m, struct nftnl_rule *r, uint8_t v)
{
	e_cmp(m, r, &v, 1);
}

static void e_cmp_u32(struct model *m, struct nftnl_rule *r, uint32_t v)
{
	e_cmp(m, r, &v, 4); /* host order: meta and ct values are */
}

static void e_payload(struct model *m, struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	nfnl_expr_payload(r, &m->failed, base, off, len, NFT_REG_1);
}

/* Set ids only in a batch: dumps do not show them. */
static void e_lookup(struct model *m, struct nftnl_rule *r, const char *set, uint32_t id)
{
	nfnl_expr_lookup(r, &m->failed, set, m->with_ids ? id : 0, NFT_REG_1, NFNL_NO_REG);
}

static void e_counter(struct model *m, struct nftnl_rule *r, const char *name)
{
	nfnl_expr_counter_ref(r, &m->failed, name);
}

/* NFT_REG_1 and NFT_REG32_00 are the same bytes. */
static void e_counter_map(struct model *m, struct nftnl_rule *r, const char *set, uint32_t id)
{
	nfnl_expr_counter_map(r, &m->failed, set, m->with_ids ? id : 0, NFT_REG_1);
}

static void e_accept(struct model *m, struct nftnl_rule *r)
{
	nfnl_expr_verdict(r, &m->failed, NF_ACCEPT);
}

/* ct mark & MASK == value */
static void e_mark_is(struct model *m, struct nftnl_rule *r, uint32_t value)
{
	nfnl_expr_ct_load(r, &m->failed, NFT_CT_MARK, NFT_REG_1);
	nfnl_expr_bitwise(r, &m->failed, NFT_REG_1, SVCPLAN_MARK_MASK, 0);
	e_cmp_u32(m, r, value);
}

/* ct mark = (ct mark & ~MASK) | value: other bits of the mark stay. */
static void e_mark_set(struct model *m, struct nftnl_rule *r, uint32_t value)
{
	nfnl_expr_ct_load(r, &m->failed, NFT_CT_MARK, NFT_REG_1);
	nfnl_expr_bitwise(r, &m->failed, NFT_REG_1, ~SVCPLAN_MARK_MASK, value);
	nfnl_expr_ct_set(r, &m->failed, NFT_CT_MARK, NFT_REG_1);
}

static struct nftnl_rule *new_rule(struct model *m, struct model_chain *c)
{
	struct nftnl_rule *r = nftnl_rule_alloc(), **v;

	if (!r) {
		m->failed = 1;
		return NULL;
	}
	v = realloc(c->rules, (c->n + 1) * sizeof(*v));
	if (!v) {
		nftnl_rule_free(r);
		m->failed = 1;
		return NULL;
	}
	c->rules = v;
	c->rules[c->n++] = r;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFTB_FAMILY);
	return r;
}

/* A new set of our table in the model; NULL (and the model failed)
 * without memory. */
static struct nftnl_set *model_set(struct model *m, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc(), **v;

	if (!s)
		goto fail;
	v = realloc(m->sets, (m->n_sets + 1) * sizeof(*v));
	if (!v) {
		nftnl_set_free(s);
		goto fail;
	}
	m->sets = v;
	m->sets[m->n_sets++] = s;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFTB_FAMILY);
	return s;
fail:
	m->failed = 1;
	return NULL;
}

/* An interval set (or map to counters of direction d when counter_dir >=
 * 0: the services' counters, or with spec NULL the class counters, iv.svc
 * being the class) holding the intervals, encoded the way nft(8) encodes them: an end
 * element at 0, then per interval a start element and an end element at
 * hi+1 (also where the next interval starts there). */
static struct nftnl_set *new_set(struct model *m, const char *name, size_t width,
				 const struct svcplan_iv *iv, size_t n,
				 const struct svcspec *spec, int counter_dir)
{
	struct nftnl_set *s = model_set(m, name);
	uint32_t type = width == 2 ? NFT_TYPE_INET_SERVICE : width == 4 ? NFT_TYPE_IPADDR :
		NFT_TYPE_IP6ADDR;
	uint32_t flags = NFT_SET_INTERVAL;

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)width);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	if (counter_dir >= 0) {
		flags |= NFT_SET_OBJECT; /* not MAP: the kernel wants one of the two */
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_COUNTER);
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	if (m->with_ids)
		nftnl_set_set_u32(s, NFTNL_SET_ID, ++m->set_id);
	/* Like nft(8): an end element at 0 opens the key space with a gap. */
	if (n && memcmp(iv[0].lo, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", width)) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		static const uint8_t zero[16];

		if (!e)
			goto fail;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, zero, (uint32_t)width);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, e);
	}
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		uint8_t next[16];
		int wrap = 1;

		if (!e)
			goto fail;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, iv[i].lo, (uint32_t)width);
		if (counter_dir >= 0) {
			char cname[SVC_NAME_MAX + 8];

			if (spec)
				snprintf(cname, sizeof(cname), "%s_%s", nftb_dir_name[counter_dir],
					 spec->svcs[iv[i].svc].name);
			else
				nftb_class_counter_name((int)iv[i].svc, (enum dir)counter_dir, cname,
							sizeof(cname));
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF, cname);
		}
		nftnl_set_elem_add(s, e);
		memcpy(next, iv[i].hi, width);
		for (size_t b = width; b-- > 0;)
			if (++next[b] != 0) {
				wrap = 0;
				break;
			}
		if (wrap)
			continue;
		e = nftnl_set_elem_alloc();
		if (!e)
			goto fail;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, next, (uint32_t)width);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, e);
	}
	return s;
fail:
	m->failed = 1;
	return NULL;
}

/* Port or peer field of the packet for key in direction d. */
static void e_key(struct model *m, struct nftnl_rule *r, enum svcplan_key key, enum dir d)
{
	switch (key) {
	case SVCPLAN_LPORT: /* dport in, sport out */
		e_payload(m, r, NFT_PAYLOAD_TRANSPORT_HEADER, d == DIR_IN ? 2 : 0, 2);
		break;
	case SVCPLAN_RPORT:
		e_payload(m, r, NFT_PAYLOAD_TRANSPORT_HEADER, d == DIR_IN ? 0 : 2, 2);
		break;
	case SVCPLAN_PEER4: /* saddr in, daddr out */
		e_payload(m, r, NFT_PAYLOAD_NETWORK_HEADER, d == DIR_IN ? 12 : 16, 4);
		break;
	case SVCPLAN_PEER6:
		e_payload(m, r, NFT_PAYLOAD_NETWORK_HEADER, d == DIR_IN ? 8 : 24, 16);
		break;
	}
}

static uint8_t ipproto(enum svc_proto p)
{
	return p == SVC_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
}

struct svcsets {
	uint32_t lport, rport, peer[2]; /* set ids (install only) */
	int made[4];                    /* which lists became sets */
	char names[4][48];
};

/* A cgroup as the socket expression compares it. */
struct cgref {
	uint64_t id;
	uint32_t level;
};

/* Matches of service s in direction d for one family/protocol variant
 * (fam 0: both families; proto 0: any). */
static void e_svc_match(struct model *m, struct nftnl_rule *r, const struct svc *s,
			const struct svcsets *ss, enum dir d, int fam, uint8_t proto)
{
	if (fam) {
		e_meta(m, r, NFT_META_NFPROTO);
		e_cmp_u8(m, r, fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	}
	if (proto) {
		e_meta(m, r, NFT_META_L4PROTO);
		e_cmp_u8(m, r, proto);
	}
	if (s->n_lports) {
		e_key(m, r, SVCPLAN_LPORT, d);
		e_lookup(m, r, ss->names[0], ss->lport);
	}
	if (s->n_rports) {
		e_key(m, r, SVCPLAN_RPORT, d);
		e_lookup(m, r, ss->names[1], ss->rport);
	}
	if (s->n_peers && fam) {
		e_key(m, r, fam == 4 ? SVCPLAN_PEER4 : SVCPLAN_PEER6, d);
		e_lookup(m, r, ss->names[fam == 4 ? 2 : 3], ss->peer[fam == 4 ? 0 : 1]);
	}
}

/* Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a unified
 * system, /sys/fs/cgroup/unified on a hybrid one. */
static void cgroup2_root(char *root, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];

	snprintf(root, size, "%s", NFTB_CGROUP_ROOT);
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[2048], *sep = strstr(line, " - ");
		char fstype[64];

		/* id parent major:minor root MOUNTPOINT ... - FSTYPE ... */
		if (!sep || sscanf(sep, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mnt) == 1) {
			snprintf(root, size, "%s", mnt);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* The cgroup v2 id and depth of path (as the kernel's socket expression
 * compares them). */
static int cgroup_id(const char *path, uint64_t *id, uint32_t *level, struct ctv_err *err)
{
	char full[2 * PATH_MAX + 2], root[PATH_MAX];
	struct stat st;

	cgroup2_root(root, sizeof(root));
	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (stat(full, &st) < 0) {
		ctv_err_sys(err, errno, "cgroup=%s: %s", path, full);
		return -1;
	}
	*id = st.st_ino;
	*level = 1;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			(*level)++;
	return 0;
}

/* List k of service s (0 lport, 1 rport, 2 IPv4 peers, 3 IPv6 peers) as
 * intervals into iv (room for all of the list). Returns how many. */
static size_t svc_list(const struct svc *s, size_t idx, int k, struct svcplan_iv *iv)
{
	size_t n = 0, cnt = k == 0 ? s->n_lports : k == 1 ? s->n_rports : s->n_peers;
	size_t width = k < 2 ? 2 : k == 2 ? 4 : 16;

	for (size_t j = 0; j < cnt; j++) {
		struct svcplan_iv *x = &iv[n];

		x->svc = idx;
		if (k < 2) {
			const struct svc_portrange *p = k == 0 ? &s->lports[j] : &s->rports[j];

			x->lo[0] = (uint8_t)(p->first >> 8);
			x->lo[1] = (uint8_t)p->first;
			x->hi[0] = (uint8_t)(p->last >> 8);
			x->hi[1] = (uint8_t)p->last;
		} else {
			const struct svc_cidr *c = &s->peers[j];

			if (c->family != (k == 2 ? AF_INET : AF_INET6))
				continue;
			memcpy(x->lo, c->addr, width);
			memcpy(x->hi, c->addr, width);
			for (size_t b = c->prefix; b < width * 8; b++)
				x->hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		}
		n++;
	}
	return n;
}

/* The service's lists become sets (one per list, shared by both
 * directions); their ids go into ss. Failures mark the model. */
static void add_svc_sets(struct model *m, const struct svcspec *spec, size_t idx,
			 struct svcsets *ss)
{
	const struct svc *s = &spec->svcs[idx];

	for (int k = 0; k < 4; k++) {
		size_t cnt = k == 0 ? s->n_lports : k == 1 ? s->n_rports : s->n_peers;
		size_t width = k < 2 ? 2 : k == 2 ? 4 : 16, n;
		struct svcplan_iv *iv, *flat;
		struct nftnl_set *set;
		long got;

		snprintf(ss->names[k], sizeof(ss->names[k]), "s%zu_%s", idx,
			 (const char *const[]){ "lport", "rport", "peer4", "peer6" }[k]);
		if (!cnt)
			continue;
		iv = calloc(cnt, sizeof(*iv));
		if (!iv) {
			m->failed = 1;
			return;
		}
		n = svc_list(s, idx, k, iv);
		if (n == 0) {
			free(iv);
			continue;
		}
		got = svcplan_flatten(iv, n, width, &flat);
		free(iv);
		if (got < 0) {
			m->failed = 1;
			return;
		}
		set = new_set(m, ss->names[k], width, flat, (size_t)got, spec, -1);
		free(flat);
		if (!set)
			return;
		ss->made[k] = 1;
		if (k == 0)
			ss->lport = m->set_id;
		else if (k == 1)
			ss->rport = m->set_id;
		else
			ss->peer[k - 2] = m->set_id;
	}
}

/* The rule that tags a new connection when its socket is the owner's. */
static void add_owner_rule(struct model *m, const struct svc *s, const struct svcsets *ss,
			   unsigned owner, int fam, uint8_t proto, const struct cgref *cg)
{
	struct nftnl_rule *r = new_rule(m, &m->chains[2]);

	if (!r)
		return;
	e_mark_is(m, r, 0);
	e_svc_match(m, r, s, ss, DIR_OUT, fam, proto);
	if (s->match_uid) {
		e_meta(m, r, NFT_META_SKUID);
		e_cmp_u32(m, r, s->uid);
	}
	if (s->match_gid) {
		e_meta(m, r, NFT_META_SKGID);
		e_cmp_u32(m, r, s->gid);
	}
	if (s->cgroup) {
		nfnl_expr_socket_cgroup(r, &m->failed, cg->level, NFT_REG_1);
		e_cmp(m, r, &cg->id, 8);
	}
	e_mark_set(m, r, owner << SVCPLAN_MARK_SHIFT);
}

/* One family/protocol variant of the service: its counting rule in each
 * direction, and the owner's tagging rule. */
static void add_svc_variant(struct model *m, const struct svc *s, const struct svcsets *ss,
			    unsigned owner, int fam, uint8_t proto, const struct cgref *cg)
{
	for (int d = DIR_IN; d <= DIR_OUT; d++) {
		struct nftnl_rule *r = new_rule(m, &m->chains[d]);
		char cname[SVC_NAME_MAX + 8];

		if (!r)
			return;
		snprintf(cname, sizeof(cname), "%s_%s", nftb_dir_name[d], s->name);
		e_svc_match(m, r, s, ss, (enum dir)d, fam, proto);
		if (owner)
			e_mark_is(m, r, owner << SVCPLAN_MARK_SHIFT);
		e_counter(m, r, cname);
		e_accept(m, r);
	}
	if (owner)
		add_owner_rule(m, s, ss, owner, fam, proto, cg);
}

/* The protocols a variant of family fam matches (0: any). */
static int svc_protos(const struct svc *s, int fam, uint8_t protos[2])
{
	int np = 0;

	if (s->proto == SVC_PROTO_ICMP)
		protos[np++] = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	else if (s->proto != SVC_PROTO_ANY)
		protos[np++] = ipproto(s->proto);
	else if (s->n_lports || s->n_rports) {
		protos[np++] = IPPROTO_TCP;
		protos[np++] = IPPROTO_UDP;
	} else
		protos[np++] = 0;
	return np;
}

static int add_svc_step(struct model *m, const struct svcspec *spec, size_t idx,
			unsigned owner, struct ctv_err *err)
{
	const struct svc *s = &spec->svcs[idx];
	struct svcsets ss;
	struct cgref cg = { 0, 0 };
	int fams[2], nfam = 0;

	memset(&ss, 0, sizeof(ss));
	if (s->cgroup && cgroup_id(s->cgroup, &cg.id, &cg.level, err) < 0) {
		ctv_err_prefix(err, "%s:%u: service '%s'", s->file ? s->file : "?", s->line, s->name);
		return -1;
	}
	add_svc_sets(m, spec, idx, &ss);
	if (m->failed)
		return 0;
	/* Variants: families (peers, or ICMP's two protocols) x protocols. */
	if (s->n_peers) {
		if (ss.made[2])
			fams[nfam++] = 4;
		if (ss.made[3])
			fams[nfam++] = 6;
	} else if (s->proto == SVC_PROTO_ICMP) {
		fams[nfam++] = 4;
		fams[nfam++] = 6;
	} else {
		fams[nfam++] = 0;
	}
	for (int f = 0; f < nfam; f++) {
		uint8_t protos[2];
		int np = svc_protos(s, fams[f], protos);

		for (int p = 0; p < np; p++)
			add_svc_variant(m, s, &ss, owner, fams[f], protos[p], &cg);
	}
	return 0;
}

static void add_map_step(struct model *m, const struct svcspec *spec, size_t step,
			 const struct svcplan_map *map)
{
	for (int d = DIR_IN; d <= DIR_OUT; d++) {
		char name[32];
		struct nftnl_rule *r;

		snprintf(name, sizeof(name), "m%zu_%s", step, nftb_dir_name[d]);
		if (!new_set(m, name, map->width, map->iv, map->n, spec, d))
			return;
		r = new_rule(m, &m->chains[d]);
		if (!r)
			return;
		if (map->key == SVCPLAN_PEER4 || map->key == SVCPLAN_PEER6) {
			e_meta(m, r, NFT_META_NFPROTO);
			e_cmp_u8(m, r, map->key == SVCPLAN_PEER4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
		} else {
			e_meta(m, r, NFT_META_L4PROTO);
			e_cmp_u8(m, r, ipproto(map->proto));
		}
		e_key(m, r, map->key, (enum dir)d);
		e_counter_map(m, r, name, m->set_id);
		e_accept(m, r);
	}
}

/* Ports a group's maps cover, one key each when expanded. */
static size_t port_keys(const struct svcplan_map *maps, size_t nmaps)
{
	size_t n = 0;

	for (size_t k = 0; k < nmaps; k++)
		for (size_t i = 0; i < maps[k].n; i++)
			n += (size_t)((maps[k].iv[i].hi[0] << 8 | maps[k].iv[i].hi[1]) -
				      (maps[k].iv[i].lo[0] << 8 | maps[k].iv[i].lo[1])) + 1;
	return n;
}

/* The port maps of one group (TCP, UDP or both) as one hash map keyed by
 * "meta l4proto . th dport" (or sport), one element per port: one O(1)
 * lookup per packet for both protocols. Measured faster here than interval
 * maps (rbtree) and much faster than concatenated interval maps (pipapo),
 * so it is used whenever the ports expand to at most NFTB_HASH_KEYS keys.
 * Each field takes a 32-bit register: l4proto in the first byte of the
 * first, the port in the first two bytes of the second. */
static void add_port_hash(struct model *m, const struct svcspec *spec, size_t step,
			  const struct svcplan_map *maps, size_t nmaps)
{
	for (int d = DIR_IN; d <= DIR_OUT; d++) {
		struct nftnl_set *s;
		struct nftnl_rule *r;
		char name[32];

		snprintf(name, sizeof(name), "m%zu_%s", step, nftb_dir_name[d]);
		s = model_set(m, name);
		if (!s)
			return;
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 8);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_INET_PROTO << 6 | NFT_TYPE_INET_SERVICE);
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_OBJECT);
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_COUNTER);
		if (m->with_ids)
			nftnl_set_set_u32(s, NFTNL_SET_ID, ++m->set_id);
		for (size_t k = 0; k < nmaps; k++) {
			for (size_t i = 0; i < maps[k].n; i++) {
				const struct svcplan_iv *iv = &maps[k].iv[i];
				unsigned lo = (unsigned)(iv->lo[0] << 8 | iv->lo[1]);
				unsigned hi = (unsigned)(iv->hi[0] << 8 | iv->hi[1]);
				char cname[SVC_NAME_MAX + 8];

				snprintf(cname, sizeof(cname), "%s_%s", nftb_dir_name[d],
					 spec->svcs[iv->svc].name);
				for (unsigned p = lo; p <= hi; p++) {
					struct nftnl_set_elem *e = nftnl_set_elem_alloc();
					uint8_t key[8] = { ipproto(maps[k].proto), 0, 0, 0,
							   (uint8_t)(p >> 8), (uint8_t)p, 0, 0 };

					if (!e)
						goto fail;
					nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, sizeof(key));
					nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF, cname);
					nftnl_set_elem_add(s, e);
				}
			}
		}
		/* Its size lets the kernel pick a fixed hash table sized for it. */
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)port_keys(maps, nmaps));
		r = new_rule(m, &m->chains[d]);
		if (!r)
			return;
		e_meta_to(m, r, NFT_META_L4PROTO, NFT_REG_1); /* = NFT_REG32_00, as dumps name it */
		nfnl_expr_payload(r, &m->failed, NFT_PAYLOAD_TRANSPORT_HEADER,
				  (maps[0].key == SVCPLAN_LPORT) == (d == DIR_IN) ? 2 : 0, 2, NFT_REG32_01);
		e_counter_map(m, r, name, m->set_id);
		e_accept(m, r);
	}
	return;
fail:
	m->failed = 1;
}

static void add_bucket_rule(struct model *m, int d, const char *bucket, int loopback)
{
	struct nftnl_rule *r = new_rule(m, &m->chains[d]);
	char cname[SVC_NAME_MAX + 8];

	if (!r)
		return;
	snprintf(cname, sizeof(cname), "%s_%s", nftb_dir_name[d], bucket);
	if (loopback) {
		/* The loopback device is ifindex 1 in every network namespace. */
		e_meta(m, r, d == DIR_IN ? NFT_META_IIF : NFT_META_OIF);
		e_cmp_u32(m, r, 1);
	}
	e_counter(m, r, cname);
	if (loopback)
		e_accept(m, r);
}

void nftb_class_counter_name(int cls, enum dir d, char *buf, size_t len)
{
	snprintf(buf, len, "class_%d_%s", cls, nftb_dir_name[d]);
}

int nftb_class_counter(const char *name, char *buf, size_t len)
{
	for (int cls = 0; cls < STORE_CLASSES; cls++)
		for (int d = DIR_IN; d <= DIR_OUT; d++) {
			char n[32];

			nftb_class_counter_name(cls, (enum dir)d, n, sizeof(n));
			if (!strcmp(n, name)) {
				store_class_series(cls, buf, len);
				return d == DIR_IN;
			}
		}
	return -1;
}

/* The mirror of the node's classes: per family and direction one interval
 * map of the flattened classes to the class counters, looked up by the
 * peer's address (saddr in, daddr out); no verdict, so the packet goes on
 * to the services. Right after the loopback rule, so loopback is in no
 * class. */
static void add_class_maps(struct model *m, const struct svcspec *spec, struct ctv_err *err)
{
	struct classes_flat f;
	int ids[CLASSES_MAX], n = svcspec_class_ids(spec, ids);

	if (n <= 0) {
		m->failed |= n < 0;
		return;
	}
	for (int d = DIR_IN; d <= DIR_OUT; d++)
		for (int i = 0; i < n; i++) {
			char cname[32];

			nftb_class_counter_name(ids[i], (enum dir)d, cname, sizeof(cname));
			if (nfnl_names_add(&m->counters, cname) < 0)
				m->failed = 1;
		}
	if (classes_flatten(&spec->classes, &f, err) < 0) {
		m->failed = 1;
		return;
	}
	for (int fam = 4; fam <= 6 && !m->failed; fam += 2) {
		size_t nr = fam == 4 ? f.n4 : f.n6, width = fam == 4 ? 4 : 16;
		const struct classes_range *r = fam == 4 ? f.v4 : f.v6;
		struct svcplan_iv *iv = calloc(nr + 1, sizeof(*iv));

		if (!iv) {
			m->failed = 1;
			break;
		}
		for (size_t i = 0; i < nr; i++) {
			memcpy(iv[i].lo, r[i].first, width);
			memcpy(iv[i].hi, r[i].last, width);
			iv[i].svc = r[i].cls;
		}
		for (int d = DIR_IN; d <= DIR_OUT; d++) {
			char name[32];
			struct nftnl_rule *rule;

			snprintf(name, sizeof(name), "class%d_%s", fam, nftb_dir_name[d]);
			if (!new_set(m, name, width, iv, nr, NULL, d))
				break;
			rule = new_rule(m, &m->chains[d]);
			if (!rule)
				break;
			e_meta(m, rule, NFT_META_NFPROTO);
			e_cmp_u8(m, rule, fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
			e_key(m, rule, fam == 4 ? SVCPLAN_PEER4 : SVCPLAN_PEER6, (enum dir)d);
			e_counter_map(m, rule, name, m->set_id);
		}
		free(iv);
	}
	classes_flat_free(&f);
}

/* Builds everything the spec needs. Returns 0, or -1 with err. */
int nftb_model_build(const struct svcspec *spec, int with_ids, struct model *m,
		       struct ctv_err *err)
{
	struct svcplan plan;

	memset(m, 0, sizeof(*m));
	m->with_ids = with_ids;
	if (svcplan_build(spec, &plan, err) < 0)
		return -1;
	m->chains[0] = (struct model_chain){ .name = "in", .hook = NF_INET_PRE_ROUTING, .prio = NFTB_PRIO_IN };
	m->chains[1] = (struct model_chain){ .name = "out", .hook = NF_INET_POST_ROUTING, .prio = NFTB_PRIO_OUT };
	m->chains[2] = (struct model_chain){ .name = "owner_mark", .hook = NF_INET_LOCAL_OUT, .prio = NFTB_PRIO_MARK };
	m->n_chains = plan.n_owners ? 3 : 2;
	for (int d = DIR_IN; d <= DIR_OUT; d++) {
		char cname[SVC_NAME_MAX + 8];

		snprintf(cname, sizeof(cname), "%s_local", nftb_dir_name[d]);
		if (nfnl_names_add(&m->counters, cname) < 0)
			m->failed = 1;
		for (size_t i = 0; i < spec->n; i++) {
			snprintf(cname, sizeof(cname), "%s_%s", nftb_dir_name[d], spec->svcs[i].name);
			if (nfnl_names_add(&m->counters, cname) < 0)
				m->failed = 1;
		}
		snprintf(cname, sizeof(cname), "%s_other", nftb_dir_name[d]);
		if (nfnl_names_add(&m->counters, cname) < 0)
			m->failed = 1;
		add_bucket_rule(m, d, "local", 1);
	}
	add_class_maps(m, spec, err);
	for (size_t i = 0; i < plan.n && !m->failed; i++) {
		const struct svcplan_step *st = &plan.steps[i];

		if (st->kind == SVCPLAN_MAP &&
		    (st->map.key == SVCPLAN_LPORT || st->map.key == SVCPLAN_RPORT)) {
			struct svcplan_map maps[2] = { st->map };
			size_t n = 1;

			/* TCP and UDP maps of one group become one. */
			if (i + 1 < plan.n && plan.steps[i + 1].kind == SVCPLAN_MAP &&
			    plan.steps[i + 1].svc == st->svc && plan.steps[i + 1].map.key == st->map.key)
				maps[n++] = plan.steps[i + 1].map;
			if (port_keys(maps, n) <= NFTB_HASH_KEYS) {
				add_port_hash(m, spec, i, maps, n);
				i += n - 1;
			} else {
				/* Wide ranges: an interval map per protocol. */
				add_map_step(m, spec, i, &st->map);
			}
		} else if (st->kind == SVCPLAN_MAP)
			add_map_step(m, spec, i, &st->map);
		else if (add_svc_step(m, spec, st->svc, plan.owner_id[st->svc], err) < 0) {
			svcplan_free(&plan);
			nftb_model_free(m);
			return -1;
		}
	}
	for (int d = DIR_IN; d <= DIR_OUT; d++)
		add_bucket_rule(m, d, "other", 0);
	svcplan_free(&plan);
	if (m->failed) {
		nftb_model_free(m);
		ctv_err_set(err, "out of memory building the nftables rules");
		errno = ENOMEM;
		return -1;
	}
	/* install and check look each counter up in what is there. */
	nfnl_names_index(&m->counters);
	return 0;
}

