#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/xt_cgroup.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "ipt_entry.h"

size_t iptent_header_size(int family)
{
	return family == AF_INET6 ? sizeof(struct ip6t_entry) : sizeof(struct ipt_entry);
}

static void *grow(struct iptent *e, size_t n)
{
	void *p;

	if (e->failed)
		return NULL;
	if (e->len + n > e->cap) {
		size_t cap = e->cap * 2 > e->len + n ? e->cap * 2 : e->len + n + 256;
		unsigned char *b = realloc(e->buf, cap);

		if (!b) {
			e->failed = 1;
			return NULL;
		}
		e->buf = b;
		e->cap = cap;
	}
	p = e->buf + e->len;
	memset(p, 0, n);
	e->len += n;
	return p;
}

int iptent_begin(struct iptent *e, int family)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	if (!grow(e, iptent_header_size(family))) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void iptent_free(struct iptent *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

#define V4(e) ((struct ipt_entry *)(void *)(e)->buf)
#define V6(e) ((struct ip6t_entry *)(void *)(e)->buf)

void iptent_proto(struct iptent *e, uint8_t proto)
{
	if (e->failed)
		return;
	if (e->family == AF_INET6) {
		V6(e)->ipv6.proto = proto;
		if (proto)
			V6(e)->ipv6.flags |= IP6T_F_PROTO;
		else
			V6(e)->ipv6.flags &= (uint8_t)~IP6T_F_PROTO;
	} else {
		V4(e)->ip.proto = proto;
	}
}

void iptent_iface(struct iptent *e, int out, const char *name)
{
	char *ifc;
	unsigned char *mask;
	size_t n = strlen(name);

	if (e->failed || n >= IFNAMSIZ)
		return;
	if (e->family == AF_INET6) {
		ifc = out ? V6(e)->ipv6.outiface : V6(e)->ipv6.iniface;
		mask = out ? V6(e)->ipv6.outiface_mask : V6(e)->ipv6.iniface_mask;
	} else {
		ifc = out ? V4(e)->ip.outiface : V4(e)->ip.iniface;
		mask = out ? V4(e)->ip.outiface_mask : V4(e)->ip.iniface_mask;
	}
	memcpy(ifc, name, n + 1);
	/* Exact name: the mask covers the terminating NUL too, as iptables
	 * sets it for a name without '+'. */
	memset(mask, 0xff, n + 1);
}

void iptent_addr(struct iptent *e, int dst, const uint8_t *addr, unsigned prefix)
{
	uint8_t m[16] = { 0 };
	size_t len = e->family == AF_INET6 ? 16 : 4;

	if (e->failed)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > 8 * i ? prefix - 8 * (unsigned)i : 0;

		m[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
	if (e->family == AF_INET6) {
		struct in6_addr *a = dst ? &V6(e)->ipv6.dst : &V6(e)->ipv6.src;
		struct in6_addr *k = dst ? &V6(e)->ipv6.dmsk : &V6(e)->ipv6.smsk;

		for (size_t i = 0; i < 16; i++) {
			a->s6_addr[i] = addr[i] & m[i];
			k->s6_addr[i] = m[i];
		}
	} else {
		struct in_addr *a = dst ? &V4(e)->ip.dst : &V4(e)->ip.src;
		struct in_addr *k = dst ? &V4(e)->ip.dmsk : &V4(e)->ip.smsk;
		uint8_t v[4];

		for (size_t i = 0; i < 4; i++)
			v[i] = addr[i] & m[i];
		memcpy(&a->s_addr, v, 4);
		memcpy(&k->s_addr, m, 4);
	}
}

void iptent_goto(struct iptent *e)
{
	if (e->failed)
		return;
	if (e->family == AF_INET6)
		V6(e)->ipv6.flags |= IP6T_F_GOTO;
	else
		V4(e)->ip.flags |= IPT_F_GOTO;
}

void iptent_match(struct iptent *e, const char *name, uint8_t revision,
		  const void *data, size_t size)
{
	size_t total = XT_ALIGN(sizeof(struct xt_entry_match) + size);
	struct xt_entry_match *m;

	if (e->has_target)
		e->failed = 1;
	m = grow(e, total);
	if (!m)
		return;
	m->u.user.match_size = (uint16_t)total;
	strncpy(m->u.user.name, name, sizeof(m->u.user.name) - 1);
	m->u.user.revision = revision;
	memcpy(m->data, data, size);
}

static struct xt_entry_target *add_target(struct iptent *e, const char *name,
					  uint8_t revision, size_t size)
{
	size_t total = XT_ALIGN(sizeof(struct xt_entry_target) + size);
	struct xt_entry_target *t;

	if (e->has_target) {
		e->failed = 1;
		return NULL;
	}
	/* The target's offset is where the matches end. */
	if (!e->failed) {
		if (e->family == AF_INET6)
			V6(e)->target_offset = (uint16_t)e->len;
		else
			V4(e)->target_offset = (uint16_t)e->len;
	}
	t = grow(e, total);
	if (!t)
		return NULL;
	e->has_target = 1;
	t->u.user.target_size = (uint16_t)total;
	strncpy(t->u.user.name, name, sizeof(t->u.user.name) - 1);
	t->u.user.revision = revision;
	return t;
}

void iptent_target_std(struct iptent *e, const char *name)
{
	add_target(e, name, 0, sizeof(struct xt_standard_target) - sizeof(struct xt_entry_target));
}

void iptent_target(struct iptent *e, const char *name, uint8_t revision,
		   const void *data, size_t size)
{
	struct xt_entry_target *t = add_target(e, name, revision, size);

	if (t)
		memcpy(t->data, data, size);
}

int iptent_finish(struct iptent *e)
{
	if (e->failed) {
		errno = ENOMEM;
		return -1;
	}
	if (!e->has_target) {
		errno = EINVAL;
		return -1;
	}
	if (e->family == AF_INET6)
		V6(e)->next_offset = (uint16_t)e->len;
	else
		V4(e)->next_offset = (uint16_t)e->len;
	return 0;
}

static void u128_bytes(ipttree_u128 v, uint8_t *out, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The prefix length if [lo, hi] is exactly one CIDR block, else -1. */
static int cidr_of(ipttree_u128 lo, ipttree_u128 hi, unsigned bits)
{
	ipttree_u128 size = hi - lo;
	unsigned host = 0;

	if (lo == 0 && hi == (bits == 128 ? ~(ipttree_u128)0 : (((ipttree_u128)1 << bits) - 1)))
		return 0;
	/* size + 1 must be a power of two and lo aligned to it */
	if ((size & (size + 1)) != 0)
		return -1;
	while (host < bits && ((size >> host) & 1))
		host++;
	if (lo & size)
		return -1;
	return (int)(bits - host);
}

void iptent_dim(struct iptent *e, int dir_in, int dim, uint8_t proto,
		ipttree_u128 lo, ipttree_u128 hi)
{
	if (dim == IPTTREE_PEER) {
		unsigned bits = e->family == AF_INET6 ? 128 : 32;
		int prefix = cidr_of(lo, hi, bits);
		struct xt_iprange_mtinfo r;

		if (prefix >= 0) {
			uint8_t a[16];

			u128_bytes(lo, a, bits / 8);
			iptent_addr(e, !dir_in, a, (unsigned)prefix);
			return;
		}
		memset(&r, 0, sizeof(r));
		if (e->family == AF_INET6) {
			u128_bytes(lo, dir_in ? r.src_min.in6.s6_addr : r.dst_min.in6.s6_addr, 16);
			u128_bytes(hi, dir_in ? r.src_max.in6.s6_addr : r.dst_max.in6.s6_addr, 16);
		} else {
			uint8_t a[4], b[4];

			u128_bytes(lo, a, 4);
			u128_bytes(hi, b, 4);
			memcpy(dir_in ? &r.src_min.ip : &r.dst_min.ip, a, 4);
			memcpy(dir_in ? &r.src_max.ip : &r.dst_max.ip, b, 4);
		}
		r.flags = dir_in ? IPRANGE_SRC : IPRANGE_DST;
		iptent_match(e, "iprange", 1, &r, sizeof(r));
		return;
	}
	/* The container's port is the destination of what it receives. */
	{
		int dport = (dim == IPTTREE_LPORT) == !!dir_in;
		uint16_t spts[2] = { 0, 65535 }, dpts[2] = { 0, 65535 };

		if (dport) {
			dpts[0] = (uint16_t)lo;
			dpts[1] = (uint16_t)hi;
		} else {
			spts[0] = (uint16_t)lo;
			spts[1] = (uint16_t)hi;
		}
		iptent_proto(e, proto);
		if (proto == IPPROTO_UDP) {
			struct xt_udp u;

			memset(&u, 0, sizeof(u));
			memcpy(u.spts, spts, sizeof(spts));
			memcpy(u.dpts, dpts, sizeof(dpts));
			iptent_match(e, "udp", 0, &u, sizeof(u));
		} else {
			struct xt_tcp t;

			memset(&t, 0, sizeof(t));
			memcpy(t.spts, spts, sizeof(spts));
			memcpy(t.dpts, dpts, sizeof(dpts));
			iptent_match(e, "tcp", 0, &t, sizeof(t));
		}
	}
}

void iptent_mark(struct iptent *e, unsigned id, int invert)
{
	struct xt_connmark_mtinfo1 m;

	memset(&m, 0, sizeof(m));
	m.mark = (uint32_t)id << IPTTREE_MARK_SHIFT;
	m.mask = IPTTREE_MARK_MASK;
	m.invert = invert ? 1 : 0;
	iptent_match(e, "connmark", 1, &m, sizeof(m));
}

void iptent_owner(struct iptent *e, const struct svc *s)
{
	if (s->match_uid || s->match_gid) {
		struct xt_owner_match_info o;

		memset(&o, 0, sizeof(o));
		if (s->match_uid) {
			o.uid_min = o.uid_max = s->uid;
			o.match |= XT_OWNER_UID;
		}
		if (s->match_gid) {
			o.gid_min = o.gid_max = s->gid;
			o.match |= XT_OWNER_GID;
		}
		iptent_match(e, "owner", 1, &o, sizeof(o));
	}
	if (s->cgroup) {
		struct xt_cgroup_info_v2 c;

		memset(&c, 0, sizeof(c));
		c.has_path = 1;
		strncpy(c.path, s->cgroup, sizeof(c.path) - 1);
		iptent_match(e, "cgroup", 2, &c, sizeof(c));
	}
}

void iptent_set_mark(struct iptent *e, unsigned id)
{
	struct xt_connmark_tginfo2 t;

	/* Revision 2, as iptables 1.8 writes it, so iptables-save shows it. */
	memset(&t, 0, sizeof(t));
	t.ctmark = (uint32_t)id << IPTTREE_MARK_SHIFT;
	t.ctmask = IPTTREE_MARK_MASK;
	t.mode = XT_CONNMARK_SET;
	iptent_target(e, "CONNMARK", 2, &t, sizeof(t));
}

void iptent_comment(struct iptent *e, const char *text)
{
	struct xt_comment_info c;

	memset(&c, 0, sizeof(c));
	strncpy(c.comment, text, sizeof(c.comment) - 1);
	iptent_match(e, "comment", 0, &c, sizeof(c));
}

int iptent_from_rule(struct iptent *e, int family, enum ipttree_kind kind,
		     const struct svcspec *spec, const struct ipttree_rule *r,
		     const char *target)
{
	int dir_in = kind == IPTTREE_IN;

	if (iptent_begin(e, family) < 0)
		return -1;
	if (r->proto)
		iptent_proto(e, r->proto);
	if (r->loopback)
		iptent_iface(e, !dir_in, "lo");
	if (r->dim >= 0)
		iptent_dim(e, dir_in, r->dim, r->proto, r->lo, r->hi);
	if (r->mark)
		iptent_mark(e, r->mark_val, r->mark < 0);
	if (r->owner >= 0)
		iptent_owner(e, &spec->svcs[r->owner]);
	iptent_target_std(e, target);
	if (r->t.kind != IPTTREE_T_RETURN)
		iptent_goto(e);
	return iptent_finish(e);
}

const void *iptent_find_match(int family, const void *entry, const char *name,
			      size_t *size)
{
	const unsigned char *b = entry;
	size_t off = iptent_header_size(family), end;

	end = family == AF_INET6 ? ((const struct ip6t_entry *)entry)->target_offset
				 : ((const struct ipt_entry *)entry)->target_offset;
	while (off + sizeof(struct xt_entry_match) <= end) {
		const struct xt_entry_match *m = (const void *)(b + off);

		if (m->u.match_size < sizeof(*m))
			return NULL;
		if (!strcmp(m->u.user.name, name)) {
			if (size)
				*size = m->u.match_size - sizeof(*m);
			return m->data;
		}
		off += m->u.match_size;
	}
	return NULL;
}
