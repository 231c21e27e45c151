/* node_plan.c - what setup installs, resolved against the running
 * system: each container's host device (its own, or the route to its
 * first address) and link-header length, the flattened classes. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "node_index.h"
#include "node_int.h"
#include "strbuf.h"

/* Every range of a large classes file, one line each, with room. */
#define DESCRIBE_MAX (256 << 20)

/* The link-header length of ifname; *absent is set when it does not exist. */
static int link_header_len(const char *ifname, uint8_t *absent)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	*absent = 0;
	if (fd < 0)
		return ETH_HLEN;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	r = ioctl(fd, SIOCGIFHWADDR, &ifr);
	*absent = r < 0 && errno == ENODEV;
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

static int dev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_ct *)a)->dev, ((const struct plan_ct *)b)->dev);
}

static int by_id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct plan_ct *const *)a)->ct->id,
		      (*(const struct plan_ct *const *)b)->ct->id);
}

static int id_key_cmp(const void *key, const void *e)
{
	return strcmp(key, (*(const struct plan_ct *const *)e)->ct->id);
}

const struct plan_ct *node_plan_ct(const struct node_plan *p, const char *id)
{
	const struct plan_ct *const *c = p->n ? bsearch(id, p->by_id, p->n, sizeof(*p->by_id), id_key_cmp)
					      : NULL;

	return c ? *c : NULL;
}

/* The devices, each once, in the containers' order; the containers by id. */
static int index_plan(struct node_plan *p)
{
	unsigned char *first = malloc(p->n + 1);

	p->by_id = malloc((p->n + 1) * sizeof(*p->by_id));
	if (!first || !p->by_id || node_first_each(p->cts, p->n, sizeof(*p->cts), dev_cmp, first) < 0) {
		free(first);
		return -1;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (first[i])
			snprintf(p->devs[p->ndevs++], IF_NAMESIZE, "%s", p->cts[i].dev);
		p->by_id[i] = &p->cts[i];
	}
	free(first);
	if (p->n)
		qsort(p->by_id, p->n, sizeof(*p->by_id), by_id_cmp);
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
		pc->l2 = (uint8_t)link_header_len(pc->dev, &pc->absent);
	}
	if (index_plan(p) < 0)
		goto nomem;
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
	free(p->by_id);
	free(p);
}

const char *node_plan_notice(const struct node_plan *p, const char *name, char *buf, size_t len)
{
	const struct plan_ct *first = NULL;
	size_t more = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (!p->cts[i].absent)
			continue;
		if (first)
			more++;
		else
			first = &p->cts[i];
	}
	if (!first)
		return NULL;
	snprintf(buf, len, "warning: %s:%u: interface %s of container %s does not exist now "
		 "(stopped?); its traffic is counted from when it appears", name, first->ct->line,
		 first->dev, first->ct->id);
	if (more)
		snprintf(buf + strlen(buf), len - strlen(buf), " (%zu more containers like it)", more);
	return buf;
}

static void describe_ranges(struct strbuf *b, const char *name, int family,
			    const struct classes_range *r, size_t n)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	strbuf_printf(b, "map %s (peer address -> class, %zu disjoint ranges):\n", name, n);
	for (size_t i = 0; i < n; i++) {
		classes_addr_str(family, r[i].first, x, sizeof(x));
		classes_addr_str(family, r[i].last, y, sizeof(y));
		if (r[i].cls)
			strbuf_printf(b, "  %s-%s -> class %u\n", x, y, r[i].cls);
		else
			strbuf_printf(b, "  %s-%s -> not accounted (class 0)\n", x, y);
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
	struct strbuf b;
	char a[INET6_ADDRSTRLEN];

	strbuf_init(&b, DESCRIBE_MAX);
	strbuf_printf(&b, "table netdev %s\n", NODE_NFT_TABLE);
	strbuf_printf(&b, "hooks: ingress (from containers: out) priority %d, egress (to containers: in) priority %d, devices:",
		  PRIO_FROM_CT, PRIO_TO_CT);
	for (size_t i = 0; i < p->ndevs; i++)
		strbuf_printf(&b, " %s", p->devs[i]);
	strbuf_printf(&b, "%s\n", p->ndevs ? "" : " none (no chains)");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_ct *c = &p->cts[i];

		strbuf_printf(&b, "container %s: ", c->ct->id);
		if (c->ct->kind == CONTAINERS_VETH) {
			strbuf_printf(&b, "bridged, port %s", c->dev);
		} else {
			strbuf_printf(&b, "routed via %s, addresses", c->dev);
			for (size_t j = 0; j < c->ct->n_addrs; j++)
				strbuf_printf(&b, "%s%s", j ? "," : " ",
					  classes_addr_str(c->ct->addrs[j].family, c->ct->addrs[j].addr, a, sizeof(a)));
		}
		strbuf_printf(&b, " (link header %u bytes)\n", c->l2);
	}
	describe_ranges(&b, "class4_in/class4_out", AF_INET, p->flat.v4, p->flat.n4);
	describe_ranges(&b, "class6_in/class6_out", AF_INET6, p->flat.v6, p->flat.n6);
	strbuf_printf(&b, "counters: %zu containers x (%u IPv4 + %u IPv6 classes) x 2 directions = %zu\n",
		  p->n, popcount16(p->used[F4]), popcount16(p->used[F6]),
		  p->n * 2 * (popcount16(p->used[F4]) + popcount16(p->used[F6])));
	return strbuf_take(&b);
}

