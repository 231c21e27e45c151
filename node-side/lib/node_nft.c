#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nlack.h"
#include "node_nft.h"

/* Kernel 6.3+ messages that ignore a missing object; older uapi headers
 * lack them. */
#ifndef NFT_MSG_DESTROYCHAIN
#define NFT_MSG_DESTROYTABLE 26
#define NFT_MSG_DESTROYCHAIN 27
#define NFT_MSG_DESTROYRULE 28
#define NFT_MSG_DESTROYSET 29
#define NFT_MSG_DESTROYOBJ 31
#endif

#define FAMILY NFPROTO_NETDEV
#define PRIO_FROM_CT (-500) /* early: all the container sent */
#define PRIO_TO_CT 500      /* late: what is handed to the container */
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

enum { F4, F6 };
enum { DIR_IN, DIR_OUT };

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

struct plan_ct {
	const struct containers_ct *ct;
	char dev[IF_NAMESIZE]; /* the host device its traffic crosses */
	uint8_t l2;            /* link-header bytes the egress hook sees */
};

struct node_plan {
	struct classes_flat flat;
	struct plan_ct *cts;
	size_t n;
	char (*devs)[IF_NAMESIZE];
	size_t ndevs;
	uint16_t used[2]; /* classes with ranges, per family */
};

/* ---- plan ------------------------------------------------------------ */

static int link_header_len(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return ETH_HLEN;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	r = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	/* A device that does not exist yet (container stopped) is assumed
	 * to be a veth; the hook attaches when it appears. */
	if (r < 0)
		return ETH_HLEN;
	return ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER ? ETH_HLEN : 0;
}

struct route_ans {
	int oif, gateway, type_ok;
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
	struct route_ans *r = data;

	if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		r->oif = (int)mnl_attr_get_u32(a);
	if (mnl_attr_get_type(a) == RTA_GATEWAY || mnl_attr_get_type(a) == RTA_VIA)
		r->gateway = 1;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_ans *r = data;

	r->type_ok = rtm->rtm_type == RTN_UNICAST;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, data);
	return MNL_CB_OK;
}

/* The device the kernel routes addr through, directly (no gateway). */
static int route_dev(const struct containers_addr *a, char *ifname, struct ctv_err *err)
{
	char buf[8192], txt[INET6_ADDRSTRLEN];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct route_ans ans = { 0, 0, 0 };
	uint32_t seq = (uint32_t)time(NULL);
	ssize_t n;
	int r;

	classes_addr_str(a->family, a->addr, txt, sizeof(txt));
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ctv_err_sys(err, errno, "route lookup for %s: netlink socket", txt);
		if (nl)
			mnl_socket_close(nl);
		return -1;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = a->family;
	rtm->rtm_dst_len = a->family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, a->family == AF_INET ? 4 : 16, a->addr);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ||
	    (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) < 0) {
		ctv_err_sys(err, errno, "route lookup for %s", txt);
		mnl_socket_close(nl);
		return -1;
	}
	r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), route_cb, &ans);
	mnl_socket_close(nl);
	if (r < 0 || !ans.oif || ans.gateway || !ans.type_ok || !if_indextoname((unsigned)ans.oif, ifname)) {
		ctv_err_set(err, "no direct route to %s (container stopped?); name its device with 'dev IFNAME'", txt);
		return -1;
	}
	return 0;
}

static int add_dev(struct node_plan *p, const char *dev)
{
	for (size_t i = 0; i < p->ndevs; i++)
		if (!strcmp(p->devs[i], dev))
			return 0;
	snprintf(p->devs[p->ndevs++], IF_NAMESIZE, "%s", dev);
	return 0;
}

struct node_plan *node_plan_build(const struct classes *cls, const struct containers *cts,
				  struct ctv_err *err)
{
	struct node_plan *p = calloc(1, sizeof(*p));

	if (!p)
		goto nomem;
	if (classes_flatten(cls, &p->flat, err) < 0) {
		free(p);
		return NULL;
	}
	p->cts = calloc(cts->n + 1, sizeof(*p->cts));
	p->devs = calloc(cts->n + 1, sizeof(*p->devs));
	if (!p->cts || !p->devs)
		goto nomem;
	for (size_t i = 0; i < p->flat.n4; i++)
		if (p->flat.v4[i].cls)
			p->used[F4] |= (uint16_t)(1u << p->flat.v4[i].cls);
	for (size_t i = 0; i < p->flat.n6; i++)
		if (p->flat.v6[i].cls)
			p->used[F6] |= (uint16_t)(1u << p->flat.v6[i].cls);
	for (size_t i = 0; i < cts->n; i++) {
		const struct containers_ct *ct = &cts->v[i];
		struct plan_ct *pc = &p->cts[p->n++];

		pc->ct = ct;
		if (ct->ifname[0]) {
			snprintf(pc->dev, sizeof(pc->dev), "%s", ct->ifname);
		} else if (route_dev(&ct->addrs[0], pc->dev, err) < 0) {
			ctv_err_prefix(err, "container %s (line %u)", ct->id, ct->line);
			node_plan_free(p);
			return NULL;
		}
		pc->l2 = (uint8_t)link_header_len(pc->dev);
		add_dev(p, pc->dev);
	}
	return p;
nomem:
	ctv_err_sys(err, ENOMEM, "building the accounting plan");
	node_plan_free(p);
	errno = ENOMEM;
	return NULL;
}

void node_plan_free(struct node_plan *p)
{
	if (!p)
		return;
	classes_flat_free(&p->flat);
	free(p->cts);
	free(p->devs);
	free(p);
}

/* A growing string for node_plan_describe(). */
struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = b->cap * 2 + (size_t)n + 256;
			char *ns = realloc(b->s, ncap);

			if (!ns) {
				b->oom = 1;
				return;
			}
			b->s = ns;
			b->cap = ncap;
		}
	}
}

static void describe_ranges(struct sbuf *b, const char *name, int family,
			    const struct classes_range *r, size_t n)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	sb_printf(b, "map %s (peer address -> class, %zu disjoint ranges):\n", name, n);
	for (size_t i = 0; i < n; i++) {
		classes_addr_str(family, r[i].first, x, sizeof(x));
		classes_addr_str(family, r[i].last, y, sizeof(y));
		if (r[i].cls)
			sb_printf(b, "  %s-%s -> class %u\n", x, y, r[i].cls);
		else
			sb_printf(b, "  %s-%s -> not accounted (class 0)\n", x, y);
	}
}

static unsigned popcount16(uint16_t v)
{
	unsigned n = 0;

	for (; v; v &= (uint16_t)(v - 1))
		n++;
	return n;
}

char *node_plan_describe(const struct node_plan *p)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	char a[INET6_ADDRSTRLEN];

	b.s = malloc(b.cap = 4096);
	if (!b.s)
		return NULL;
	b.s[0] = '\0';
	sb_printf(&b, "table netdev %s\n", NODE_NFT_TABLE);
	sb_printf(&b, "hooks: ingress (from containers: out) priority %d, egress (to containers: in) priority %d, devices:",
		  PRIO_FROM_CT, PRIO_TO_CT);
	for (size_t i = 0; i < p->ndevs; i++)
		sb_printf(&b, " %s", p->devs[i]);
	sb_printf(&b, "%s\n", p->ndevs ? "" : " none (no chains)");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_ct *c = &p->cts[i];

		sb_printf(&b, "container %s: ", c->ct->id);
		if (c->ct->kind == CONTAINERS_VETH) {
			sb_printf(&b, "bridged, port %s", c->dev);
		} else {
			sb_printf(&b, "routed via %s, addresses", c->dev);
			for (size_t j = 0; j < c->ct->n_addrs; j++)
				sb_printf(&b, "%s%s", j ? "," : " ",
					  classes_addr_str(c->ct->addrs[j].family, c->ct->addrs[j].addr, a, sizeof(a)));
		}
		sb_printf(&b, " (link header %u bytes)\n", c->l2);
	}
	describe_ranges(&b, "class4_in/class4_out", AF_INET, p->flat.v4, p->flat.n4);
	describe_ranges(&b, "class6_in/class6_out", AF_INET6, p->flat.v6, p->flat.n6);
	sb_printf(&b, "counters: %zu containers x (%u IPv4 + %u IPv6 classes) x 2 directions = %zu\n",
		  p->n, popcount16(p->used[F4]), popcount16(p->used[F6]),
		  p->n * 2 * (popcount16(p->used[F4]) + popcount16(p->used[F6])));
	if (b.oom) {
		free(b.s);
		errno = ENOMEM;
		return NULL;
	}
	return b.s;
}

/* ---- netlink --------------------------------------------------------- */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

static int nl_open(struct nl *nl, struct ctv_err *err)
{
	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock) {
		ctv_err_sys(err, errno, "nftables: netlink socket");
		return -1;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ctv_err_sys(err, errno, "nftables: netlink bind");
		mnl_socket_close(nl->sock);
		return -1;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Runs a dump request; cb sees each message. Returns 0 or -1 with errno. */
static int nl_dump(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	size_t bufsz = 1 << 17;
	char *buf = malloc(bufsz);
	ssize_t n;
	int r = -1, e;

	if (!buf)
		return -1;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		goto out;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, bufsz);
		if (n < 0)
			goto out;
		r = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, nl->portid, cb, data);
		if (r <= MNL_CB_STOP)
			break;
	}
	r = r < 0 ? -1 : 0;
out:
	e = errno;
	free(buf);
	errno = e;
	return r;
}

/* A batch being built: every message's purpose, for error messages. */
struct batch {
	struct nftnl_batch *b;
	uint32_t first_seq, seq;
	char (*what)[96];
	size_t n, cap;
	int oom;
};

static struct nlmsghdr *msg(struct batch *bt, uint16_t type, uint16_t flags,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static struct nlmsghdr *msg(struct batch *bt, uint16_t type, uint16_t flags, const char *fmt, ...)
{
	va_list ap;

	if (bt->n == bt->cap) {
		size_t ncap = bt->cap ? bt->cap * 2 : 256;
		void *nw = realloc(bt->what, ncap * sizeof(*bt->what));

		if (!nw) {
			bt->oom = 1; /* the batch will not be sent */
		} else {
			bt->what = nw;
			bt->cap = ncap;
		}
	}
	if (bt->n < bt->cap) {
		va_start(ap, fmt);
		vsnprintf(bt->what[bt->n], sizeof(bt->what[0]), fmt, ap);
		va_end(ap);
		bt->n++;
	}
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, FAMILY, flags, bt->seq++);
}

static void next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		bt->oom = 1;
}

/* Sends the batch in one sendmsg and waits for the final ack. */
static int batch_send(struct nl *nl, struct batch *bt, struct ctv_err *err)
{
	int iovlen = nftnl_batch_iovec_len(bt->b), sz, rcv = 1 << 20;
	struct iovec *iov = calloc((size_t)iovlen, sizeof(*iov));
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr mh = { 0 };
	struct timeval tv = { 120, 0 };
	size_t total = 0, bufsz = 1 << 16;
	char *buf = malloc(bufsz);
	/* Ends with the ack of the message before the batch end. */
	struct nlack st = { .begin_seq = bt->seq - 2, .last_seq = bt->seq - 2 };
	int fd = mnl_socket_get_fd(nl->sock);

	if (!iov || !buf) {
		free(iov);
		free(buf);
		ctv_err_sys(err, ENOMEM, "nftables batch");
		return -1;
	}
	nftnl_batch_iovec(bt->b, iov, (uint32_t)iovlen);
	for (int i = 0; i < iovlen; i++)
		total += iov[i].iov_len;
	sz = (int)(total + 4096);
	/* The whole batch is one netlink message stream: the send buffer must
	 * hold it (as nft does). */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	mh.msg_name = &snl;
	mh.msg_namelen = sizeof(snl);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)iovlen;
	if (sendmsg(fd, &mh, 0) < 0) {
		ctv_err_sys(err, errno, "nftables: sending the batch (%zu bytes)", total);
		goto fail;
	}
	for (;;) {
		ssize_t got = recv(fd, buf, bufsz, 0);

		if (got < 0) {
			ctv_err_sys(err, errno, "nftables: waiting for the kernel's answer");
			goto fail;
		}
		nlack_scan(&st, buf, (size_t)got);
		if (st.done)
			break;
	}
	if (st.error) {
		uint32_t idx = st.error_seq - bt->first_seq;

		ctv_err_sys(err, st.error, "nftables refused '%s'",
			    idx < bt->n ? bt->what[idx] : "?");
		errno = st.error;
		goto fail;
	}
	free(iov);
	free(buf);
	return 0;
fail:
	free(iov);
	free(buf);
	return -1;
}

static int batch_init(struct batch *bt, struct nl *nl)
{
	memset(bt, 0, sizeof(*bt));
	bt->b = nftnl_batch_alloc(1 << 20, (1 << 16) + 4096);
	if (!bt->b)
		return -1;
	bt->seq = nl->seq;
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), bt->seq++);
	next(bt);
	bt->first_seq = bt->seq;
	return 0;
}

static void batch_finish(struct batch *bt)
{
	nftnl_batch_end(nftnl_batch_buffer(bt->b), bt->seq++);
	next(bt);
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->what);
}

/* ---- reading counters ------------------------------------------------ */

struct raw_counter {
	char name[128];
	uint64_t bytes, packets;
	int l2;
};

struct raw_list {
	struct raw_counter *v;
	size_t n, cap;
	int oom;
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	int *l2 = data;
	char s[32];
	unsigned len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == UDATA_COMMENT && len < sizeof(s)) {
		memcpy(s, nftnl_udata_get(attr), len);
		s[len] = '\0';
		if (sscanf(s, "l2=%d", l2) != 1)
			*l2 = 0;
	}
	return 0;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct raw_list *l = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct raw_counter *c;
	const void *ud;
	uint32_t udlen = 0;

	if (!o) {
		l->oom = 1;
		return MNL_CB_ERROR;
	}
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0 ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER ||
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), NODE_NFT_TABLE)) {
		nftnl_obj_free(o);
		return MNL_CB_OK;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		void *nv = realloc(l->v, ncap * sizeof(*l->v));

		if (!nv) {
			nftnl_obj_free(o);
			l->oom = 1;
			return MNL_CB_ERROR;
		}
		l->v = nv;
		l->cap = ncap;
	}
	c = &l->v[l->n++];
	snprintf(c->name, sizeof(c->name), "%s", nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
	c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	c->l2 = 0;
	ud = nftnl_obj_get_data(o, NFTNL_OBJ_USERDATA, &udlen);
	if (ud && udlen)
		nftnl_udata_parse(ud, udlen, udata_cb, &c->l2);
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

/* Dumps our counter objects. Returns 0, 1 if our table is absent, -1. */
static int dump_counters(struct nl *nl, struct raw_list *out, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nftnl_obj *o;
	struct nftnl_table *t;
	uint32_t seq;

	memset(out, 0, sizeof(*out));
	o = nftnl_obj_alloc();
	if (!o) {
		ctv_err_sys(err, ENOMEM, "nftables");
		return -1;
	}
	seq = nl->seq++;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, FAMILY, NLM_F_DUMP | NLM_F_ACK, seq);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NODE_NFT_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	if (nl_dump(nl, nlh, obj_cb, out) < 0 || out->oom) {
		ctv_err_sys(err, out->oom ? ENOMEM : errno, "nftables: reading counters");
		goto fail;
	}
	if (out->n)
		return 0;
	/* No counters: installed without containers, or not installed. */
	t = nftnl_table_alloc();
	if (!t) {
		ctv_err_sys(err, ENOMEM, "nftables");
		goto fail;
	}
	seq = nl->seq++;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, FAMILY, NLM_F_ACK, seq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NODE_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (nl_dump(nl, nlh, NULL, NULL) < 0) {
		if (errno == ENOENT)
			return 1;
		ctv_err_sys(err, errno, "nftables: looking for table netdev %s", NODE_NFT_TABLE);
		goto fail;
	}
	return 0;
fail:
	free(out->v);
	out->v = NULL;
	return -1;
}

int node_ct_cmp(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
	int na = la && !a[la], nb = lb && !b[lb];

	if (na && nb) {
		while (*a == '0' && a[1])
			a++, la--;
		while (*b == '0' && b[1])
			b++, lb--;
		if (la != lb)
			return la < lb ? -1 : 1;
		return strcmp(a, b);
	}
	if (na != nb)
		return na ? -1 : 1;
	return strcmp(a, b);
}

static int row_cmp(const void *x, const void *y)
{
	const struct node_counter *a = x, *b = y;
	int c = node_ct_cmp(a->ct, b->ct);

	if (c)
		return c;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return a->family < b->family ? -1 : a->family > b->family;
}

/* "101:3:in:4" -> ct, class, direction, family. */
static int parse_name(const char *name, char *ct, unsigned *cls, int *dir, int *fam)
{
	char buf[128], *p[4];
	int n = 0;
	char *s, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", name);
	for (s = strtok_r(buf, ":", &save); s && n < 4; s = strtok_r(NULL, ":", &save))
		p[n++] = s;
	if (n != 4 || s || !containers_id_valid(p[0]) || strlen(p[0]) > CONTAINERS_ID_MAX)
		return -1;
	if (sscanf(p[1], "%u", cls) != 1 || *cls == 0 || *cls >= CLASSES_MAX)
		return -1;
	if (!strcmp(p[2], "in"))
		*dir = DIR_IN;
	else if (!strcmp(p[2], "out"))
		*dir = DIR_OUT;
	else
		return -1;
	if (!strcmp(p[3], "4"))
		*fam = AF_INET;
	else if (!strcmp(p[3], "6"))
		*fam = AF_INET6;
	else
		return -1;
	strcpy(ct, p[0]);
	return 0;
}

/* One counter object, parsed: a half row (one direction). */
struct half {
	struct node_counter key;
	int dir;
	uint64_t bytes, packets;
};

static int half_cmp(const void *x, const void *y)
{
	return row_cmp(&((const struct half *)x)->key, &((const struct half *)y)->key);
}

int node_nft_read(struct node_counters *out, struct ctv_err *err)
{
	struct nl nl;
	struct raw_list raw;
	struct half *h;
	size_t nh = 0;
	int r;

	out->v = NULL;
	out->n = 0;
	if (nl_open(&nl, err) < 0)
		return -1;
	r = dump_counters(&nl, &raw, err);
	nl_close(&nl);
	if (r < 0)
		return -1;
	if (r == 1) {
		ctv_err_set(err, "node accounting is not installed (no table netdev %s); run 'ctnode setup'",
			    NODE_NFT_TABLE);
		errno = ENOENT;
		return -1;
	}
	h = calloc(raw.n + 1, sizeof(*h));
	out->v = calloc(raw.n + 1, sizeof(*out->v));
	if (!h || !out->v) {
		free(h);
		free(raw.v);
		free(out->v);
		out->v = NULL;
		ctv_err_sys(err, ENOMEM, "reading counters");
		return -1;
	}
	for (size_t i = 0; i < raw.n; i++) {
		struct half *x = &h[nh];
		unsigned cls;
		int fam;

		if (parse_name(raw.v[i].name, x->key.ct, &cls, &x->dir, &fam) < 0)
			continue; /* not one of ours */
		x->key.cls = (uint8_t)cls;
		x->key.family = (uint8_t)fam;
		x->packets = raw.v[i].packets;
		x->bytes = raw.v[i].bytes;
		/* The egress hook counted the link header too. */
		if (x->dir == DIR_IN) {
			uint64_t l2 = (uint64_t)raw.v[i].l2 * x->packets;

			x->bytes = x->bytes >= l2 ? x->bytes - l2 : 0;
		}
		nh++;
	}
	free(raw.v);
	/* Sorting pairs each key's two directions: O(n log n) for any size. */
	qsort(h, nh, sizeof(*h), half_cmp);
	for (size_t i = 0; i < nh; i++) {
		struct node_counter *row = out->n ? &out->v[out->n - 1] : NULL;

		if (!row || row_cmp(row, &h[i].key)) {
			row = &out->v[out->n++];
			*row = h[i].key;
		}
		if (h[i].dir == DIR_IN) {
			row->in_bytes = h[i].bytes;
			row->in_packets = h[i].packets;
		} else {
			row->out_bytes = h[i].bytes;
			row->out_packets = h[i].packets;
		}
	}
	free(h);
	return 0;
}

void node_counters_free(struct node_counters *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* ---- setup ----------------------------------------------------------- */

static void counter_name(char *buf, size_t len, const char *ct, unsigned cls, int dir, int f)
{
	snprintf(buf, len, "%s:%u:%s:%c", ct, cls, dir == DIR_IN ? "in" : "out", f == F4 ? '4' : '6');
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
	if (key_type == TYPE_IFNAME) {
		/* nft shows interface names only when told they are host-order strings. */
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(32);

		if (ud) {
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* host */);
			nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
		}
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
	struct batch *bt;
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
	nlh = msg(e->bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, "add elements to map %s", e->set);
	nftnl_set_elems_nlmsg_build_payload(nlh, e->s);
	next(e->bt);
	nftnl_set_free(e->s);
	e->s = NULL;
	e->count = 0;
}

static struct nftnl_set_elem *elem_new(struct elems *e)
{
	struct nftnl_set_elem *el;

	if (e->count == ELEMS_PER_MSG)
		elems_flush(e);
	if (!e->s) {
		e->s = nftnl_set_alloc();
		if (!e->s)
			return NULL;
		nftnl_set_set_str(e->s, NFTNL_SET_TABLE, NODE_NFT_TABLE);
		nftnl_set_set_str(e->s, NFTNL_SET_NAME, e->set);
		nftnl_set_set_u32(e->s, NFTNL_SET_ID, e->id);
		nftnl_set_set_u32(e->s, NFTNL_SET_FAMILY, FAMILY);
	}
	el = nftnl_set_elem_alloc();
	if (!el)
		return NULL;
	nftnl_set_elem_add(e->s, el);
	e->count++;
	return el;
}

static void add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (e)
		nftnl_rule_add_expr(r, e);
}

static struct nftnl_expr *e_meta(uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
	return e;
}

static struct nftnl_expr *e_cmp_u16(uint32_t sreg, uint16_t v)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &v, sizeof(v));
	}
	return e;
}

static struct nftnl_expr *e_payload(uint32_t offset, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	}
	return e;
}

static struct nftnl_expr *e_lookup(const char *set, uint32_t id, uint32_t sreg, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
	}
	return e;
}

static struct nftnl_expr *e_objref_map(const char *set, uint32_t id, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_ID, id);
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, sreg);
	}
	return e;
}

static struct nftnl_expr *e_accept(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	}
	return e;
}

/* The protocol match is redundant in class chains (only the family's own
 * rule jumps there) but lets `nft list` print "ip saddr" instead of
 * "@nh,96,32"; measured cost: within the noise (< 40 ns a packet). */
static void rule_begin(struct nftnl_rule *r, const char *chain, int f)
{
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NODE_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, FAMILY);
	add_expr(r, e_meta(NFT_META_PROTOCOL, NFT_REG_1));
	add_expr(r, e_cmp_u16(NFT_REG_1, htons(f == F4 ? ETH_P_IP : ETH_P_IPV6)));
}

static void rule_end(struct batch *bt, struct nftnl_rule *r, const char *chain)
{
	struct nlmsghdr *nlh = msg(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, "add rule to chain %s", chain);

	nftnl_rule_nlmsg_build_payload(nlh, r);
	next(bt);
	nftnl_rule_free(r);
}

/* Offsets in the IP header of the source and destination addresses. */
static uint32_t saddr_off(int f) { return f == F4 ? 12 : 8; }
static uint32_t daddr_off(int f) { return f == F4 ? 16 : 24; }
static uint32_t addr_len(int f) { return f == F4 ? 4 : 16; }

/* The base chain's rule: the peer address (destination of what leaves the
 * container, source of what reaches it) selects the class chain. */
static void add_class_rule(struct batch *bt, const char *chain, int dir, int f)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char map[64];

	if (!r) {
		bt->oom = 1;
		return;
	}
	class_map_name(map, sizeof(map), dir, f);
	rule_begin(r, chain, f);
	add_expr(r, e_payload(dir == DIR_OUT ? daddr_off(f) : saddr_off(f), addr_len(f), NFT_REG_1));
	add_expr(r, e_lookup(map, class_map_id(dir, f), NFT_REG_1, NFT_REG_VERDICT));
	rule_end(bt, r, chain);
}

/* A class chain's rule: the container (its device, or its address) picks
 * the named counter. Accept ends our table's work for the packet only;
 * other tables still see it. */
static void add_count_rule(struct batch *bt, int dir, int f, unsigned cls, int by_dev)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char chain[64], map[64];

	if (!r) {
		bt->oom = 1;
		return;
	}
	class_chain_name(chain, sizeof(chain), dir, f, cls);
	cnt_map_name(map, sizeof(map), dir, f, cls, by_dev);
	rule_begin(r, chain, f);
	if (by_dev)
		add_expr(r, e_meta(dir == DIR_OUT ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1));
	else
		add_expr(r, e_payload(dir == DIR_OUT ? saddr_off(f) : daddr_off(f), addr_len(f), NFT_REG_1));
	add_expr(r, e_objref_map(map, cnt_map_id(dir, f, cls, by_dev), NFT_REG_1));
	add_expr(r, e_accept());
	rule_end(bt, r, chain);
}

/* A base chain on the container devices (hook >= 0) or a regular one. */
static void add_chain(struct batch *bt, const struct node_plan *p, size_t chunk, const char *name,
		      int hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char **devs = calloc(DEVS_PER_CHAIN + 1, sizeof(*devs));
	struct nlmsghdr *nlh;

	if (!c || !devs) {
		bt->oom = 1;
		free(devs);
		if (c)
			nftnl_chain_free(c);
		return;
	}
	for (size_t i = chunk * DEVS_PER_CHAIN, k = 0; i < p->ndevs && k < DEVS_PER_CHAIN; i++, k++)
		devs[k] = p->devs[i];
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
	nlh = msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, "add chain %s", name);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	next(bt);
	nftnl_chain_free(c);
	free(devs);
}

static void add_set(struct batch *bt, struct nftnl_set *s)
{
	struct nlmsghdr *nlh;

	if (!s) {
		bt->oom = 1;
		return;
	}
	nlh = msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, "add map %s",
		  nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_nlmsg_build_payload(nlh, s);
	next(bt);
	nftnl_set_free(s);
}

static void destroy_named(struct batch *bt, uint16_t type, const char *name)
{
	struct nlmsghdr *nlh;

	switch (type) {
	case NFT_MSG_DESTROYRULE: {
		struct nftnl_rule *r = nftnl_rule_alloc();

		nlh = msg(bt, type, 0, "flush chain %s", name);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NODE_NFT_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		break;
	}
	case NFT_MSG_DESTROYCHAIN: {
		struct nftnl_chain *c = nftnl_chain_alloc();

		nlh = msg(bt, type, 0, "delete chain %s", name);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NODE_NFT_TABLE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
		break;
	}
	case NFT_MSG_DESTROYSET: {
		struct nftnl_set *s = nftnl_set_alloc();

		nlh = msg(bt, type, 0, "delete map %s", name);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NODE_NFT_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		break;
	}
	default: { /* NFT_MSG_DESTROYOBJ */
		struct nftnl_obj *o = nftnl_obj_alloc();

		nlh = msg(bt, type, 0, "delete counter %s", name);
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NODE_NFT_TABLE);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nftnl_obj_free(o);
		break;
	}
	}
	next(bt);
}

static void add_counter(struct batch *bt, const char *name, int l2)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	struct nlmsghdr *nlh;
	char comment[16];

	if (!o || !ud) {
		bt->oom = 1;
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
	nlh = msg(bt, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL, "add counter %s", name);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	next(bt);
	nftnl_obj_free(o);
	nftnl_udata_buf_free(ud);
}

static void table_msg(struct batch *bt, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		bt->oom = 1;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NODE_NFT_TABLE);
	nlh = msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE | flags, "add table netdev %s", NODE_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	next(bt);
	nftnl_table_free(t);
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
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	int dir, fam;

	if (parse_name(name, ct, &cls, &dir, &fam) < 0)
		return -1;
	if (!(p->used[fam == AF_INET ? F4 : F6] & (1u << cls)))
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->cts[i].ct->id, ct))
			return p->cts[i].l2;
	return -1;
}

static void add_class_elems(struct batch *bt, int dir, int f, const struct classes_range *r, size_t n)
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
		if (!el) {
			bt->oom = 1;
			return;
		}
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
		if (!el) {
			bt->oom = 1;
			return;
		}
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, end, alen);
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	}
	elems_flush(&e);
}

static int build_setup(struct batch *bt, const struct node_plan *p, const struct raw_list *have,
		       int existed)
{
	char name[128];

	table_msg(bt, 0);
	if (existed) {
		/* Everything but the counters goes; the order follows the
		 * references: rules, base chains, maps, class chains, then the
		 * counters nothing refers to any more. */
		for (size_t k = 0; k < CHUNKS_MAX; k++) {
			base_chain_name(name, sizeof(name), CHAIN_FROM, k);
			destroy_named(bt, NFT_MSG_DESTROYRULE, name);
			base_chain_name(name, sizeof(name), CHAIN_TO, k);
			destroy_named(bt, NFT_MSG_DESTROYRULE, name);
		}
		for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
			for (int f = F4; f <= F6; f++)
				for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
					class_chain_name(name, sizeof(name), dir, f, cls);
					destroy_named(bt, NFT_MSG_DESTROYRULE, name);
				}
		for (size_t k = 0; k < CHUNKS_MAX; k++) {
			base_chain_name(name, sizeof(name), CHAIN_FROM, k);
			destroy_named(bt, NFT_MSG_DESTROYCHAIN, name);
			base_chain_name(name, sizeof(name), CHAIN_TO, k);
			destroy_named(bt, NFT_MSG_DESTROYCHAIN, name);
		}
		for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
			for (int f = F4; f <= F6; f++) {
				class_map_name(name, sizeof(name), dir, f);
				destroy_named(bt, NFT_MSG_DESTROYSET, name);
				for (unsigned cls = 1; cls < CLASSES_MAX; cls++)
					for (int by_dev = 0; by_dev <= 1; by_dev++) {
						cnt_map_name(name, sizeof(name), dir, f, cls, by_dev);
						destroy_named(bt, NFT_MSG_DESTROYSET, name);
					}
			}
		for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
			for (int f = F4; f <= F6; f++)
				for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
					class_chain_name(name, sizeof(name), dir, f, cls);
					destroy_named(bt, NFT_MSG_DESTROYCHAIN, name);
				}
		/* Counters the new plan does not want, or whose link header
		 * changed (their old bytes would be corrected wrongly). */
		for (size_t i = 0; i < have->n; i++) {
			int l2 = wanted_l2(p, have->v[i].name);

			if (l2 < 0 || l2 != have->v[i].l2)
				destroy_named(bt, NFT_MSG_DESTROYOBJ, have->v[i].name);
		}
	}
	for (size_t i = 0; i < p->n; i++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				if (!(p->used[f] & (1u << cls)))
					continue;
				for (int dir = DIR_IN; dir <= DIR_OUT; dir++) {
					const struct raw_counter *h;

					counter_name(name, sizeof(name), p->cts[i].ct->id, cls, dir, f);
					h = existed ? find_raw(have, name) : NULL;
					if (!h || h->l2 != p->cts[i].l2)
						add_counter(bt, name, p->cts[i].l2);
				}
			}
	if (!p->ndevs)
		goto done; /* no containers: the table and nothing else */

	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++) {
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				if (!(p->used[f] & (1u << cls)))
					continue;
				class_chain_name(name, sizeof(name), dir, f, cls);
				add_chain(bt, p, 0, name, -1, 0);
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

	/* Counter maps: container device or address -> its counter. */
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++) {
				char dmap[64], amap[64];
				struct elems dev = { bt, dmap, cnt_map_id(dir, f, cls, 1), NULL, 0 };
				struct elems addr = { bt, amap, cnt_map_id(dir, f, cls, 0), NULL, 0 };

				if (!(p->used[f] & (1u << cls)))
					continue;
				cnt_map_name(dmap, sizeof(dmap), dir, f, cls, 1);
				cnt_map_name(amap, sizeof(amap), dir, f, cls, 0);
				for (size_t i = 0; i < p->n; i++) {
					const struct containers_ct *ct = p->cts[i].ct;
					struct nftnl_set_elem *el;

					counter_name(name, sizeof(name), ct->id, cls, dir, f);
					if (ct->kind == CONTAINERS_VETH) {
						char key[IF_NAMESIZE] = { 0 };

						snprintf(key, sizeof(key), "%s", ct->ifname);
						if (!(el = elem_new(&dev)))
							return -1;
						nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, IF_NAMESIZE);
						nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_OBJREF, name);
						continue;
					}
					for (size_t j = 0; j < ct->n_addrs; j++) {
						if (ct->addrs[j].family != (f == F4 ? AF_INET : AF_INET6))
							continue;
						if (!(el = elem_new(&addr)))
							return -1;
						nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, ct->addrs[j].addr, addr_len(f));
						nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_OBJREF, name);
					}
				}
				elems_flush(&dev);
				elems_flush(&addr);
			}
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++) {
		add_class_elems(bt, dir, F4, p->flat.v4, p->flat.n4);
		add_class_elems(bt, dir, F6, p->flat.v6, p->flat.n6);
	}
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++)
		for (int f = F4; f <= F6; f++)
			for (unsigned cls = 1; cls < CLASSES_MAX; cls++)
				if (p->used[f] & (1u << cls)) {
					add_count_rule(bt, dir, f, cls, 1);
					add_count_rule(bt, dir, f, cls, 0);
				}
	for (size_t k = 0; k * DEVS_PER_CHAIN < p->ndevs; k++) {
		char from[64], to[64];

		base_chain_name(from, sizeof(from), CHAIN_FROM, k);
		base_chain_name(to, sizeof(to), CHAIN_TO, k);
		add_chain(bt, p, k, from, NF_NETDEV_INGRESS, PRIO_FROM_CT);
		add_chain(bt, p, k, to, NF_NETDEV_EGRESS, PRIO_TO_CT);
		for (int f = F4; f <= F6; f++) {
			add_class_rule(bt, from, DIR_OUT, f);
			add_class_rule(bt, to, DIR_IN, f);
		}
	}
done:
	/* A no-op last message that asks for the ack ending the batch. */
	table_msg(bt, NLM_F_ACK);
	return bt->oom ? -1 : 0;
}

int node_nft_setup(const struct node_plan *p, struct ctv_err *err)
{
	struct nl nl;
	struct raw_list have;
	struct batch bt;
	int r;

	if (nl_open(&nl, err) < 0)
		return -1;
	r = dump_counters(&nl, &have, err);
	if (r < 0) {
		nl_close(&nl);
		return -1;
	}
	if (have.n)
		qsort(have.v, have.n, sizeof(*have.v), raw_cmp);
	if (batch_init(&bt, &nl) < 0) {
		ctv_err_sys(err, ENOMEM, "nftables batch");
		free(have.v);
		nl_close(&nl);
		return -1;
	}
	if (build_setup(&bt, p, &have, r == 0) < 0 || bt.oom) {
		ctv_err_sys(err, ENOMEM, "building the nftables batch");
		r = -1;
	} else {
		batch_finish(&bt);
		r = batch_send(&nl, &bt, err);
	}
	batch_free(&bt);
	free(have.v);
	nl_close(&nl);
	return r;
}

int node_nft_teardown(struct ctv_err *err)
{
	struct nl nl;
	struct batch bt;
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	int r;

	if (nl_open(&nl, err) < 0)
		return -1;
	t = nftnl_table_alloc();
	if (!t || batch_init(&bt, &nl) < 0) {
		if (t)
			nftnl_table_free(t);
		nl_close(&nl);
		ctv_err_sys(err, ENOMEM, "nftables batch");
		return -1;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NODE_NFT_TABLE);
	nlh = msg(&bt, NFT_MSG_DELTABLE, NLM_F_ACK, "delete table netdev %s", NODE_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	next(&bt);
	nftnl_table_free(t);
	batch_finish(&bt);
	r = batch_send(&nl, &bt, err);
	if (r < 0 && errno == ENOENT) {
		ctv_err_clear(err);
		r = 0;
	}
	batch_free(&bt);
	nl_close(&nl);
	return r;
}
