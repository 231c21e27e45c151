#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipt_tree.h"

/* Up to this many exceptions a chain tests them one by one; beyond, it
 * splits in two (a linear chain of 4 costs about as much as 2 levels). */
#define LINEAR_MAX 4
/* Leaves with more owner services than this first let unmarked packets
 * through with one rule. */
#define MARK_SKIP_MIN 4

#define ALL_DIMS ((1u << IPTTREE_NDIM) - 1)

struct iv {
	ipttree_u128 lo, hi;
};

/* One service as this family and kind see it. */
struct csvc {
	size_t svc;     /* index in the spec: bucket svc + 1 */
	unsigned mark;  /* owner id, 0 none */
	int has_ports;
	enum svc_proto proto;
	struct iv *d[IPTTREE_NDIM];
	size_t nd[IPTTREE_NDIM];
	unsigned full;  /* dims the service does not constrain */
};

/* A service still possible at a node; allmask: dims already known true. */
struct cand {
	unsigned cs;
	unsigned allmask;
};

struct memo_ent {
	unsigned char *key;
	size_t len;
	struct ipttree_target t;
};

struct builder {
	struct ipttree *t;
	const struct svcspec *spec;
	struct csvc *cs;
	size_t ncs;
	ipttree_u128 dmax[IPTTREE_NDIM];
	size_t max_rules;
	struct ctv_err *err;
	struct ipttree_target deflt;
	uint8_t proto; /* the branch: IPPROTO_TCP/UDP, or the icmp/rest marker */
	struct memo_ent *memo;
	size_t memo_cap, memo_n;
	int failed;
};

static int is_owner_svc(const struct svc *s)
{
	return s->match_uid || s->match_gid || s->cgroup;
}

unsigned ipttree_owner_id(const struct svcspec *spec, size_t i)
{
	unsigned id = 0;

	if (!is_owner_svc(&spec->svcs[i]))
		return 0;
	for (size_t k = 0; k <= i; k++)
		if (is_owner_svc(&spec->svcs[k]))
			id++;
	return id;
}

static uint8_t icmp_proto(int family)
{
	return family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

static ipttree_u128 addr_u128(const uint8_t *a, int family)
{
	ipttree_u128 v = 0;
	int len = family == AF_INET6 ? 16 : 4;

	for (int i = 0; i < len; i++)
		v = (v << 8) | a[i];
	return v;
}

static ipttree_u128 host_mask(int family, unsigned prefix)
{
	unsigned bits = family == AF_INET6 ? 128 : 32;

	if (prefix >= bits)
		return 0;
	return (((ipttree_u128)1) << (bits - prefix)) - 1;
}

static int cmp_iv(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts and merges touching intervals; returns the new count. */
static size_t merge_ivs(struct iv *v, size_t n)
{
	size_t m = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_iv);
	for (size_t i = 1; i < n; i++) {
		if (v[i].lo <= v[m].hi + 1 || v[m].hi == ~(ipttree_u128)0) {
			if (v[i].hi > v[m].hi)
				v[m].hi = v[i].hi;
		} else {
			v[++m] = v[i];
		}
	}
	return m + 1;
}

static int dim_from_ports(struct csvc *c, int d, const struct svc_portrange *p, size_t n)
{
	if (!n) {
		c->full |= 1u << d;
		return 0;
	}
	c->d[d] = calloc(n, sizeof(struct iv));
	if (!c->d[d])
		return -1;
	for (size_t i = 0; i < n; i++) {
		c->d[d][i].lo = p[i].first < p[i].last ? p[i].first : p[i].last;
		c->d[d][i].hi = p[i].first < p[i].last ? p[i].last : p[i].first;
	}
	c->nd[d] = merge_ivs(c->d[d], n);
	if (c->nd[d] == 1 && c->d[d][0].lo == 0 && c->d[d][0].hi == 65535)
		c->full |= 1u << d;
	return 0;
}

/* 0 ok, 1 the service cannot match this family, -1 out of memory. */
static int dim_from_peers(struct csvc *c, const struct svc *s, int family, ipttree_u128 dmax)
{
	size_t n = 0;

	if (!s->n_peers) {
		c->full |= 1u << IPTTREE_PEER;
		return 0;
	}
	c->d[IPTTREE_PEER] = calloc(s->n_peers, sizeof(struct iv));
	if (!c->d[IPTTREE_PEER])
		return -1;
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct svc_cidr *p = &s->peers[i];
		ipttree_u128 a, m;

		if (p->family != family)
			continue;
		m = host_mask(family, p->prefix);
		a = addr_u128(p->addr, family) & ~m;
		c->d[IPTTREE_PEER][n].lo = a;
		c->d[IPTTREE_PEER][n].hi = a | m;
		n++;
	}
	if (!n)
		return 1;
	c->nd[IPTTREE_PEER] = merge_ivs(c->d[IPTTREE_PEER], n);
	if (c->nd[IPTTREE_PEER] == 1 && c->d[IPTTREE_PEER][0].lo == 0 &&
	    c->d[IPTTREE_PEER][0].hi == dmax)
		c->full |= 1u << IPTTREE_PEER;
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static int new_chain(struct builder *b, unsigned *idx)
{
	struct ipttree *t = b->t;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct ipttree_chain *c = realloc(t->c, cap * sizeof(*c));

		if (!c) {
			ctv_err_sys(b->err, ENOMEM, "building the chain tree");
			return -1;
		}
		t->c = c;
		t->cap = cap;
	}
	memset(&t->c[t->n], 0, sizeof(t->c[t->n]));
	*idx = (unsigned)t->n++;
	return 0;
}

static struct ipttree_rule *add_rule(struct builder *b, unsigned chain, struct ipttree_target tg)
{
	struct ipttree_chain *c = &b->t->c[chain];
	struct ipttree_rule *r;

	if (b->t->n_rules >= b->max_rules) {
		ctv_err_set(b->err, "the services need more than %zu iptables rules; "
			    "use fewer combined options or the nft backend", b->max_rules);
		errno = E2BIG;
		return NULL;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4;
		struct ipttree_rule *v = realloc(c->r, cap * sizeof(*v));

		if (!v) {
			ctv_err_sys(b->err, ENOMEM, "building the chain tree");
			return NULL;
		}
		c->r = v;
		c->cap = cap;
	}
	r = &c->r[c->n++];
	memset(r, 0, sizeof(*r));
	r->dim = -1;
	r->owner = -1;
	r->t = tg;
	b->t->n_rules++;
	return r;
}

static int same_target(struct ipttree_target a, struct ipttree_target b)
{
	return a.kind == b.kind && a.arg == b.arg;
}

static struct ipttree_rule *add_dim_rule(struct builder *b, unsigned chain, int d,
					 ipttree_u128 lo, ipttree_u128 hi,
					 struct ipttree_target tg)
{
	struct ipttree_rule *r = add_rule(b, chain, tg);

	if (!r)
		return NULL;
	r->dim = d;
	r->lo = lo;
	r->hi = hi;
	if (d != IPTTREE_PEER)
		r->proto = b->proto;
	return r;
}

/* ---- memo: identical candidate lists share one subtree ------------------ */

static uint64_t hash_key(const unsigned char *k, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static unsigned char *make_key(struct builder *b, const struct cand *c, size_t n, size_t *len)
{
	unsigned char *k;

	int ports = 0;

	/* Subtrees that test no port need no protocol and are shared by the
	 * protocol branches. */
	for (size_t i = 0; i < n && !ports; i++)
		ports = (c[i].allmask & ((1u << IPTTREE_LPORT) | (1u << IPTTREE_RPORT))) !=
			((1u << IPTTREE_LPORT) | (1u << IPTTREE_RPORT));
	*len = 1 + n * sizeof(*c);
	k = malloc(*len);
	if (!k)
		return NULL;
	k[0] = ports ? b->proto : 0;
	memcpy(k + 1, c, n * sizeof(*c));
	return k;
}

static struct memo_ent *memo_find(struct builder *b, const unsigned char *k, size_t len)
{
	size_t i;

	if (!b->memo_cap)
		return NULL;
	for (i = hash_key(k, len) & (b->memo_cap - 1); b->memo[i].key;
	     i = (i + 1) & (b->memo_cap - 1))
		if (b->memo[i].len == len && !memcmp(b->memo[i].key, k, len))
			return &b->memo[i];
	return NULL;
}

/* Takes ownership of k. */
static int memo_add(struct builder *b, unsigned char *k, size_t len, struct ipttree_target t)
{
	size_t i;

	if (2 * (b->memo_n + 1) > b->memo_cap) {
		size_t cap = b->memo_cap ? 2 * b->memo_cap : 256;
		struct memo_ent *m = calloc(cap, sizeof(*m));

		if (!m) {
			free(k);
			return -1;
		}
		for (size_t j = 0; j < b->memo_cap; j++) {
			if (!b->memo[j].key)
				continue;
			for (i = hash_key(b->memo[j].key, b->memo[j].len) & (cap - 1); m[i].key;
			     i = (i + 1) & (cap - 1))
				;
			m[i] = b->memo[j];
		}
		free(b->memo);
		b->memo = m;
		b->memo_cap = cap;
	}
	for (i = hash_key(k, len) & (b->memo_cap - 1); b->memo[i].key; i = (i + 1) & (b->memo_cap - 1))
		;
	b->memo[i].key = k;
	b->memo[i].len = len;
	b->memo[i].t = t;
	b->memo_n++;
	return 0;
}

/* ---- the builder ------------------------------------------------------- */

static int unconditional(const struct builder *b, const struct cand *c)
{
	return c->allmask == ALL_DIMS && b->t->kind != IPTTREE_MARK && !b->cs[c->cs].mark;
}

static struct ipttree_target bucket(const struct builder *b, const struct cand *c)
{
	struct ipttree_target t = { IPTTREE_T_BUCKET, (unsigned)b->cs[c->cs].svc + 1 };

	return t;
}

static int node(struct builder *b, struct cand *c, size_t n, struct ipttree_target *out);

/* All interval dims are known true: what is left are owner conditions. */
static int leaf(struct builder *b, const struct cand *c, size_t n, struct ipttree_target *out)
{
	struct ipttree_target last = b->deflt;
	struct ipttree_rule *r;
	unsigned ch;
	size_t nc = n;

	if (n && unconditional(b, &c[n - 1])) {
		last = bucket(b, &c[n - 1]);
		nc = n - 1;
	}
	if (!nc) {
		*out = last;
		return 0;
	}
	if (new_chain(b, &ch) < 0)
		return -1;
	if (b->t->kind == IPTTREE_MARK) {
		for (size_t i = 0; i < nc; i++) {
			if (!(r = add_rule(b, ch, bucket(b, &c[i]))))
				return -1;
			r->owner = (int)b->cs[c[i].cs].svc;
		}
	} else {
		if (nc >= MARK_SKIP_MIN) {
			if (!(r = add_rule(b, ch, last)))
				return -1;
			r->mark = 1;
			r->mark_val = 0;
		}
		for (size_t i = 0; i < nc; i++) {
			if (!(r = add_rule(b, ch, bucket(b, &c[i]))))
				return -1;
			r->mark = 1;
			r->mark_val = b->cs[c[i].cs].mark;
		}
		if (!add_rule(b, ch, last))
			return -1;
	}
	out->kind = IPTTREE_T_CHAIN;
	out->arg = ch;
	return 0;
}

struct seg {
	ipttree_u128 lo, hi;
	struct ipttree_target t;
};

/* Dispatches on dim d over segs (contiguous, together covering every value
 * a packet reaching here can have). */
static int dispatch(struct builder *b, int d, const struct seg *s, size_t n,
		    struct ipttree_target *out)
{
	size_t best = 0, bestn = 0, nondef = 0, mid;
	struct ipttree_target left, right;
	unsigned ch;

	if (n == 1) {
		*out = s[0].t;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		for (size_t j = 0; j < n; j++)
			k += same_target(s[i].t, s[j].t);
		if (k > bestn) {
			bestn = k;
			best = i;
		}
		if (bestn * 2 > n)
			break;
	}
	nondef = n - bestn;
	if (new_chain(b, &ch) < 0)
		return -1;
	if (nondef <= LINEAR_MAX) {
		for (size_t i = 0; i < n; i++)
			if (!same_target(s[i].t, s[best].t) &&
			    !add_dim_rule(b, ch, d, s[i].lo, s[i].hi, s[i].t))
				return -1;
		if (!add_rule(b, ch, s[best].t))
			return -1;
	} else {
		mid = (n - 1) / 2;
		if (dispatch(b, d, s, mid + 1, &left) < 0 ||
		    dispatch(b, d, s + mid + 1, n - mid - 1, &right) < 0)
			return -1;
		if (!add_dim_rule(b, ch, d, 0, s[mid].hi, left) || !add_rule(b, ch, right))
			return -1;
	}
	out->kind = IPTTREE_T_CHAIN;
	out->arg = ch;
	return 0;
}

static int cmp_u128(const void *a, const void *b)
{
	const ipttree_u128 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The elementary intervals of dim d at this node (the starts, sorted). */
static ipttree_u128 *boundaries(struct builder *b, int d, const struct cand *c, size_t n,
				size_t *nb)
{
	size_t cap = 1, k = 0, m = 0;
	ipttree_u128 *v;

	for (size_t i = 0; i < n; i++)
		if (!(c[i].allmask & (1u << d)))
			cap += 2 * b->cs[c[i].cs].nd[d];
	v = malloc(cap * sizeof(*v));
	if (!v)
		return NULL;
	v[k++] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct csvc *s = &b->cs[c[i].cs];

		if (c[i].allmask & (1u << d))
			continue;
		for (size_t j = 0; j < s->nd[d]; j++) {
			v[k++] = s->d[d][j].lo;
			if (s->d[d][j].hi < b->dmax[d])
				v[k++] = s->d[d][j].hi + 1;
		}
	}
	qsort(v, k, sizeof(*v), cmp_u128);
	for (size_t i = 0; i < k; i++)
		if (!m || v[i] != v[m - 1])
			v[m++] = v[i];
	*nb = m;
	return v;
}

static size_t find_b(const ipttree_u128 *v, size_t n, ipttree_u128 x)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

struct part {
	ipttree_u128 *bnd;
	size_t nb;
	struct cand **child;
	size_t *nchild;
	unsigned char *closed;
	size_t cost;
};

static void part_free(struct part *p)
{
	if (p->child)
		for (size_t i = 0; i < p->nb; i++)
			free(p->child[i]);
	free(p->child);
	free(p->nchild);
	free(p->closed);
	free(p->bnd);
	memset(p, 0, sizeof(*p));
}

static void part_add(struct builder *b, struct part *p, size_t k, struct cand c)
{
	if (p->closed[k])
		return;
	p->child[k][p->nchild[k]++] = c;
	p->cost++;
	if (unconditional(b, &c))
		p->closed[k] = 1;
}

/* Splits the candidates on dim d into one list per elementary interval. */
static int partition(struct builder *b, int d, const struct cand *c, size_t n, struct part *p)
{
	memset(p, 0, sizeof(*p));
	p->bnd = boundaries(b, d, c, n, &p->nb);
	if (!p->bnd)
		return -1;
	p->child = calloc(p->nb, sizeof(*p->child));
	p->nchild = calloc(p->nb, sizeof(*p->nchild));
	p->closed = calloc(p->nb, 1);
	if (!p->child || !p->nchild || !p->closed)
		goto oom;
	for (size_t k = 0; k < p->nb; k++)
		if (!(p->child[k] = malloc(n * sizeof(struct cand))))
			goto oom;
	for (size_t i = 0; i < n; i++) {
		const struct csvc *s = &b->cs[c[i].cs];
		struct cand x = { c[i].cs, c[i].allmask | (1u << d) };

		if (c[i].allmask & (1u << d)) {
			for (size_t k = 0; k < p->nb; k++)
				part_add(b, p, k, x);
			continue;
		}
		for (size_t j = 0; j < s->nd[d]; j++) {
			size_t k0 = find_b(p->bnd, p->nb, s->d[d][j].lo);
			size_t k1 = find_b(p->bnd, p->nb, s->d[d][j].hi);

			for (size_t k = k0; k <= k1; k++)
				part_add(b, p, k, x);
		}
	}
	return 0;
oom:
	part_free(p);
	return -1;
}

static int split(struct builder *b, const struct cand *c, size_t n, struct ipttree_target *out)
{
	struct part best = { 0 }, p;
	int bestd = -1;
	struct seg *segs = NULL;
	size_t ns = 0;
	int rc = -1;

	for (int d = 0; d < IPTTREE_NDIM; d++) {
		int open = 0;

		for (size_t i = 0; i < n && !open; i++)
			open = !(c[i].allmask & (1u << d));
		if (!open)
			continue;
		if (partition(b, d, c, n, &p) < 0) {
			part_free(&best);
			ctv_err_sys(b->err, ENOMEM, "building the chain tree");
			return -1;
		}
		if (bestd < 0 || p.cost < best.cost) {
			part_free(&best);
			best = p;
			bestd = d;
		} else {
			part_free(&p);
		}
	}
	segs = calloc(best.nb, sizeof(*segs));
	if (!segs) {
		ctv_err_sys(b->err, ENOMEM, "building the chain tree");
		goto out;
	}
	for (size_t k = 0; k < best.nb; k++) {
		struct ipttree_target t;

		if (node(b, best.child[k], best.nchild[k], &t) < 0)
			goto out;
		if (ns && same_target(segs[ns - 1].t, t)) {
			segs[ns - 1].hi = k + 1 < best.nb ? best.bnd[k + 1] - 1 : b->dmax[bestd];
			continue;
		}
		segs[ns].lo = best.bnd[k];
		segs[ns].hi = k + 1 < best.nb ? best.bnd[k + 1] - 1 : b->dmax[bestd];
		segs[ns].t = t;
		ns++;
	}
	rc = dispatch(b, bestd, segs, ns, out);
out:
	free(segs);
	part_free(&best);
	return rc;
}

static int node(struct builder *b, struct cand *c, size_t n, struct ipttree_target *out)
{
	unsigned char *k;
	size_t len;
	struct memo_ent *m;
	int leafy = 1;

	for (size_t i = 0; i < n; i++) {
		if (unconditional(b, &c[i])) {
			n = i + 1;
			break;
		}
	}
	if (!n) {
		*out = b->deflt;
		return 0;
	}
	if (n == 1 && unconditional(b, &c[0])) {
		*out = bucket(b, &c[0]);
		return 0;
	}
	k = make_key(b, c, n, &len);
	if (!k) {
		ctv_err_sys(b->err, ENOMEM, "building the chain tree");
		return -1;
	}
	if ((m = memo_find(b, k, len))) {
		free(k);
		*out = m->t;
		return 0;
	}
	for (size_t i = 0; i < n && leafy; i++)
		leafy = c[i].allmask == ALL_DIMS;
	if ((leafy ? leaf(b, c, n, out) : split(b, c, n, out)) < 0) {
		free(k);
		return -1;
	}
	if (memo_add(b, k, len, *out) < 0) {
		ctv_err_sys(b->err, ENOMEM, "building the chain tree");
		return -1;
	}
	return 0;
}

/* The services that can match packets of one protocol branch; portless:
 * packets whose ports cannot be seen (non-first fragments). */
static int branch(struct builder *b, uint8_t proto, int portless, struct ipttree_target *out)
{
	struct cand *c = calloc(b->ncs ? b->ncs : 1, sizeof(*c));
	size_t n = 0;
	int rc;

	if (!c) {
		ctv_err_sys(b->err, ENOMEM, "building the chain tree");
		return -1;
	}
	for (size_t i = 0; i < b->ncs; i++) {
		const struct csvc *s = &b->cs[i];
		int ok;

		if (proto == IPPROTO_TCP)
			ok = s->proto == SVC_PROTO_ANY || s->proto == SVC_PROTO_TCP;
		else if (proto == IPPROTO_UDP)
			ok = s->proto == SVC_PROTO_ANY || s->proto == SVC_PROTO_UDP;
		else if (proto == icmp_proto(b->t->family))
			ok = !s->has_ports && (s->proto == SVC_PROTO_ANY || s->proto == SVC_PROTO_ICMP);
		else
			ok = !s->has_ports && s->proto == SVC_PROTO_ANY;
		if (!ok || (portless && s->has_ports))
			continue;
		c[n].cs = (unsigned)i;
		c[n].allmask = s->full;
		n++;
	}
	b->proto = proto;
	rc = node(b, c, n, out);
	free(c);
	return rc;
}

/* Sends one protocol to its branch unless the rest's branch is the same. */
static int add_proto_rule(struct builder *b, unsigned entry, uint8_t proto,
			  struct ipttree_target t, struct ipttree_target rest)
{
	struct ipttree_rule *r;

	if (same_target(t, rest))
		return 0;
	if (!(r = add_rule(b, entry, t)))
		return -1;
	r->proto = proto;
	return 0;
}

/* TCP or UDP: packets whose header can be read (the tcp/udp match with
 * full ranges fails on non-first fragments, as every port test does) go
 * to the port branch, the others to the services without ports. */
static int add_ports_rules(struct builder *b, unsigned entry, uint8_t proto,
			   struct ipttree_target ports, struct ipttree_target portless,
			   struct ipttree_target rest)
{
	uint8_t saved = b->proto;

	if (same_target(ports, portless))
		return add_proto_rule(b, entry, proto, ports, rest);
	b->proto = proto;
	if (!add_dim_rule(b, entry, IPTTREE_LPORT, 0, 65535, ports)) {
		b->proto = saved;
		return -1;
	}
	b->proto = saved;
	return add_proto_rule(b, entry, proto, portless, rest);
}

void ipttree_free(struct ipttree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->c[i].r);
	free(t->c);
	memset(t, 0, sizeof(*t));
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->ncs; i++)
		for (int d = 0; d < IPTTREE_NDIM; d++)
			free(b->cs[i].d[d]);
	free(b->cs);
	for (size_t i = 0; i < b->memo_cap; i++)
		free(b->memo[i].key);
	free(b->memo);
}

int ipttree_build(struct ipttree *t, const struct svcspec *spec, int family,
		  enum ipttree_kind kind, size_t max_rules, struct ctv_err *err)
{
	struct builder b = { 0 };
	struct ipttree_target tt, tu, ttf, tuf, ti, tr;
	struct ipttree_rule *r;
	unsigned entry, owners = 0;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->family = family;
	t->n_svcs = spec->n;
	b.t = t;
	b.spec = spec;
	b.err = err;
	b.max_rules = max_rules;
	b.dmax[IPTTREE_LPORT] = b.dmax[IPTTREE_RPORT] = 65535;
	b.dmax[IPTTREE_PEER] = family == AF_INET6 ? ~(ipttree_u128)0 : 0xffffffffu;
	if (kind == IPTTREE_MARK) {
		b.deflt.kind = IPTTREE_T_RETURN;
	} else {
		b.deflt.kind = IPTTREE_T_BUCKET;
		b.deflt.arg = (unsigned)spec->n + 1;
	}
	b.cs = calloc(spec->n ? spec->n : 1, sizeof(*b.cs));
	if (!b.cs) {
		ctv_err_sys(err, ENOMEM, "building the chain tree");
		return -1;
	}
	for (size_t i = 0; i < spec->n; i++) {
		const struct svc *s = &spec->svcs[i];
		struct csvc *c = &b.cs[b.ncs];
		int pr;

		if (is_owner_svc(s) && ++owners > IPTTREE_MARK_MAX) {
			ctv_err_set(err, "%s:%u: service '%s': more than %d services with "
				    "user=, group= or cgroup= (the connection mark has 8 bits for them)",
				    s->file ? s->file : "?", s->line, s->name, IPTTREE_MARK_MAX);
			errno = ERANGE;
			goto out;
		}
		if (kind == IPTTREE_MARK && !is_owner_svc(s))
			continue;
		c->svc = i;
		c->mark = is_owner_svc(s) ? owners : 0;
		c->proto = s->proto;
		c->has_ports = s->n_lports || s->n_rports;
		if (dim_from_ports(c, IPTTREE_LPORT, s->lports, s->n_lports) < 0 ||
		    dim_from_ports(c, IPTTREE_RPORT, s->rports, s->n_rports) < 0 ||
		    (pr = dim_from_peers(c, s, family, b.dmax[IPTTREE_PEER])) < 0) {
			ctv_err_sys(err, ENOMEM, "building the chain tree");
			b.ncs++;
			goto out;
		}
		b.ncs++;
		if (pr == 1 || (s->proto == SVC_PROTO_ICMP && c->has_ports)) {
			/* No peer of this family, or ICMP with ports: never matches. */
			for (int d = 0; d < IPTTREE_NDIM; d++)
				free(c->d[d]);
			memset(c, 0, sizeof(*c));
			b.ncs--;
		}
	}
	if (new_chain(&b, &entry) < 0)
		goto out;
	if (kind == IPTTREE_MARK) {
		/* Marked already: the first socket that matched decided. */
		struct ipttree_target ret = { IPTTREE_T_RETURN, 0 };

		if (!(r = add_rule(&b, entry, ret)))
			goto out;
		r->mark = -1;
		r->mark_val = 0;
	} else {
		struct ipttree_target local = { IPTTREE_T_BUCKET, 0 };

		if (!(r = add_rule(&b, entry, local)))
			goto out;
		r->loopback = 1;
	}
	if (branch(&b, IPPROTO_TCP, 0, &tt) < 0 || branch(&b, IPPROTO_UDP, 0, &tu) < 0 ||
	    branch(&b, IPPROTO_TCP, 1, &ttf) < 0 || branch(&b, IPPROTO_UDP, 1, &tuf) < 0 ||
	    branch(&b, icmp_proto(family), 0, &ti) < 0 || branch(&b, 0, 0, &tr) < 0)
		goto out;
	if (add_ports_rules(&b, entry, IPPROTO_TCP, tt, ttf, tr) < 0 ||
	    add_ports_rules(&b, entry, IPPROTO_UDP, tu, tuf, tr) < 0 ||
	    add_proto_rule(&b, entry, icmp_proto(family), ti, tr) < 0)
		goto out;
	if (tr.kind != IPTTREE_T_RETURN && !add_rule(&b, entry, tr))
		goto out;
	rc = 0;
out:
	builder_free(&b);
	if (rc < 0)
		ipttree_free(t);
	return rc;
}

/* ---- simulation -------------------------------------------------------- */

static int cgroup_eq(const char *a, const char *b)
{
	while (*a == '/')
		a++;
	while (*b == '/')
		b++;
	return !strcmp(a, b);
}

static int owner_matches(const struct svc *s, const struct ipttree_pkt *p)
{
	if (!p->has_owner)
		return 0;
	if (s->match_uid && p->uid != s->uid)
		return 0;
	if (s->match_gid && p->gid != s->gid)
		return 0;
	if (s->cgroup && (!p->cgroup || !cgroup_eq(s->cgroup, p->cgroup)))
		return 0;
	return 1;
}

static int rule_matches(const struct svcspec *spec, const struct ipttree_rule *r,
			const struct ipttree_pkt *p)
{
	ipttree_u128 v;

	if (r->loopback && !p->loopback)
		return 0;
	if (r->proto && r->proto != p->proto)
		return 0;
	if (p->frag && (r->dim == IPTTREE_LPORT || r->dim == IPTTREE_RPORT))
		return 0;
	if (r->dim >= 0) {
		v = r->dim == IPTTREE_LPORT ? p->lport : r->dim == IPTTREE_RPORT ? p->rport : p->peer;
		if (v < r->lo || v > r->hi)
			return 0;
	}
	if (r->mark && ((p->mark == r->mark_val) != (r->mark > 0)))
		return 0;
	if (r->owner >= 0 && !owner_matches(&spec->svcs[r->owner], p))
		return 0;
	return 1;
}

int ipttree_classify(const struct ipttree *t, const struct svcspec *spec,
		     const struct ipttree_pkt *pkt, size_t *nsteps)
{
	size_t chain = 0, steps = 0, dummy;

	if (!nsteps)
		nsteps = &dummy;

	for (;;) {
		const struct ipttree_chain *c = &t->c[chain];
		size_t i;

		for (i = 0; i < c->n; i++) {
			const struct ipttree_rule *r = &c->r[i];

			*nsteps = ++steps;
			if (steps > 1000000)
				return -2;
			if (!rule_matches(spec, r, pkt))
				continue;
			if (r->t.kind == IPTTREE_T_BUCKET)
				return (int)r->t.arg;
			if (r->t.kind == IPTTREE_T_RETURN)
				return -1;
			chain = r->t.arg;
			break;
		}
		if (i == c->n)
			return t->kind == IPTTREE_MARK ? -1 : -2;
	}
}

static int in_ports(const struct svc_portrange *p, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t lo = p[i].first < p[i].last ? p[i].first : p[i].last;
		uint16_t hi = p[i].first < p[i].last ? p[i].last : p[i].first;

		if (v >= lo && v <= hi)
			return 1;
	}
	return 0;
}

static int tuple_matches(const struct svc *s, int family, const struct ipttree_pkt *p)
{
	switch (s->proto) {
	case SVC_PROTO_TCP:
		if (p->proto != IPPROTO_TCP)
			return 0;
		break;
	case SVC_PROTO_UDP:
		if (p->proto != IPPROTO_UDP)
			return 0;
		break;
	case SVC_PROTO_ICMP:
		if (p->proto != icmp_proto(family))
			return 0;
		break;
	case SVC_PROTO_ANY:
		break;
	}
	if (s->n_lports || s->n_rports) {
		if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || p->frag)
			return 0;
		if (s->n_lports && !in_ports(s->lports, s->n_lports, p->lport))
			return 0;
		if (s->n_rports && !in_ports(s->rports, s->n_rports, p->rport))
			return 0;
	}
	if (s->n_peers) {
		int hit = 0;

		for (size_t i = 0; i < s->n_peers && !hit; i++) {
			const struct svc_cidr *c = &s->peers[i];
			ipttree_u128 m;

			if (c->family != family)
				continue;
			m = host_mask(family, c->prefix);
			hit = (p->peer & ~m) == (addr_u128(c->addr, family) & ~m);
		}
		if (!hit)
			return 0;
	}
	return 1;
}

int ipttree_reference(const struct svcspec *spec, int family, enum ipttree_kind kind,
		      const struct ipttree_pkt *pkt)
{
	if (kind == IPTTREE_MARK) {
		if (pkt->mark)
			return -1;
		for (size_t i = 0; i < spec->n; i++) {
			const struct svc *s = &spec->svcs[i];

			if (is_owner_svc(s) && tuple_matches(s, family, pkt) && owner_matches(s, pkt))
				return (int)i + 1;
		}
		return -1;
	}
	if (pkt->loopback)
		return 0;
	for (size_t i = 0; i < spec->n; i++) {
		const struct svc *s = &spec->svcs[i];

		if (!tuple_matches(s, family, pkt))
			continue;
		if (is_owner_svc(s) && pkt->mark != ipttree_owner_id(spec, i))
			continue;
		return (int)i + 1;
	}
	return (int)spec->n + 1;
}

/* ---- the class mirror ----------------------------------------------------- */

struct crange {
	ipttree_u128 lo, hi;
	unsigned cls;
};

/* Ranges [a, b) from chain ch: up to three leaves tested in turn (the
 * last unconditional, the ranges covering the space), else the lower
 * half tested as one interval and two subtrees. */
static int class_node(struct builder *b, unsigned ch, const struct crange *r, size_t a,
		      size_t n, unsigned first_bucket)
{
	unsigned left, right;
	size_t mid;

	if (n <= 3) {
		for (size_t i = a; i < a + n; i++) {
			struct ipttree_target tg = { IPTTREE_T_BUCKET, first_bucket + r[i].cls };
			struct ipttree_rule *x = i + 1 < a + n ? add_dim_rule(b, ch, IPTTREE_PEER,
								   r[i].lo, r[i].hi, tg)
							 : add_rule(b, ch, tg);

			if (!x)
				return -1;
		}
		return 0;
	}
	mid = n / 2;
	if (new_chain(b, &left) < 0 || new_chain(b, &right) < 0 ||
	    !add_dim_rule(b, ch, IPTTREE_PEER, r[a].lo, r[a + mid - 1].hi,
			  (struct ipttree_target){ IPTTREE_T_CHAIN, left }) ||
	    !add_rule(b, ch, (struct ipttree_target){ IPTTREE_T_CHAIN, right }))
		return -1;
	if (class_node(b, left, r, a, mid, first_bucket) < 0)
		return -1;
	return class_node(b, right, r, a + mid, n - mid, first_bucket);
}

int ipttree_build_classes(struct ipttree *t, const struct svcspec *spec, int family,
			  enum ipttree_kind kind, unsigned first_bucket, struct ctv_err *err)
{
	struct builder b;
	struct classes_flat f;
	struct crange *r = NULL;
	size_t n, k = 0;
	const struct classes_range *v;
	unsigned entry;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->family = family;
	t->n_svcs = spec->n;
	if (!spec->classes.n)
		return 0;
	memset(&b, 0, sizeof(b));
	b.t = t;
	b.spec = spec;
	b.max_rules = SIZE_MAX;
	b.err = err;
	if (classes_flatten(&spec->classes, &f, err) < 0)
		return -1;
	n = family == AF_INET6 ? f.n6 : f.n4;
	v = family == AF_INET6 ? f.v6 : f.v4;
	r = calloc(n + 1, sizeof(*r));
	if (!r) {
		ctv_err_sys(err, ENOMEM, "building the class tree");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		r[k].lo = addr_u128(v[i].first, family);
		r[k].hi = addr_u128(v[i].last, family);
		r[k].cls = v[i].cls;
		/* Neighbours of one class are one range here. */
		if (k && r[k - 1].cls == r[k].cls && r[k - 1].hi + 1 == r[k].lo)
			r[k - 1].hi = r[k].hi;
		else
			k++;
	}
	if (new_chain(&b, &entry) < 0)
		goto out;
	{
		struct ipttree_rule *lo = add_rule(&b, entry, (struct ipttree_target){ IPTTREE_T_RETURN, 0 });

		if (!lo)
			goto out;
		lo->loopback = 1;
	}
	rc = k ? class_node(&b, entry, r, 0, k, first_bucket) : 0;
out:
	free(r);
	classes_flat_free(&f);
	if (rc < 0)
		ipttree_free(t);
	return rc;
}
