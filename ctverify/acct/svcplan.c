/* svcplan.c - first-match resolution at build time, so that the packet
 * path does one map lookup where a naive rule set would walk a list. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "svcplan.h"

struct point {
	uint8_t k[16];
};

static size_t g_width; /* for qsort's comparator */

static int point_cmp(const void *a, const void *b)
{
	return memcmp(a, b, g_width);
}

/* k += 1; returns 1 if it wrapped past the largest key. */
static int key_inc(uint8_t *k, size_t width)
{
	for (size_t i = width; i-- > 0;)
		if (++k[i] != 0)
			return 0;
	return 1;
}

static void key_dec(uint8_t *k, size_t width)
{
	for (size_t i = width; i-- > 0;)
		if (k[i]-- != 0)
			return;
}

/* First point >= k. */
static size_t lower_bound(const struct point *p, size_t n, const uint8_t *k, size_t width)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(p[mid].k, k, width) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long svcplan_flatten(const struct svcplan_iv *in, size_t n, size_t width,
		     struct svcplan_iv **out)
{
	struct point *pts;
	size_t *owner, np = 0, nout = 0;
	struct svcplan_iv *res;
	const size_t none = (size_t)-1;

	*out = NULL;
	pts = calloc(2 * n + 1, sizeof(*pts));
	owner = calloc(2 * n + 1, sizeof(*owner));
	res = calloc(2 * n + 1, sizeof(*res));
	if (!pts || !owner || !res) {
		free(pts);
		free(owner);
		free(res);
		errno = ENOMEM;
		return -1;
	}
	/* Every start and every end+1 is where ownership may change. */
	for (size_t i = 0; i < n; i++) {
		memcpy(pts[np++].k, in[i].lo, width);
		memcpy(pts[np].k, in[i].hi, width);
		if (!key_inc(pts[np].k, width))
			np++;
	}
	g_width = width;
	qsort(pts, np, sizeof(*pts), point_cmp);
	{
		size_t u = 0;

		for (size_t i = 0; i < np; i++)
			if (u == 0 || memcmp(pts[u - 1].k, pts[i].k, width))
				pts[u++] = pts[i];
		np = u;
	}
	for (size_t i = 0; i < np; i++)
		owner[i] = none;
	/* Segment i runs from pts[i] to pts[i+1]-1 (the last to the top). An
	 * interval covers whole segments; earlier intervals claim first. */
	for (size_t i = 0; i < n; i++) {
		for (size_t s = lower_bound(pts, np, in[i].lo, width);
		     s < np && memcmp(pts[s].k, in[i].hi, width) <= 0; s++)
			if (owner[s] == none)
				owner[s] = in[i].svc;
	}
	for (size_t s = 0; s < np; s++) {
		if (owner[s] == none)
			continue;
		if (nout && res[nout - 1].svc == owner[s]) {
			uint8_t next[16];

			memcpy(next, res[nout - 1].hi, width);
			if (!key_inc(next, width) && !memcmp(next, pts[s].k, width)) {
				/* Adjacent and same owner: extend. */
				goto extend;
			}
		}
		memset(&res[nout], 0, sizeof(res[nout]));
		memcpy(res[nout].lo, pts[s].k, width);
		res[nout].svc = owner[s];
		nout++;
extend:
		if (s + 1 < np) {
			memcpy(res[nout - 1].hi, pts[s + 1].k, width);
			key_dec(res[nout - 1].hi, width);
		} else {
			memset(res[nout - 1].hi, 0xff, width);
		}
	}
	free(pts);
	free(owner);
	*out = res;
	return (long)nout;
}

void svcplan_free(struct svcplan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->steps[i].map.iv);
	free(plan->steps);
	free(plan->owner_id);
	memset(plan, 0, sizeof(*plan));
}

/* Which map a service can join, or -1 if it needs its own step. */
static int map_class(const struct svc *s)
{
	if (svcspec_is_owner(s))
		return -1;
	if (s->n_lports && !s->n_rports && !s->n_peers && s->proto != SVC_PROTO_ICMP)
		return SVCPLAN_LPORT;
	if (s->n_rports && !s->n_lports && !s->n_peers && s->proto != SVC_PROTO_ICMP)
		return SVCPLAN_RPORT;
	if (s->n_peers && !s->n_lports && !s->n_rports && s->proto == SVC_PROTO_ANY)
		return SVCPLAN_PEER4; /* both families */
	return -1;
}

static int add_step(struct svcplan *plan, const struct svcplan_step *st)
{
	struct svcplan_step *n = realloc(plan->steps, (plan->n + 1) * sizeof(*n));

	if (!n)
		return -1;
	plan->steps = n;
	plan->steps[plan->n++] = *st;
	return 0;
}

/* One map for the services [from, to) of one class: key and protocol (or
 * family). Adds nothing when none of them has such entries. */
static int add_map(struct svcplan *plan, const struct svcspec *spec, size_t from, size_t to,
		   enum svcplan_key key, enum svc_proto proto)
{
	struct svcplan_step st = { .kind = SVCPLAN_MAP, .svc = from };
	struct svcplan_iv *iv = NULL;
	size_t n = 0, cap = 0;
	long got;

	st.map.key = key;
	st.map.proto = proto;
	st.map.width = key == SVCPLAN_PEER4 ? 4 : key == SVCPLAN_PEER6 ? 16 : 2;
	for (size_t i = from; i < to; i++) {
		const struct svc *s = &spec->svcs[i];
		const struct svc_portrange *pr = key == SVCPLAN_LPORT ? s->lports : s->rports;
		size_t np = key == SVCPLAN_LPORT ? s->n_lports :
			key == SVCPLAN_RPORT ? s->n_rports : s->n_peers;

		if ((key == SVCPLAN_LPORT || key == SVCPLAN_RPORT) &&
		    s->proto != SVC_PROTO_ANY && s->proto != proto)
			continue;
		for (size_t j = 0; j < np; j++) {
			struct svcplan_iv *x;

			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				x = realloc(iv, cap * sizeof(*x));
				if (!x) {
					free(iv);
					return -1;
				}
				iv = x;
			}
			x = &iv[n];
			memset(x, 0, sizeof(*x));
			x->svc = i;
			if (key == SVCPLAN_LPORT || key == SVCPLAN_RPORT) {
				x->lo[0] = (uint8_t)(pr[j].first >> 8);
				x->lo[1] = (uint8_t)pr[j].first;
				x->hi[0] = (uint8_t)(pr[j].last >> 8);
				x->hi[1] = (uint8_t)pr[j].last;
			} else {
				const struct svc_cidr *c = &s->peers[j];
				int fam = key == SVCPLAN_PEER4 ? AF_INET : AF_INET6;

				if (c->family != fam)
					continue;
				memcpy(x->lo, c->addr, st.map.width);
				memcpy(x->hi, c->addr, st.map.width);
				for (size_t b = c->prefix; b < st.map.width * 8; b++)
					x->hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			}
			n++;
		}
	}
	if (n == 0) {
		free(iv);
		return 0;
	}
	got = svcplan_flatten(iv, n, st.map.width, &st.map.iv);
	free(iv);
	if (got < 0)
		return -1;
	st.map.n = (size_t)got;
	if (add_step(plan, &st) < 0) {
		free(st.map.iv);
		return -1;
	}
	return 0;
}

int svcplan_build(const struct svcspec *spec, struct svcplan *plan, struct ctv_err *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->owner_id = calloc(spec->n + 1, sizeof(*plan->owner_id));
	if (!plan->owner_id)
		goto nomem;
	for (size_t i = 0; i < spec->n; i++) {
		const struct svc *s = &spec->svcs[i];

		if (!svcspec_is_owner(s))
			continue;
		if (plan->n_owners == SVCPLAN_OWNER_MAX) {
			ctv_err_set(err, "%s:%u: service '%s': more than %d services with user=, group= or cgroup= (the connection mark has 8 bits for them)",
				    s->file ? s->file : "?", s->line, s->name, SVCPLAN_OWNER_MAX);
			svcplan_free(plan);
			return -1;
		}
		plan->owner_id[i] = (unsigned)++plan->n_owners;
	}
	for (size_t i = 0; i < spec->n;) {
		int cls = map_class(&spec->svcs[i]);
		size_t j = i + 1;

		if (cls < 0) {
			struct svcplan_step st = { .kind = SVCPLAN_SVC, .svc = i };

			if (add_step(plan, &st) < 0)
				goto nomem;
			i++;
			continue;
		}
		while (j < spec->n && map_class(&spec->svcs[j]) == cls)
			j++;
		if (cls == SVCPLAN_PEER4) {
			if (add_map(plan, spec, i, j, SVCPLAN_PEER4, SVC_PROTO_ANY) < 0 ||
			    add_map(plan, spec, i, j, SVCPLAN_PEER6, SVC_PROTO_ANY) < 0)
				goto nomem;
		} else {
			if (add_map(plan, spec, i, j, (enum svcplan_key)cls, SVC_PROTO_TCP) < 0 ||
			    add_map(plan, spec, i, j, (enum svcplan_key)cls, SVC_PROTO_UDP) < 0)
				goto nomem;
		}
		i = j;
	}
	return 0;
nomem:
	svcplan_free(plan);
	ctv_err_set(err, "out of memory planning the rules");
	errno = ENOMEM;
	return -1;
}
