/* ipt_backend.c - per-service accounting in legacy iptables (x_tables),
 * through libiptc (IPv4) and libip6tc (IPv6); never through iptables(8).
 *
 * Layout, in the mangle table of each family (docs/DESIGN.md "Service
 * rules in legacy iptables"):
 *   PREROUTING  rule 1:  -j CTV-IN     count received packets
 *   POSTROUTING last:    -j CTV-OUT    count sent packets
 *   OUTPUT      rule 1:  -j CTV-MARK   owner id into the connection mark
 *                                      (only with user/group/cgroup services)
 *   CTV-IN, CTV-I<n>     the classifier tree for received packets (ipt_tree)
 *   CTV-OUT, CTV-O<n>    ... for sent packets
 *   CTV-MARK, CTV-M<n>   ... choosing the owner id of a local socket
 *   CTV-CI<b>, CTV-CO<b> one counting rule per bucket and direction,
 *                        commented "ctverify:<bucket name>"
 *   CTV-S<id>            CONNMARK --set-xmark id<<16/0x00ff0000
 * Below the built-in chains every transfer is a goto, so the end of a
 * counter chain returns straight to the built-in chain: one count per
 * packet, and no verdict of ours ever ends the built-in chain early.
 *
 * Changes hold the xtables lock and are one iptc_commit per family; when
 * IPv6 fails after IPv4 went in, IPv4 is put back as it was.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>

#include "backend.h"
#include "ipt_entry.h"
#include "ipt_tree.h"
#include "store.h"
#include "xtlock.h"

#define IPTB_TABLE "mangle"
#define IPTB_PREFIX "CTV-"
#define IPTB_COMMENT "ctverify:"
#define IPTB_LOCK_MS 10000
#define IPTB_MAX_RULES 200000

/* ---- one face for libiptc and libip6tc -------------------------------- */

struct fam {
	int family;
	const char *label;      /* "IPv4" */
	const char *names;      /* /proc/net/ip_tables_names */
	size_t ip_size;         /* the ip part compared by check */
	struct xtc_handle *(*init)(const char *);
	void (*free)(struct xtc_handle *);
	int (*is_chain)(const char *, struct xtc_handle *const);
	int (*builtin)(const char *, struct xtc_handle *const);
	const char *(*first_chain)(struct xtc_handle *);
	const char *(*next_chain)(struct xtc_handle *);
	const void *(*first_rule)(const char *, struct xtc_handle *);
	const void *(*next_rule)(const void *, struct xtc_handle *);
	const char *(*get_target)(const void *, struct xtc_handle *);
	const char *(*get_policy)(const char *, struct xt_counters *, struct xtc_handle *);
	int (*insert)(const char *, const void *, unsigned, struct xtc_handle *);
	int (*append)(const char *, const void *, struct xtc_handle *);
	int (*delete_num)(const char *, unsigned, struct xtc_handle *);
	int (*flush)(const char *, struct xtc_handle *);
	int (*create)(const char *, struct xtc_handle *);
	int (*delete_chain)(const char *, struct xtc_handle *);
	int (*set_policy)(const char *, const char *, struct xt_counters *, struct xtc_handle *);
	int (*commit)(struct xtc_handle *);
	const char *(*strerror)(int);
};

#define LABEL(dst, src) char dst[32]; snprintf(dst, sizeof(dst), "%s", src)

static const void *r4_first(const char *c, struct xtc_handle *h) { return iptc_first_rule(c, h); }
static const void *r4_next(const void *p, struct xtc_handle *h) { return iptc_next_rule(p, h); }
static const char *r4_target(const void *e, struct xtc_handle *h) { return iptc_get_target(e, h); }
static int r4_insert(const char *c, const void *e, unsigned n, struct xtc_handle *h)
{
	LABEL(l, c);
	return iptc_insert_entry(l, e, n, h);
}
static int r4_append(const char *c, const void *e, struct xtc_handle *h)
{
	LABEL(l, c);
	return iptc_append_entry(l, e, h);
}
static int r4_delete_num(const char *c, unsigned n, struct xtc_handle *h)
{
	LABEL(l, c);
	return iptc_delete_num_entry(l, n, h);
}
static int r4_flush(const char *c, struct xtc_handle *h) { LABEL(l, c); return iptc_flush_entries(l, h); }
static int r4_create(const char *c, struct xtc_handle *h) { LABEL(l, c); return iptc_create_chain(l, h); }
static int r4_delete(const char *c, struct xtc_handle *h) { LABEL(l, c); return iptc_delete_chain(l, h); }
static int r4_set_policy(const char *c, const char *p, struct xt_counters *n, struct xtc_handle *h)
{
	LABEL(l, c);
	LABEL(v, p);
	return iptc_set_policy(l, v, n, h);
}

static const void *r6_first(const char *c, struct xtc_handle *h) { return ip6tc_first_rule(c, h); }
static const void *r6_next(const void *p, struct xtc_handle *h) { return ip6tc_next_rule(p, h); }
static const char *r6_target(const void *e, struct xtc_handle *h) { return ip6tc_get_target(e, h); }
static int r6_insert(const char *c, const void *e, unsigned n, struct xtc_handle *h)
{
	LABEL(l, c);
	return ip6tc_insert_entry(l, e, n, h);
}
static int r6_append(const char *c, const void *e, struct xtc_handle *h)
{
	LABEL(l, c);
	return ip6tc_append_entry(l, e, h);
}
static int r6_delete_num(const char *c, unsigned n, struct xtc_handle *h)
{
	LABEL(l, c);
	return ip6tc_delete_num_entry(l, n, h);
}
static int r6_flush(const char *c, struct xtc_handle *h) { LABEL(l, c); return ip6tc_flush_entries(l, h); }
static int r6_create(const char *c, struct xtc_handle *h) { LABEL(l, c); return ip6tc_create_chain(l, h); }
static int r6_delete(const char *c, struct xtc_handle *h) { LABEL(l, c); return ip6tc_delete_chain(l, h); }
static int r6_set_policy(const char *c, const char *p, struct xt_counters *n, struct xtc_handle *h)
{
	LABEL(l, c);
	LABEL(v, p);
	return ip6tc_set_policy(l, v, n, h);
}

static const struct fam fams[2] = {
	{ AF_INET, "IPv4", "/proc/net/ip_tables_names", sizeof(struct ipt_ip),
	  iptc_init, iptc_free, iptc_is_chain, iptc_builtin, iptc_first_chain, iptc_next_chain,
	  r4_first, r4_next, r4_target, iptc_get_policy, r4_insert, r4_append, r4_delete_num,
	  r4_flush, r4_create, r4_delete, r4_set_policy, iptc_commit, iptc_strerror },
	{ AF_INET6, "IPv6", "/proc/net/ip6_tables_names", sizeof(struct ip6t_ip6),
	  ip6tc_init, ip6tc_free, ip6tc_is_chain, ip6tc_builtin, ip6tc_first_chain, ip6tc_next_chain,
	  r6_first, r6_next, r6_target, ip6tc_get_policy, r6_insert, r6_append, r6_delete_num,
	  r6_flush, r6_create, r6_delete, r6_set_policy, ip6tc_commit, ip6tc_strerror },
};

static const struct xt_counters *e_counters(const struct fam *f, const void *e)
{
	return f->family == AF_INET6 ? &((const struct ip6t_entry *)e)->counters
				     : &((const struct ipt_entry *)e)->counters;
}

static struct xt_counters *e_counters_rw(const struct fam *f, void *e)
{
	return f->family == AF_INET6 ? &((struct ip6t_entry *)e)->counters
				     : &((struct ipt_entry *)e)->counters;
}

static uint16_t e_target_offset(const struct fam *f, const void *e)
{
	return f->family == AF_INET6 ? ((const struct ip6t_entry *)e)->target_offset
				     : ((const struct ipt_entry *)e)->target_offset;
}

static uint16_t e_next_offset(const struct fam *f, const void *e)
{
	return f->family == AF_INET6 ? ((const struct ip6t_entry *)e)->next_offset
				     : ((const struct ipt_entry *)e)->next_offset;
}

static const struct xt_entry_target *e_target(const struct fam *f, const void *e)
{
	return (const void *)((const unsigned char *)e + e_target_offset(f, e));
}

static int ours(const char *chain)
{
	return !strncmp(chain, IPTB_PREFIX, strlen(IPTB_PREFIX));
}

/* 1 if the legacy table exists in this network namespace. Reading it with
 * iptc_init() would create it, so "is anything there" looks here first. */
static int table_exists(const struct fam *f, const char *table)
{
	FILE *fp = fopen(f->names, "r");
	char line[64];
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line, table);
	}
	fclose(fp);
	return found;
}

/* What to do when the kernel has no legacy iptables (ENOPROTOOPT: the
 * ip_tables module is not loaded; iptables(8) would modprobe it, libiptc
 * does not). */
static const char *no_iptables_hint(int e)
{
	return e == ENOPROTOOPT ? " (legacy iptables is not loaded in this kernel: "
				  "modprobe ip_tables ip6_tables on the node, or use --backend nft)"
				: "";
}

static struct xtc_handle *open_table(const struct fam *f, const char *table, struct ctv_err *err)
{
	struct xtc_handle *h = f->init(table);
	int e = errno;

	if (!h) {
		ctv_err_set(err, "cannot read the legacy iptables table %s (%s): %s%s",
			    table, f->label, f->strerror(e), no_iptables_hint(e));
		errno = e;
	}
	return h;
}

/* Commits h. libiptc 1.8.9 on this kernel line hands the built-in chains'
 * policy counters back as zero after any replace (iptables-legacy -A does
 * the same), so they are set explicitly to what they were when h was read:
 * only packets counted in the few milliseconds under the lock are lost,
 * instead of the whole history of a rule set that is not ours. */
static int commit_keeping_policies(const struct fam *f, struct xtc_handle *h)
{
	for (size_t i = 0; i < 5; i++) {
		static const char *const chains[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
						      "POSTROUTING" };
		struct xt_counters cnt;
		const char *pol;
		char policy[32];

		if (!f->is_chain(chains[i], h) || !f->builtin(chains[i], h))
			continue;
		pol = f->get_policy(chains[i], &cnt, h);
		if (!pol)
			continue;
		snprintf(policy, sizeof(policy), "%s", pol);
		if (!f->set_policy(chains[i], policy, &cnt, h))
			return 0;
	}
	return f->commit(h);
}

/* ---- what we install: an image of chains and entries ------------------- */

struct img_chain {
	char name[32];
	struct iptent *e;
	size_t n;
	int counter_dir;   /* 'I' or 'O' for counter chains, else 0 */
	char bucket[SVC_NAME_MAX + 1];
};

struct image {
	const struct fam *f;
	struct img_chain *c;
	size_t n, cap;
	int has_mark;
};

static void image_free(struct image *img)
{
	for (size_t i = 0; i < img->n; i++) {
		for (size_t k = 0; k < img->c[i].n; k++)
			iptent_free(&img->c[i].e[k]);
		free(img->c[i].e);
	}
	free(img->c);
	memset(img, 0, sizeof(*img));
}

static struct img_chain *image_chain(struct image *img, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct img_chain *image_chain(struct image *img, const char *fmt, ...)
{
	struct img_chain *c;
	va_list ap;

	if (img->n == img->cap) {
		size_t cap = img->cap ? 2 * img->cap : 64;
		struct img_chain *v = realloc(img->c, cap * sizeof(*v));

		if (!v)
			return NULL;
		img->c = v;
		img->cap = cap;
	}
	c = &img->c[img->n++];
	memset(c, 0, sizeof(*c));
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	return c;
}

static struct iptent *chain_entry(struct img_chain *c)
{
	struct iptent *v = realloc(c->e, (c->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	c->e = v;
	memset(&v[c->n], 0, sizeof(v[c->n]));
	return &v[c->n++];
}

static const char *kind_entry[] = { "CTV-IN", "CTV-OUT", "CTV-MARK" };
static const char *class_entry[] = { "CTV-KIN", "CTV-KOUT", "" };
static const char kind_letter[] = { 'I', 'O', 'M' };

/* The jumps from the built-in chains to our entry chains: the services'
 * tree first, then the class mirror's (each returns to the built-in
 * chain). first: 1 inserted at the top (in this order), 0 appended. */
static const struct { const char *builtin, *chain; int first; } jumps[] = {
	{ "PREROUTING", "CTV-IN", 1 },
	{ "PREROUTING", "CTV-KIN", 1 },
	{ "POSTROUTING", "CTV-OUT", 0 },
	{ "POSTROUTING", "CTV-KOUT", 0 },
	{ "OUTPUT", "CTV-MARK", 1 },
};
#define N_JUMPS (sizeof(jumps) / sizeof(jumps[0]))

static void tree_chain_name(char *buf, size_t size, enum ipttree_kind k, unsigned idx,
			    int classes)
{
	if (idx == 0)
		snprintf(buf, size, "%s", classes ? class_entry[k] : kind_entry[k]);
	else
		snprintf(buf, size, IPTB_PREFIX "%s%c%u", classes ? "K" : "", kind_letter[k], idx);
}

static const char *bucket_name(const struct svcspec *spec, size_t b)
{
	return b == 0 ? "local" : b > spec->n ? "other" : spec->svcs[b - 1].name;
}

/* The chains of tree t (the services' tree, or the class mirror's with
 * chains CTV-KIN, CTV-KOUT, CTV-K<I|O><n>) into img; t is freed. */
static int add_chains(struct image *img, const struct svcspec *spec, enum ipttree_kind k,
		      struct ipttree *tp, int classes, struct ctv_err *err)
{
	struct ipttree t = *tp;
	int rc = -1;

	for (size_t i = 0; i < t.n; i++) {
		struct img_chain *c = image_chain(img, "x");

		if (!c)
			goto oom;
		tree_chain_name(c->name, sizeof(c->name), k, (unsigned)i, classes);
		for (size_t j = 0; j < t.c[i].n; j++) {
			const struct ipttree_rule *r = &t.c[i].r[j];
			struct iptent *e = chain_entry(c);
			char target[32];

			if (!e)
				goto oom;
			if (r->t.kind == IPTTREE_T_RETURN)
				snprintf(target, sizeof(target), "RETURN");
			else if (r->t.kind == IPTTREE_T_CHAIN)
				tree_chain_name(target, sizeof(target), k, r->t.arg, classes);
			else if (k == IPTTREE_MARK)
				snprintf(target, sizeof(target), IPTB_PREFIX "S%u",
					 ipttree_owner_id(spec, r->t.arg - 1));
			else
				snprintf(target, sizeof(target), IPTB_PREFIX "C%c%u", kind_letter[k], r->t.arg);
			if (iptent_from_rule(e, img->f->family, k, spec, r, target) < 0)
				goto oom;
		}
	}
	rc = 0;
	goto out;
oom:
	ctv_err_sys(err, ENOMEM, "building the iptables rules");
out:
	ipttree_free(&t);
	return rc;
}

static int add_tree(struct image *img, const struct svcspec *spec, enum ipttree_kind k,
		    struct ctv_err *err)
{
	struct ipttree t;

	if (ipttree_build(&t, spec, img->f->family, k, IPTB_MAX_RULES, err) < 0)
		return -1;
	return add_chains(img, spec, k, &t, 0, err);
}

/* The mirror of the node's classes: its tree ends in the class buckets'
 * counting chains, bucket n + 2 + class. */
static int add_class_tree(struct image *img, const struct svcspec *spec, enum ipttree_kind k,
			  struct ctv_err *err)
{
	struct ipttree t;

	if (ipttree_build_classes(&t, spec, img->f->family, k, (unsigned)spec->n + 2, err) < 0)
		return -1;
	return add_chains(img, spec, k, &t, 1, err);
}

/* Everything we install in one family for spec. */
static int image_build(struct image *img, const struct fam *f, const struct svcspec *spec,
		       struct ctv_err *err)
{
	int cls[CLASSES_MAX], ncls;

	memset(img, 0, sizeof(*img));
	img->f = f;
	for (size_t i = 0; i < spec->n; i++)
		if (ipttree_owner_id(spec, i))
			img->has_mark = 1;
	ncls = svcspec_class_ids(spec, cls);
	if (ncls < 0)
		goto oom;
	for (int d = 0; d < 2; d++) {
		for (size_t k = 0; k <= spec->n + 1 + (size_t)ncls; k++) {
			/* The class buckets: CTV-C<d><n + 2 + class>. */
			size_t b = k <= spec->n + 1 ? k : spec->n + 2 + (size_t)cls[k - spec->n - 2];
			struct img_chain *c = image_chain(img, IPTB_PREFIX "C%c%zu", kind_letter[d], b);
			struct iptent *e = c ? chain_entry(c) : NULL;
			char text[sizeof(IPTB_COMMENT) + SVC_NAME_MAX];

			if (!e || iptent_begin(e, f->family) < 0)
				goto oom;
			c->counter_dir = kind_letter[d];
			if (k <= spec->n + 1)
				snprintf(c->bucket, sizeof(c->bucket), "%s", bucket_name(spec, b));
			else
				store_class_series(cls[k - spec->n - 2], c->bucket, sizeof(c->bucket));
			snprintf(text, sizeof(text), IPTB_COMMENT "%s", c->bucket);
			iptent_comment(e, text);
			iptent_target_std(e, "");
			if (iptent_finish(e) < 0)
				goto oom;
		}
	}
	for (size_t i = 0; img->has_mark && i < spec->n; i++) {
		unsigned id = ipttree_owner_id(spec, i);
		struct img_chain *c;
		struct iptent *e;

		if (!id)
			continue;
		c = image_chain(img, IPTB_PREFIX "S%u", id);
		e = c ? chain_entry(c) : NULL;
		if (!e || iptent_begin(e, f->family) < 0)
			goto oom;
		iptent_set_mark(e, id);
		if (iptent_finish(e) < 0)
			goto oom;
	}
	if (add_tree(img, spec, IPTTREE_IN, err) < 0 || add_tree(img, spec, IPTTREE_OUT, err) < 0 ||
	    (img->has_mark && add_tree(img, spec, IPTTREE_MARK, err) < 0) ||
	    (ncls && (add_class_tree(img, spec, IPTTREE_IN, err) < 0 ||
		      add_class_tree(img, spec, IPTTREE_OUT, err) < 0))) {
		image_free(img);
		return -1;
	}
	return 0;
oom:
	ctv_err_sys(err, ENOMEM, "building the iptables rules");
	image_free(img);
	return -1;
}

/* ---- what is installed: saved copies of our chains and jumps ---------- */

struct saved_rule {
	void *e;  /* a copy whose standard target carries its name */
	unsigned pos;
};

struct saved_chain {
	char name[32];
	struct saved_rule *r;
	size_t n;
};

struct saved {
	struct saved_chain *c; /* ours, then the built-ins' jumps to ours */
	size_t n;
	int found;             /* any chain of ours */
};

static void saved_free(struct saved *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->c[i].n; k++)
			free(s->c[i].r[k].e);
		free(s->c[i].r);
	}
	free(s->c);
	memset(s, 0, sizeof(*s));
}

/* A copy of a rule that libiptc will take back as it was: a standard
 * target gets the name libiptc resolved (a chain, ACCEPT, RETURN...). */
static void *copy_rule(const struct fam *f, struct xtc_handle *h, const void *e)
{
	size_t len = e_next_offset(f, e);
	unsigned char *c = malloc(len);
	struct xt_entry_target *t;

	if (!c)
		return NULL;
	memcpy(c, e, len);
	/* The kernel fills names only up to their NUL: clear the rest. */
	for (size_t off = iptent_header_size(f->family);
	     off + sizeof(struct xt_entry_match) <= e_target_offset(f, e);) {
		struct xt_entry_match *m = (void *)(c + off);
		size_t n = strnlen(m->u.user.name, sizeof(m->u.user.name));

		memset(m->u.user.name + n, 0, sizeof(m->u.user.name) - n);
		if (m->u.match_size < sizeof(*m))
			break;
		off += m->u.match_size;
	}
	t = (void *)(c + e_target_offset(f, e));
	{
		size_t n = strnlen(t->u.user.name, sizeof(t->u.user.name));

		memset(t->u.user.name + n, 0, sizeof(t->u.user.name) - n);
	}
	if (!strcmp(t->u.user.name, XT_STANDARD_TARGET)) {
		const char *name = f->get_target(e, h);

		memset(t->u.user.name, 0, sizeof(t->u.user.name));
		snprintf(t->u.user.name, sizeof(t->u.user.name), "%s", name ? name : "");
	}
	return c;
}

static const char *builtins[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" };

static int save_add(struct saved *s, const char *name)
{
	struct saved_chain *v = realloc(s->c, (s->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	s->c = v;
	memset(&v[s->n], 0, sizeof(v[s->n]));
	snprintf(v[s->n].name, sizeof(v[s->n].name), "%s", name);
	s->n++;
	return 0;
}

static int save_rule(struct saved_chain *c, void *e, unsigned pos)
{
	struct saved_rule *v;

	if (!e)
		return -1;
	v = realloc(c->r, (c->n + 1) * sizeof(*v));
	if (!v) {
		free(e);
		return -1;
	}
	c->r = v;
	c->r[c->n].e = e;
	c->r[c->n].pos = pos;
	c->n++;
	return 0;
}

/* Copies our chains (with their counters) and the built-ins' jumps into
 * them, so they can be put back or compared. */
static int save_ours(const struct fam *f, struct xtc_handle *h, struct saved *s, struct ctv_err *err)
{
	const char *name;
	size_t nours;

	memset(s, 0, sizeof(*s));
	for (name = f->first_chain(h); name; name = f->next_chain(h))
		if (ours(name) && save_add(s, name) < 0)
			goto oom;
	nours = s->n;
	s->found = nours > 0;
	for (size_t i = 0; i < nours; i++) {
		unsigned pos = 0;

		for (const void *e = f->first_rule(s->c[i].name, h); e; e = f->next_rule(e, h), pos++)
			if (save_rule(&s->c[i], copy_rule(f, h, e), pos) < 0)
				goto oom;
	}
	for (size_t b = 0; b < sizeof(builtins) / sizeof(builtins[0]); b++) {
		unsigned pos = 0;

		if (!f->is_chain(builtins[b], h))
			continue;
		if (save_add(s, builtins[b]) < 0)
			goto oom;
		for (const void *e = f->first_rule(builtins[b], h); e; e = f->next_rule(e, h), pos++) {
			const char *t = f->get_target(e, h);

			if (t && ours(t) && save_rule(&s->c[s->n - 1], copy_rule(f, h, e), pos) < 0)
				goto oom;
		}
	}
	return 0;
oom:
	ctv_err_sys(err, ENOMEM, "reading the installed iptables rules");
	saved_free(s);
	return -1;
}

static int iptc_fail(const struct fam *f, struct ctv_err *err, const char *what, const char *chain)
{
	int e = errno;

	ctv_err_set(err, "%s (%s, mangle %s): %s", what, f->label, chain, f->strerror(e));
	errno = e;
	return -1;
}

/* Takes out our jumps and chains, leaving everything else as it is. */
static int remove_ours(const struct fam *f, struct xtc_handle *h, const struct saved *s,
		       struct ctv_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		if (ours(s->c[i].name))
			continue;
		/* From the last, so the positions stay right. */
		for (size_t k = s->c[i].n; k-- > 0;)
			if (!f->delete_num(s->c[i].name, s->c[i].r[k].pos, h))
				return iptc_fail(f, err, "cannot delete our jump", s->c[i].name);
	}
	for (size_t i = 0; i < s->n; i++)
		if (ours(s->c[i].name) && !f->flush(s->c[i].name, h))
			return iptc_fail(f, err, "cannot flush our chain", s->c[i].name);
	for (size_t i = 0; i < s->n; i++)
		if (ours(s->c[i].name) && !f->delete_chain(s->c[i].name, h))
			return iptc_fail(f, err, "cannot delete our chain (a rule we did not create jumps to it?)",
					 s->c[i].name);
	return 0;
}

/* Puts saved chains and jumps back (a rollback). */
static int restore_saved(const struct fam *f, struct xtc_handle *h, const struct saved *s,
			 struct ctv_err *err)
{
	for (size_t i = 0; i < s->n; i++)
		if (ours(s->c[i].name) && !f->create(s->c[i].name, h))
			return iptc_fail(f, err, "cannot create chain", s->c[i].name);
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->c[i].n; k++) {
			int ok = ours(s->c[i].name) ? f->append(s->c[i].name, s->c[i].r[k].e, h)
						    : f->insert(s->c[i].name, s->c[i].r[k].e, s->c[i].r[k].pos, h);

			if (!ok)
				return iptc_fail(f, err, "cannot put back rule", s->c[i].name);
		}
	}
	return 0;
}

/* The counters of the old counting rule for the same bucket and
 * direction, so that a reinstall keeps counting where it was. */
static int old_counters(const struct fam *f, const struct saved *s, int dir, const char *bucket,
			struct xt_counters *out)
{
	char want[sizeof(IPTB_COMMENT) + SVC_NAME_MAX];

	snprintf(want, sizeof(want), IPTB_COMMENT "%s", bucket);
	for (size_t i = 0; i < s->n; i++) {
		const char *cm;
		size_t size;

		if (strncmp(s->c[i].name, IPTB_PREFIX "C", strlen(IPTB_PREFIX) + 1) ||
		    s->c[i].name[strlen(IPTB_PREFIX) + 1] != dir || s->c[i].n != 1)
			continue;
		cm = iptent_find_match(f->family, s->c[i].r[0].e, "comment", &size);
		if (cm && !strncmp(cm, want, size)) {
			*out = *e_counters(f, s->c[i].r[0].e);
			return 1;
		}
	}
	return 0;
}

static void *jump_entry(int family, const char *chain)
{
	struct iptent e;

	if (iptent_begin(&e, family) < 0)
		return NULL;
	iptent_target_std(&e, chain);
	if (iptent_finish(&e) < 0) {
		iptent_free(&e);
		return NULL;
	}
	return e.buf;
}

static int same_rule(const struct fam *f, struct xtc_handle *h, const void *have,
		     const struct iptent *want);

static const struct img_chain *image_find(const struct image *img, const char *name)
{
	for (size_t i = 0; i < img->n; i++)
		if (!strcmp(img->c[i].name, name))
			return &img->c[i];
	return NULL;
}

/* Installs img in place of what s holds. A counting chain that stays as
 * it is (same bucket, same rule) is not touched at all, so libiptc maps
 * its counter through the replace: a reinstall loses no packet there,
 * not even those counted while we worked. */
static int apply_image(const struct fam *f, struct xtc_handle *h, const struct saved *s,
		       const struct image *img, struct ctv_err *err)
{
	unsigned char *kept = calloc(img->n ? img->n : 1, 1);

	if (!kept) {
		ctv_err_sys(err, ENOMEM, "building the iptables rules");
		return -1;
	}
	/* Our jumps go first, then every chain of ours is emptied except the
	 * counting chains that stay; chains the image does not have go. */
	for (size_t i = 0; i < s->n; i++) {
		if (ours(s->c[i].name))
			continue;
		for (size_t k = s->c[i].n; k-- > 0;) {
			if (!f->delete_num(s->c[i].name, s->c[i].r[k].pos, h)) {
				iptc_fail(f, err, "cannot delete our jump", s->c[i].name);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct img_chain *c;
		const void *e;

		if (!ours(s->c[i].name))
			continue;
		c = image_find(img, s->c[i].name);
		if (c && c->counter_dir && s->c[i].n == 1 && c->n == 1 &&
		    (e = f->first_rule(s->c[i].name, h)) && same_rule(f, h, e, &c->e[0])) {
			kept[c - img->c] = 1;
			continue;
		}
		if (!f->flush(s->c[i].name, h)) {
			iptc_fail(f, err, "cannot flush our chain", s->c[i].name);
			goto fail;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (ours(s->c[i].name) && !image_find(img, s->c[i].name) &&
		    !f->delete_chain(s->c[i].name, h)) {
			iptc_fail(f, err, "cannot delete our chain (a rule we did not create jumps to it?)",
				  s->c[i].name);
			goto fail;
		}
	}
	for (size_t i = 0; i < img->n; i++) {
		if (!f->is_chain(img->c[i].name, h) && !f->create(img->c[i].name, h)) {
			iptc_fail(f, err, "cannot create chain", img->c[i].name);
			goto fail;
		}
	}
	for (size_t i = 0; i < img->n; i++) {
		const struct img_chain *c = &img->c[i];

		if (kept[i])
			continue;
		for (size_t k = 0; k < c->n; k++) {
			struct xt_counters keep;

			if (c->counter_dir && old_counters(f, s, c->counter_dir, c->bucket, &keep))
				*e_counters_rw(f, c->e[k].buf) = keep;
			if (!f->append(c->name, c->e[k].buf, h)) {
				iptc_fail(f, err, "cannot add a rule to", c->name);
				goto fail;
			}
		}
	}
	free(kept);
	for (size_t j = 0, top = 0; j < N_JUMPS; j++) {
		void *e;
		int ok;

		if (!image_find(img, jumps[j].chain))
			continue;
		e = jump_entry(f->family, jumps[j].chain);
		if (!e) {
			ctv_err_sys(err, ENOMEM, "building the iptables rules");
			return -1;
		}
		if (jumps[j].first)
			ok = f->insert(jumps[j].builtin, e, (unsigned)(strcmp(jumps[j].builtin, "PREROUTING") ? 0 : top++), h);
		else
			ok = f->append(jumps[j].builtin, e, h);
		free(e);
		if (!ok)
			return iptc_fail(f, err, "cannot add our jump to", jumps[j].builtin);
	}
	return 0;
fail:
	free(kept);
	return -1;
}

/* ---- the kernel must know every match and target we use ---------------- */

static const char *needed_for(const char *ext)
{
	if (!strcmp(ext, "owner"))
		return "user= and group= services";
	if (!strcmp(ext, "cgroup"))
		return "cgroup= services";
	if (!strcmp(ext, "connmark") || !strcmp(ext, "CONNMARK"))
		return "user=, group= and cgroup= services";
	if (!strcmp(ext, "iprange"))
		return "peer= services";
	if (!strcmp(ext, "comment"))
		return "the counting rules";
	return "port services";
}

/* Asks the kernel for each extension the image uses (this also loads its
 * module), so a missing one is named instead of a bare EINVAL/ENOENT from
 * the commit. */
static int probe_extensions(const struct fam *f, const struct image *img, struct ctv_err *err)
{
	char seen[16][XT_EXTENSION_MAXNAMELEN + 1];
	size_t nseen = 0;
	int fd = socket(f->family, SOCK_RAW, IPPROTO_RAW);
	int rc = 0;

	if (fd < 0) {
		ctv_err_sys(err, errno, "cannot open a raw %s socket to talk to x_tables", f->label);
		return -1;
	}
	for (size_t i = 0; i < img->n && !rc; i++) {
		for (size_t k = 0; k < img->c[i].n && !rc; k++) {
			const unsigned char *b = img->c[i].e[k].buf;
			size_t off = iptent_header_size(f->family), end = e_target_offset(f, b);

			for (;;) {
				const char *name;
				uint8_t rev;
				int target = off >= end;
				struct xt_get_revision req;
				socklen_t len = sizeof(req);
				size_t j;

				if (target) {
					const struct xt_entry_target *t = (const void *)(b + end);

					name = t->u.user.name;
					rev = t->u.user.revision;
				} else {
					const struct xt_entry_match *m = (const void *)(b + off);

					name = m->u.user.name;
					rev = m->u.user.revision;
					off += m->u.match_size;
				}
				if (!*name || ours(name) || !strcmp(name, "RETURN"))
					goto next;
				for (j = 0; j < nseen && strcmp(seen[j], name); j++)
					;
				if (j < nseen)
					goto next;
				if (nseen < 16)
					snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
				memset(&req, 0, sizeof(req));
				snprintf(req.name, sizeof(req.name), "%s", name);
				req.revision = rev;
				if (getsockopt(fd, f->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
					       target ? (f->family == AF_INET6 ? IP6T_SO_GET_REVISION_TARGET
									       : IPT_SO_GET_REVISION_TARGET)
						      : (f->family == AF_INET6 ? IP6T_SO_GET_REVISION_MATCH
									       : IPT_SO_GET_REVISION_MATCH),
					       &req, &len) < 0) {
					if (errno == ENOENT || errno == EPROTONOSUPPORT) {
						ctv_err_set(err, "the kernel has no %s iptables %s '%s' (revision %u, module xt_%s), "
							    "needed for %s; load the module or use --backend nft",
							    f->label, target ? "target" : "match", name, rev,
							    name, needed_for(name));
						errno = ENOTSUP;
					} else {
						ctv_err_sys(err, errno, "cannot ask the kernel about the %s '%s'",
							    target ? "target" : "match", name);
					}
					rc = -1;
					break;
				}
next:
				if (target)
					break;
			}
		}
	}
	close(fd);
	return rc;
}

/* ---- install / remove ------------------------------------------------- */

struct fam_state {
	const struct fam *f;
	struct xtc_handle *h;
	struct saved s;
	struct image img;
	int skip;           /* the family is not there at all (no IPv6) */
};

static void state_free(struct fam_state *st)
{
	if (st->h)
		st->f->free(st->h);
	saved_free(&st->s);
	image_free(&st->img);
	memset(st, 0, sizeof(*st));
}

/* Opens the table of each family. A kernel without IPv6 is no error:
 * there is nothing to count there. */
static int open_families(struct fam_state st[2], int need_table, struct ctv_err *err)
{
	for (int i = 0; i < 2; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].f = &fams[i];
		if (!need_table && !table_exists(st[i].f, IPTB_TABLE)) {
			st[i].skip = 1;
			continue;
		}
		st[i].h = st[i].f->init(IPTB_TABLE);
		if (!st[i].h) {
			int e = errno;

			if (i == 1 && (e == EAFNOSUPPORT || access("/proc/net/if_inet6", F_OK) != 0)) {
				st[i].skip = 1;
				continue;
			}
			ctv_err_set(err, "cannot read the legacy iptables table %s (%s): %s%s",
				    IPTB_TABLE, st[i].f->label, st[i].f->strerror(e),
				    no_iptables_hint(e));
			errno = e;
			return -1;
		}
		if (save_ours(st[i].f, st[i].h, &st[i].s, err) < 0)
			return -1;
	}
	return 0;
}

static int commit_fail(const struct fam *f, struct ctv_err *err)
{
	int e = errno;

	ctv_err_set(err, "the kernel refused the %s rules (mangle table): %s%s", f->label,
		    f->strerror(e), e == ENOENT ? " (a cgroup= path that does not exist?)" : "");
	errno = e;
	return -1;
}

/* After IPv6 failed, IPv4 goes back to what it was before the install. */
static void rollback(const struct fam *f, const struct saved *s, struct ctv_err *err)
{
	struct xtc_handle *h = f->init(IPTB_TABLE);
	struct saved now;
	struct ctv_err e2;

	if (h && save_ours(f, h, &now, &e2) == 0) {
		if (remove_ours(f, h, &now, &e2) == 0 && restore_saved(f, h, s, &e2) == 0 &&
		    commit_keeping_policies(f, h)) {
			saved_free(&now);
			f->free(h);
			return;
		}
		saved_free(&now);
	}
	if (h)
		f->free(h);
	ctv_err_prefix(err, "%s rules are installed but IPv6 failed and putting %s back failed too "
		       "(run 'ctverify rules remove')", f->label, f->label);
}

static int ipt_install(const struct svcspec *spec, struct ctv_err *err)
{
	struct fam_state st[2];
	int lock, rc = -1, committed = -1;

	memset(st, 0, sizeof(st));
	lock = xtlock_take(xtlock_path(), IPTB_LOCK_MS, err);
	if (lock < 0)
		return -1;
	if (open_families(st, 1, err) < 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		if (st[i].skip)
			continue;
		if (image_build(&st[i].img, st[i].f, spec, err) < 0 ||
		    probe_extensions(st[i].f, &st[i].img, err) < 0 ||
		    apply_image(st[i].f, st[i].h, &st[i].s, &st[i].img, err) < 0)
			goto out;
	}
	for (int i = 0; i < 2; i++) {
		if (st[i].skip)
			continue;
		if (!commit_keeping_policies(st[i].f, st[i].h)) {
			commit_fail(st[i].f, err);
			if (committed >= 0)
				rollback(st[committed].f, &st[committed].s, err);
			goto out;
		}
		committed = i;
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		state_free(&st[i]);
	xtlock_release(lock);
	return rc;
}

static int ipt_remove(struct ctv_err *err)
{
	struct fam_state st[2];
	int lock, rc = -1;

	memset(st, 0, sizeof(st));
	lock = xtlock_take(xtlock_path(), IPTB_LOCK_MS, err);
	if (lock < 0)
		return -1;
	if (open_families(st, 0, err) < 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		int any = 0;

		if (st[i].skip)
			continue;
		for (size_t k = 0; k < st[i].s.n; k++)
			any |= ours(st[i].s.c[k].name) || st[i].s.c[k].n > 0;
		if (!any)
			continue;
		if (remove_ours(st[i].f, st[i].h, &st[i].s, err) < 0)
			goto out;
		if (!commit_keeping_policies(st[i].f, st[i].h)) {
			commit_fail(st[i].f, err);
			goto out;
		}
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		state_free(&st[i]);
	xtlock_release(lock);
	return rc;
}

/* ---- read ------------------------------------------------------------- */

static int counters_slot(struct ctv_counters *out, size_t b)
{
	if (b >= out->n) {
		struct ctv_counter *v = realloc(out->c, (b + 1) * sizeof(*v));

		if (!v)
			return -1;
		memset(v + out->n, 0, (b + 1 - out->n) * sizeof(*v));
		out->c = v;
		out->n = b + 1;
	}
	return 0;
}

/* A copy of a table's entries as the kernel holds them, in one
 * getsockopt: no libiptc cache to build (that costs as much as
 * iptables-save for 1,000 services), so a snapshot is one copy and one
 * walk. Returns the buffer (entries start at *start, *size bytes), or NULL
 * with err set. */
static unsigned char *raw_entries(const struct fam *f, const char *table, size_t *start,
				  size_t *size, struct ctv_err *err)
{
	int v6 = f->family == AF_INET6;
	int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int fd = socket(f->family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	unsigned char *buf = NULL;

	_Static_assert(sizeof(struct ipt_getinfo) == sizeof(struct ip6t_getinfo),
		       "one getinfo layout for both families");
	if (fd < 0) {
		ctv_err_sys(err, errno, "cannot open a raw %s socket to read x_tables", f->label);
		return NULL;
	}
	/* The table may change between the two calls (EAGAIN): ask again. */
	for (int tries = 0; tries < 5; tries++) {
		struct ipt_getinfo info;
		socklen_t len = sizeof(info);
		size_t hdr = v6 ? offsetof(struct ip6t_get_entries, entrytable)
				: offsetof(struct ipt_get_entries, entrytable);

		memset(&info, 0, sizeof(info));
		snprintf(info.name, sizeof(info.name), "%s", table);
		if (getsockopt(fd, level, v6 ? IP6T_SO_GET_INFO : IPT_SO_GET_INFO, &info, &len) < 0)
			break;
		buf = calloc(1, hdr + info.size);
		if (!buf)
			break;
		/* ipt_get_entries and ip6t_get_entries: name, then size. */
		snprintf((char *)buf, XT_TABLE_MAXNAMELEN, "%s", table);
		memcpy(buf + XT_TABLE_MAXNAMELEN, &info.size, sizeof(info.size));
		len = (socklen_t)(hdr + info.size);
		if (getsockopt(fd, level, v6 ? IP6T_SO_GET_ENTRIES : IPT_SO_GET_ENTRIES, buf, &len) == 0) {
			close(fd);
			*start = hdr;
			*size = info.size;
			return buf;
		}
		free(buf);
		buf = NULL;
		if (errno != EAGAIN)
			break;
	}
	ctv_err_sys(err, errno, "cannot read the legacy iptables table %s (%s)", table, f->label);
	close(fd);
	return NULL;
}

/* Adds the counting rules found in one family's mangle table to out. */
static int read_family(const struct fam *f, struct ctv_counters *out, int *found,
		       struct ctv_err *err)
{
	size_t start, size, off, rule = 0;
	unsigned char *buf = raw_entries(f, IPTB_TABLE, &start, &size, err);
	const char *chain = "";

	if (!buf)
		return -1;
	/* A user chain starts with an ERROR entry carrying its name; the
	 * first rule after it is the counting rule of a CTV-C chain. */
	for (off = 0; off + iptent_header_size(f->family) <= size; ) {
		const unsigned char *e = buf + start + off;
		const struct xt_entry_target *t = e_target(f, e);
		size_t next = e_next_offset(f, e);

		if (next < iptent_header_size(f->family) || off + next > size)
			break;
		if (!strcmp(t->u.user.name, XT_ERROR_TARGET)) {
			chain = ((const struct xt_error_target *)(const void *)t)->errorname;
			rule = 0;
		} else if (rule++ == 0 && !strncmp(chain, IPTB_PREFIX "C", strlen(IPTB_PREFIX) + 1)) {
			const char *n = chain + strlen(IPTB_PREFIX) + 1, *cm;
			char *end;
			unsigned long b = strtoul(n + 1, &end, 10);
			size_t csize;
			struct ctv_counter *c;

			if ((n[0] == 'I' || n[0] == 'O') && !*end && b <= 2 * SVC_MAX &&
			    (cm = iptent_find_match(f->family, e, "comment", &csize)) &&
			    !strncmp(cm, IPTB_COMMENT, strlen(IPTB_COMMENT))) {
				if (counters_slot(out, b) < 0) {
					free(buf);
					ctv_err_sys(err, ENOMEM, "reading the counters");
					return -1;
				}
				c = &out->c[b];
				if (!c->name[0])
					snprintf(c->name, sizeof(c->name), "%.*s", (int)SVC_NAME_MAX,
						 cm + strlen(IPTB_COMMENT));
				if (n[0] == 'I') {
					c->in_bytes += e_counters(f, e)->bcnt;
					c->in_packets += e_counters(f, e)->pcnt;
				} else {
					c->out_bytes += e_counters(f, e)->bcnt;
					c->out_packets += e_counters(f, e)->pcnt;
				}
				*found = 1;
			}
		}
		off += next;
	}
	free(buf);
	return 0;
}

static int ipt_read(struct ctv_counters *out, struct ctv_err *err)
{
	int found = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 2; i++) {
		if (!table_exists(&fams[i], IPTB_TABLE))
			continue;
		if (read_family(&fams[i], out, &found, err) < 0) {
			ctv_counters_free(out);
			return -1;
		}
	}
	if (!found) {
		ctv_counters_free(out);
		ctv_err_set(err, "ctverify's iptables rules are not installed (no CTV- counting chains in the legacy mangle table)");
		errno = ENOENT;
		return -1;
	}
	/* Drop holes (a chain someone deleted): the rest stays in order. */
	{
		size_t m = 0;

		for (size_t k = 0; k < out->n; k++)
			if (out->c[k].name[0])
				out->c[m++] = out->c[k];
		out->n = m;
	}
	return 0;
}

/* ---- check ------------------------------------------------------------ */

/* The matches of an entry compared one by one: the kernel hands back only
 * the used part of each match's name (the rest of the buffer is whatever
 * libiptc's memory held), so names are compared as strings and the data
 * as bytes. */
static int same_matches(const struct fam *f, const void *have, const void *want)
{
	size_t hdr = iptent_header_size(f->family);
	size_t ho = hdr, wo = hdr, hend = e_target_offset(f, have), wend = e_target_offset(f, want);

	while (ho < hend && wo < wend) {
		const struct xt_entry_match *hm = (const void *)((const unsigned char *)have + ho);
		const struct xt_entry_match *wm = (const void *)((const unsigned char *)want + wo);

		if (hm->u.match_size != wm->u.match_size || hm->u.match_size < sizeof(*hm) ||
		    strncmp(hm->u.user.name, wm->u.user.name, sizeof(hm->u.user.name)) ||
		    hm->u.user.revision != wm->u.user.revision ||
		    memcmp(hm->data, wm->data, hm->u.match_size - sizeof(*hm)))
			return 0;
		ho += hm->u.match_size;
		wo += wm->u.match_size;
	}
	return ho == hend && wo == wend;
}

static int same_rule(const struct fam *f, struct xtc_handle *h, const void *have,
		     const struct iptent *want)
{
	const struct xt_entry_target *wt = e_target(f, want->buf);
	const struct xt_entry_target *ht = e_target(f, have);
	const char *tname = f->get_target(have, h);

	if (memcmp(have, want->buf, f->ip_size) ||
	    e_target_offset(f, have) != e_target_offset(f, want->buf) ||
	    e_next_offset(f, have) != e_next_offset(f, want->buf) ||
	    !same_matches(f, have, want->buf))
		return 0;
	if (!tname || strcmp(tname, wt->u.user.name))
		return 0;
	if (!strcmp(wt->u.user.name, "CONNMARK"))
		return ht->u.target_size == wt->u.target_size &&
		       ht->u.user.revision == wt->u.user.revision &&
		       !memcmp(ht->data, wt->data, wt->u.target_size - sizeof(*wt));
	return 1;
}

static void check_family(struct fam_state *st, struct backend_diff *diff)
{
	const struct fam *f = st->f;
	const struct image *img = &st->img;

	for (size_t i = 0; i < img->n; i++) {
		const struct img_chain *c = &img->c[i];
		const void *e;
		size_t k = 0, changed = 0, first = 0;

		if (!f->is_chain(c->name, st->h)) {
			if (c->counter_dir)
				backend_diff_add(diff, "%s: counting chain %s (%s, %s) is gone", f->label, c->name,
					 c->bucket, c->counter_dir == 'I' ? "in" : "out");
			else
				backend_diff_add(diff, "%s: chain %s is gone", f->label, c->name);
			continue;
		}
		for (e = f->first_rule(c->name, st->h); e && k < c->n; e = f->next_rule(e, st->h), k++) {
			if (!same_rule(f, st->h, e, &c->e[k]) && !changed++)
				first = k + 1;
		}
		if (changed)
			backend_diff_add(diff, "%s: chain %s: %zu rule(s) changed (first: rule %zu)", f->label,
				 c->name, changed, first);
		if (k < c->n)
			backend_diff_add(diff, "%s: chain %s: rule(s) %zu to %zu deleted", f->label, c->name,
				 k + 1, c->n);
		else if (e) {
			size_t extra = 0;

			for (; e; e = f->next_rule(e, st->h))
				extra++;
			backend_diff_add(diff, "%s: chain %s: %zu rule(s) added that ctverify did not install",
				 f->label, c->name, extra);
		}
	}
	for (size_t i = 0; i < st->s.n; i++) {
		size_t j;

		if (!ours(st->s.c[i].name))
			continue;
		for (j = 0; j < img->n && strcmp(img->c[j].name, st->s.c[i].name); j++)
			;
		if (j == img->n)
			backend_diff_add(diff, "%s: chain %s is installed but not part of these rules", f->label,
				 st->s.c[i].name);
	}
	for (size_t j = 0; j < N_JUMPS; j++) {
		size_t n = 0;
		int need = image_find(img, jumps[j].chain) != NULL;

		for (size_t i = 0; i < st->s.n; i++) {
			if (strcmp(st->s.c[i].name, jumps[j].builtin))
				continue;
			for (size_t k = 0; k < st->s.c[i].n; k++) {
				const struct xt_entry_target *t = e_target(f, st->s.c[i].r[k].e);

				n += !strcmp(t->u.user.name, jumps[j].chain);
			}
		}
		if (need && n == 0)
			backend_diff_add(diff, "%s: the jump from mangle %s to %s is gone", f->label,
				 jumps[j].builtin, jumps[j].chain);
		else if (n > 1 || (!need && n))
			backend_diff_add(diff, "%s: mangle %s has %zu jump(s) to %s, expected %d", f->label,
				 jumps[j].builtin, n, jumps[j].chain, need);
	}
}

static int ipt_check(const struct svcspec *spec, char **diff, struct ctv_err *err)
{
	struct fam_state st[2];
	struct backend_diff t;
	int rc = -1, any = 0;

	*diff = NULL;
	backend_diff_init(&t);
	if (open_families(st, 0, err) < 0)
		goto out;
	for (int i = 0; i < 2; i++)
		any |= !st[i].skip && st[i].s.found;
	if (!any) {
		backend_diff_add(&t, "ctverify's iptables rules are not installed (no CTV- chains in the legacy mangle table)");
	} else {
		for (int i = 0; i < 2; i++) {
			if (st[i].skip) {
				if (i == 0 || access("/proc/net/if_inet6", F_OK) == 0)
					backend_diff_add(&t, "%s: the mangle table is gone, and with it all our rules",
						 fams[i].label);
				continue;
			}
			if (image_build(&st[i].img, st[i].f, spec, err) < 0)
				goto out;
			check_family(&st[i], &t);
		}
	}
	rc = backend_diff_finish(&t, diff, err);
out:
	strbuf_free(&t.text);
	for (int i = 0; i < 2; i++)
		state_free(&st[i]);
	return rc;
}

/* ---- in_use, quick ---------------------------------------------------- */

static int ipt_in_use(struct ctv_err *err)
{
	for (int i = 0; i < 2; i++) {
		const struct fam *f = &fams[i];
		FILE *fp = fopen(f->names, "r");
		char table[64];

		if (!fp)
			continue;
		while (fgets(table, sizeof(table), fp)) {
			struct xtc_handle *h;
			int used = 0;

			table[strcspn(table, "\n")] = '\0';
			if (!(h = open_table(f, table, err))) {
				fclose(fp);
				return -1;
			}
			for (const char *c = f->first_chain(h); c && !used; c = f->next_chain(h)) {
				struct xt_counters cnt;
				const char *pol;

				if (!f->builtin(c, h)) {
					used = 1;
					break;
				}
				pol = f->get_policy(c, &cnt, h);
				used = (pol && strcmp(pol, "ACCEPT")) || f->first_rule(c, h) != NULL;
			}
			f->free(h);
			if (used) {
				fclose(fp);
				return 1;
			}
		}
		fclose(fp);
	}
	return 0;
}

/* Verdicts that end a packet's way through the chain. */
static int terminal(const char *t)
{
	static const char *const names[] = { "ACCEPT", "DROP", "QUEUE", "REJECT", "NFQUEUE", "TARPIT",
					     "SYNPROXY", "TPROXY" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(t, names[i]))
			return 1;
	return 0;
}

/* The packets that ended in chain (and the user chains it jumps to):
 * every packet crossing a built-in chain ends exactly once, by a
 * terminating rule or by the policy. */
static void ended_in(const struct fam *f, struct xtc_handle *h, const char *chain, int depth,
		     uint64_t *bytes, uint64_t *packets)
{
	if (depth > 8)
		return;
	for (const void *e = f->first_rule(chain, h); e; e = f->next_rule(e, h)) {
		const char *t = f->get_target(e, h);

		if (!t)
			continue;
		if (terminal(t)) {
			*bytes += e_counters(f, e)->bcnt;
			*packets += e_counters(f, e)->pcnt;
		} else if (f->is_chain(t, h) && !f->builtin(t, h)) {
			ended_in(f, h, t, depth + 1, bytes, packets);
		}
	}
}

static int ipt_quick(struct ctv_quick *q, struct ctv_err *err)
{
	const char *fams_read[2] = { NULL, NULL };

	memset(q, 0, sizeof(*q));
	for (int i = 0; i < 2; i++) {
		const struct fam *f = &fams[i];
		struct xtc_handle *h;
		static const char *const chains[2] = { "INPUT", "OUTPUT" };

		if (!table_exists(f, "filter"))
			continue;
		if (!(h = open_table(f, "filter", err)))
			return -1;
		for (int d = 0; d < 2; d++) {
			struct xt_counters pol;
			uint64_t bytes = 0, packets = 0;

			if (!f->get_policy(chains[d], &pol, h))
				continue;
			bytes = pol.bcnt;
			packets = pol.pcnt;
			ended_in(f, h, chains[d], 0, &bytes, &packets);
			if (d == 0) {
				q->in_bytes += bytes;
				q->in_packets += packets;
			} else {
				q->out_bytes += bytes;
				q->out_packets += packets;
			}
			q->found = 1;
		}
		fams_read[i] = f->label;
		f->free(h);
	}
	if (q->found)
		snprintf(q->what, sizeof(q->what),
			 "legacy iptables (%s%s%s): the filter INPUT and OUTPUT policy counters plus "
			 "the rules there that accept, drop or reject",
			 fams_read[0] ? "iptables" : "", fams_read[0] && fams_read[1] ? ", " : "",
			 fams_read[1] ? "ip6tables" : "");
	else
		snprintf(q->what, sizeof(q->what),
			 "legacy iptables: no filter table in this network namespace (nothing counted)");
	return 0;
}

const struct backend backend_iptables = {
	.name = "iptables",
	.in_use = ipt_in_use,
	.install = ipt_install,
	.remove = ipt_remove,
	.read = ipt_read,
	.check = ipt_check,
	.quick = ipt_quick,
};
