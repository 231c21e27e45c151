#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "classes.h"
#include "linefile.h"

#define LINE_MAX_LEN 4096

typedef unsigned __int128 u128;

static u128 to_u128(int family, const uint8_t *a)
{
	u128 v = 0;
	int n = family == AF_INET ? 4 : 16;

	for (int i = 0; i < n; i++)
		v = (v << 8) | a[i];
	return v;
}

static void from_u128(int family, u128 v, uint8_t *a)
{
	int n = family == AF_INET ? 4 : 16;

	memset(a, 0, 16);
	for (int i = n - 1; i >= 0; i--) {
		a[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* The first and last address of a network as integers. */
static void net_bounds(const struct classes_net *n, u128 *first, u128 *last)
{
	int b = bits(n->family);
	u128 host;

	if (n->prefix == b)
		host = 0;
	else if (b - n->prefix == 128)
		host = ~(u128)0;
	else
		host = ((u128)1 << (b - n->prefix)) - 1;

	*first = to_u128(n->family, n->addr);
	*last = *first | host;
}

static int parse_line(char *line, const char *name, unsigned lineno,
		      struct classes_net *net, struct ctv_err *err)
{
	char *f[3], *end;
	unsigned long cls;
	struct cidr c;
	unsigned cf;
	int n;

	n = linefile_split(line, f, 2);
	if (n == 0)
		return 0;
	if (n == 1) {
		ctv_err_set(err, "%s:%u: expected '<class> <address>/<prefix>'", name, lineno);
		return -1;
	}
	if (n > 2) {
		ctv_err_set(err, "%s:%u: unexpected text after the network", name, lineno);
		return -1;
	}
	errno = 0;
	cls = strtoul(f[0], &end, 10);
	if (*end || f[0][0] < '0' || f[0][0] > '9' || errno || cls >= CLASSES_MAX) {
		ctv_err_set(err, "%s:%u: class '%.32s' is not a number from 0 to 15", name, lineno, f[0]);
		return -1;
	}
	/* Host bits masked, as the Virtuozzo kernel does. A missing /prefix
	 * and a prefix above the maximum are refused where vzctl's loader
	 * (vztactl.c, read_network_classes()) skips the line or caps the
	 * prefix: a typo must not silently drop a network from a bill or
	 * widen one; the message says what vzctl would have done. */
	if (cidr_parse(f[1], strlen(f[1]), CIDR_PREFIX_REQUIRED | CIDR_HOST_BITS_MASK, &c, &cf) < 0) {
		int alen = (int)strcspn(f[1], "/");
		const char *pfx = f[1] + alen + 1;
		int max = cidr_max_prefix(c.family);

		if (cf & CIDR_E_NO_PREFIX)
			ctv_err_set(err, "%s:%u: '%.64s' has no prefix length (vzctl would skip this line)",
				    name, lineno, f[1]);
		else if (cf & CIDR_E_ADDR)
			ctv_err_set(err, "%s:%u: '%.*s' is not an IPv4 or IPv6 address", name, lineno,
				    alen < 64 ? alen : 64, f[1]);
		else if (*pfx && strspn(pfx, "0123456789") == strlen(pfx))
			/* Only digits, so it is above the maximum. */
			ctv_err_set(err, "%s:%u: prefix %.16s%s is above %d (vzctl would cap it to /%d)",
				    name, lineno, pfx, strlen(pfx) > 16 ? "..." : "", max, max);
		else
			ctv_err_set(err, "%s:%u: prefix '/%.16s' is not a number from 0 to %d",
				    name, lineno, pfx, max);
		return -1;
	}
	memset(net, 0, sizeof(*net));
	net->family = c.family;
	net->prefix = c.prefix;
	memcpy(net->addr, c.addr, sizeof(net->addr));
	net->cls = (uint8_t)cls;
	net->line = lineno;
	return 1;
}

int classes_parse(const char *text, size_t len, const char *name,
		  struct classes *out, struct ctv_err *err)
{
	size_t cap = 0;
	char line[LINE_MAX_LEN + 1];
	struct linefile lf;
	int have_v4 = 0, r;

	out->nets = NULL;
	out->n = 0;
	linefile_init(&lf, text, len, name, line, LINE_MAX_LEN);
	while ((r = linefile_next(&lf, err)) != 0) {
		unsigned lineno = lf.lineno;
		struct classes_net net;

		if (r < 0)
			goto fail;
		r = parse_line(line, name, lineno, &net, err);
		if (r < 0)
			goto fail;
		if (r == 0)
			continue;
		if (out->n == CLASSES_NETS_MAX) {
			ctv_err_set(err, "%s:%u: more than %d networks", name, lineno, CLASSES_NETS_MAX);
			goto fail;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct classes_net *nv = realloc(out->nets, ncap * sizeof(*nv));

			if (!nv) {
				ctv_err_sys(err, errno, "%s", name);
				goto fail;
			}
			out->nets = nv;
			cap = ncap;
		}
		out->nets[out->n++] = net;
		if (net.prefix == 0 && net.family == AF_INET && net.cls == 1)
			have_v4 = 1;
	}
	/* IPv4 needs class 1 everywhere; '1 ::/0' is optional, as
	 * Virtuozzo documents it (classes_notice()). */
	if (!have_v4) {
		ctv_err_set(err, "%s: class 1 must cover all addresses: add the line '1 0.0.0.0/0'",
			    name);
		goto fail;
	}
	return 0;
fail:
	classes_free(out);
	return -1;
}

int classes_load(const char *path, struct classes *out, struct ctv_err *err)
{
	char *buf;
	size_t len;
	int r;

	if (linefile_read(path, &buf, &len, err) < 0)
		return -1;
	r = classes_parse(buf, len, path, out, err);
	free(buf);
	return r;
}

void classes_free(struct classes *c)
{
	free(c->nets);
	c->nets = NULL;
	c->n = 0;
}

const char *classes_notice(const struct classes *c, const char *name, char *buf, size_t len)
{
	/* Any class for ::/0 covers IPv6. Without one, IPv6 peers in no
	 * listed network have no class (the flattened ranges hold class 0
	 * there), which a provider used to '1 ::/0' may not expect. */
	for (size_t i = 0; i < c->n; i++)
		if (c->nets[i].family == AF_INET6 && c->nets[i].prefix == 0)
			return NULL;
	snprintf(buf, len, "%s: no line for ::/0: IPv6 traffic outside the listed networks is "
		 "class 0, not accounted (add '1 ::/0' to bill it as class 1)", name);
	return buf;
}

static int lookup_u128(const struct classes *c, int family, u128 a)
{
	int best = -1, best_prefix = -1;

	for (size_t i = 0; i < c->n; i++) {
		const struct classes_net *n = &c->nets[i];
		u128 first, last;

		if (n->family != family)
			continue;
		net_bounds(n, &first, &last);
		if (a < first || a > last)
			continue;
		if (n->cls == 0)
			return 0;
		if (n->prefix >= best_prefix) {
			best = n->cls;
			best_prefix = n->prefix;
		}
	}
	return best;
}

int classes_lookup(const struct classes *c, int family, const void *addr)
{
	return lookup_u128(c, family, to_u128(family, addr));
}

struct span {
	u128 first, last;
	int prefix;
	int cls;
	size_t idx; /* position in the file, for ties */
};

static int cmp_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;

	return x < y ? -1 : x > y;
}

/* Outer networks first among those starting at the same address. */
static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix - y->prefix;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int append_range(struct classes_range *r, size_t *nr, int family, u128 first,
			u128 last, int cls)
{
	if (*nr > 0 && r[*nr - 1].cls == cls) {
		from_u128(family, last, r[*nr - 1].last);
		return 0;
	}
	from_u128(family, first, r[*nr].first);
	from_u128(family, last, r[*nr].last);
	r[*nr].cls = (uint8_t)cls;
	(*nr)++;
	return 0;
}

/* CIDR networks nest or are disjoint, so a sweep over the points where
 * networks start or end, with a stack of the networks containing the
 * current point (innermost on top), gives every elementary run's class
 * in O(n log n): 0 if any class-0 network is on the stack, else the
 * innermost network's class. Identical networks are merged first with
 * the file's rule (class 0 wins, else the later line). */
static int flatten_family(const struct classes *c, int family,
			  struct classes_range **out, size_t *nout, struct ctv_err *err)
{
	u128 max = family == AF_INET ? (u128)0xffffffffu : ~(u128)0;
	struct span *sp = NULL, **stack = NULL;
	u128 *pts = NULL;
	size_t ns = 0, np = 0, nr = 0, depth = 0, zeros = 0, next = 0;
	struct classes_range *r = NULL;

	*out = NULL;
	*nout = 0;
	sp = malloc((c->n + 1) * sizeof(*sp));
	pts = malloc((2 * c->n + 1) * sizeof(*pts));
	stack = malloc((c->n + 1) * sizeof(*stack));
	r = malloc((2 * c->n + 1) * sizeof(*r));
	if (!sp || !pts || !stack || !r) {
		ctv_err_sys(err, ENOMEM, "flattening classes");
		goto fail;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (c->nets[i].family != family)
			continue;
		net_bounds(&c->nets[i], &sp[ns].first, &sp[ns].last);
		sp[ns].prefix = c->nets[i].prefix;
		sp[ns].cls = c->nets[i].cls;
		sp[ns].idx = i;
		ns++;
	}
	/* Identical networks (adjacent after sorting, in file order) become
	 * one: class 0 if any is, else the last line's. */
	{
		size_t w = 0;

		qsort(sp, ns, sizeof(*sp), cmp_span);
		for (size_t i = 0; i < ns; i++) {
			if (w > 0 && sp[w - 1].first == sp[i].first && sp[w - 1].prefix == sp[i].prefix) {
				if (sp[w - 1].cls != 0)
					sp[w - 1].cls = sp[i].cls;
				continue;
			}
			sp[w++] = sp[i];
		}
		ns = w;
	}
	pts[np++] = 0;
	for (size_t i = 0; i < ns; i++) {
		pts[np++] = sp[i].first;
		if (sp[i].last != max)
			pts[np++] = sp[i].last + 1;
	}
	qsort(pts, np, sizeof(*pts), cmp_u128);
	for (size_t i = 0; i < np; i++) {
		u128 pt = pts[i], last = max;
		int cls;

		if (i > 0 && pt == pts[i - 1])
			continue;
		for (size_t j = i + 1; j < np; j++)
			if (pts[j] != pt) {
				last = pts[j] - 1;
				break;
			}
		while (depth > 0 && stack[depth - 1]->last < pt)
			zeros -= stack[--depth]->cls == 0;
		while (next < ns && sp[next].first == pt) {
			zeros += sp[next].cls == 0;
			stack[depth++] = &sp[next++];
		}
		cls = zeros ? 0 : depth ? stack[depth - 1]->cls : 0;
		append_range(r, &nr, family, pt, last, cls);
	}
	free(sp);
	free(pts);
	free(stack);
	*out = r;
	*nout = nr;
	return 0;
fail:
	free(sp);
	free(pts);
	free(stack);
	free(r);
	return -1;
}

int classes_flatten(const struct classes *c, struct classes_flat *out, struct ctv_err *err)
{
	memset(out, 0, sizeof(*out));
	if (flatten_family(c, AF_INET, &out->v4, &out->n4, err) < 0 ||
	    flatten_family(c, AF_INET6, &out->v6, &out->n6, err) < 0) {
		classes_flat_free(out);
		return -1;
	}
	return 0;
}

void classes_flat_free(struct classes_flat *f)
{
	free(f->v4);
	free(f->v6);
	memset(f, 0, sizeof(*f));
}

int classes_flat_lookup(const struct classes_flat *f, int family, const void *addr)
{
	const struct classes_range *r = family == AF_INET ? f->v4 : f->v6;
	size_t lo = 0, hi = family == AF_INET ? f->n4 : f->n6;
	u128 a = to_u128(family, addr);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a < to_u128(family, r[mid].first))
			hi = mid;
		else if (a > to_u128(family, r[mid].last))
			lo = mid + 1;
		else
			return r[mid].cls;
	}
	return 0;
}

const char *classes_addr_str(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}
