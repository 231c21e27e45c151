/* nft_backend.c - per-service accounting in one nftables table of our own,
 * spoken to over netlink (libnftnl + libmnl), never through nft(8).
 *
 * Layout (see docs/DESIGN.md "Service rules in nftables"):
 *   table inet ctverify
 *     counter in_<bucket>, out_<bucket>   named, created once, kept
 *     chain in   filter hook prerouting  priority -150  (after conntrack)
 *     chain out  filter hook postrouting priority 300   (late)
 *     chain mark filter hook output      priority -150  (only with owner services)
 *     sets  m<step>_in / m<step>_out: interval maps key -> counter
 *           s<svc>_lport / _rport / _peer4 / _peer6: interval sets
 * An install is one netlink batch: our chains and sets are deleted and
 * rebuilt, counters are only added when missing (so they keep counting),
 * and nothing outside our table is named in it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "backend.h"
#include "nlack.h"
#include "svcplan.h"

#define NFTB_TABLE "ctverify"
#define NFTB_FAMILY NFPROTO_INET
#define NFTB_PRIO_IN (-150)
#define NFTB_PRIO_OUT 300
#define NFTB_PRIO_MARK (-150)
#define NFTB_CGROUP_ROOT "/sys/fs/cgroup"
#define NL_DUMP_SIZE 32768 /* what the kernel puts in one read of a dump */

/* nftables' own data type ids, so that nft(8) can print our sets. */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define NFT_TYPE_INET_PROTO 12
#define NFTB_HASH_KEYS 16384 /* ports a group may expand to in a hash map */
#define NFT_TYPE_INET_SERVICE 13

enum dir { DIR_IN, DIR_OUT };
static const char *const dir_name[] = { "in", "out" };

/* ---- netlink ------------------------------------------------------------ */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
};

static int nl_open(struct nl *nl, struct ctv_err *err)
{
	int one = 1;

	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock) {
		ctv_err_sys(err, errno, "netlink socket (NETLINK_NETFILTER)");
		return -1;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		ctv_err_sys(err, e, "netlink bind");
		errno = e;
		return -1;
	}
	/* Acks without a copy of each request keep the receive buffer small. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
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

/* Runs one dump request; cb sees each message. A missing table (ENOENT)
 * is an empty dump. */
/* Reads and drops the rest of a dump the kernel marked as interrupted
 * (NLM_F_DUMP_INTR: the table changed while it was being listed), so the
 * socket is clean for the caller's retry. */
static void nl_drain(struct nl *nl, char *buf, size_t len, const char *first, size_t first_len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)first;
	int n = (int)first_len;
	ssize_t r;

	for (;;) {
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n))
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
				return;
		r = mnl_socket_recvfrom(nl->sock, buf, len);
		if (r <= 0)
			return;
		nlh = (const struct nlmsghdr *)buf;
		n = (int)r;
	}
}

/* Runs one dump request through cb. Returns 0, or -1 with err; errno is
 * EINTR when the dump was interrupted by a concurrent change (the callback
 * may have seen part of it: the caller starts over). */
static int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   const char *what, struct ctv_err *err)
{
	char buf[NL_DUMP_SIZE];
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ctv_err_sys(err, errno, "netlink: asking for %s", what);
		return -1;
	}
	while ((n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (rc < 0) {
			if (errno == ENOENT)
				return 0;
			if (errno == EINTR) {
				nl_drain(nl, buf, sizeof(buf), buf, (size_t)n);
				ctv_err_set(err, "netlink: reading %s: the table changed while it "
					    "was listed", what);
				errno = EINTR;
				return -1;
			}
			ctv_err_sys(err, errno, "netlink: reading %s", what);
			return -1;
		}
		if (rc == MNL_CB_STOP)
			return 0;
	}
	ctv_err_sys(err, errno, "netlink: reading %s", what);
	return -1;
}

/* A batch of changes, sent as one transaction: all or nothing. */
struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0;
	char **what; /* per message, for error messages */
	size_t n;
	size_t last; /* offset of the last message */
	int failed;
};

static int batch_reserve(struct batch *b, size_t more)
{
	if (b->len + more <= b->cap)
		return 0;
	while (b->len + more > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1 << 20;
	b->buf = realloc(b->buf, b->cap);
	if (!b->buf)
		return -1;
	return 0;
}

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->what[i]);
	free(b->what);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* Starts a message with room for payload bytes; NULL without memory. */
static struct nlmsghdr *batch_msg(struct batch *b, struct nl *nl, uint16_t type,
				  uint16_t flags, size_t payload, const char *what)
{
	struct nlmsghdr *nlh;
	char **w;

	if (b->failed || batch_reserve(b, payload + 4096) < 0)
		goto fail;
	w = realloc(b->what, (b->n + 1) * sizeof(*w));
	if (!w)
		goto fail;
	b->what = w;
	b->what[b->n] = strdup(what);
	if (!b->what[b->n])
		goto fail;
	if (b->n == 0)
		b->seq0 = nl->seq;
	b->n++;
	b->last = b->len;
	nlh = nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFTB_FAMILY, flags, nl->seq++);
	return nlh;
fail:
	b->failed = 1;
	return NULL;
}

static void batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Sends the batch (begin, messages, end) and waits for every ack. */
static int batch_send(struct batch *b, struct nl *nl, struct ctv_err *err)
{
	char begin[NLMSG_HDRLEN + 64], end[NLMSG_HDRLEN + 64], rbuf[NL_DUMP_SIZE];
	struct nlmsghdr *bh, *eh;
	/* The last message is the only one asking for an ack: that ack, or
	 * an error about the batch itself, is the end of the answer. */
	struct nlack st = { 0 };
	struct iovec iov[3];
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl), .msg_iov = iov, .msg_iovlen = 3 };
	struct timeval tv = { .tv_sec = 10 };
	int fd = mnl_socket_get_fd(nl->sock);
	int size;

	if (b->failed) {
		ctv_err_set(err, "out of memory building the netlink batch");
		errno = ENOMEM;
		return -1;
	}
	if (b->n == 0)
		return 0;
	((struct nlmsghdr *)(b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
	st.last_seq = b->seq0 + (uint32_t)(b->n - 1);
	st.begin_seq = nl->seq;
	bh = nftnl_batch_begin(begin, nl->seq++);
	eh = nftnl_batch_end(end, nl->seq++);
	iov[0].iov_base = bh;
	iov[0].iov_len = NLMSG_ALIGN(bh->nlmsg_len);
	iov[1].iov_base = b->buf;
	iov[1].iov_len = b->len;
	iov[2].iov_base = eh;
	iov[2].iov_len = NLMSG_ALIGN(eh->nlmsg_len);
	size = (int)(b->len + 4096 > INT_MAX / 2 ? INT_MAX / 2 : b->len + 4096);
	/* One transaction needs the whole batch in one message. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size = 4 << 20; /* room for the errors of a refused batch */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (sendmsg(fd, &msg, 0) < 0) {
		ctv_err_sys(err, errno, "netlink: sending %zu changes (%zu bytes)", b->n, b->len);
		return -1;
	}
	while (!st.done) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Only failures are answered besides the last
				 * message, so a flood of answers means the
				 * batch was refused (typically: another install
				 * changed our table meanwhile). */
				ctv_err_set(err, "nftables refused the change with more errors than fit in the socket buffer (nothing was changed; our table changed meanwhile?)");
				errno = EBUSY;
				return -1;
			}
			if (st.error)
				break;
			ctv_err_sys(err, errno, "netlink: waiting for the kernel's answer");
			return -1;
		}
		nlack_scan(&st, rbuf, (size_t)n);
	}
	if (st.error) {
		size_t i = st.error_seq - b->seq0;

		ctv_err_sys(err, st.error, "nftables refused %s (nothing was changed)",
			    i < b->n ? b->what[i] : "the change");
		errno = st.error;
		return -1;
	}
	return 0;
}

/* ---- what is there now ---------------------------------------------------- */

struct names {
	char **v;
	size_t n;
};

static int names_add(struct names *s, const char *name)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	s->v = v;
	s->v[s->n] = strdup(name);
	if (!s->v[s->n])
		return -1;
	s->n++;
	return 0;
}

static int names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 1;
	return 0;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

struct present {
	int table;
	struct names chains, sets, counters;
};

static void present_free(struct present *p)
{
	names_free(&p->chains);
	names_free(&p->sets);
	names_free(&p->counters);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct present *p = data;

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    !strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), NFTB_TABLE))
		p->table = 1;
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int chain_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct present *p = data;
	int rc = MNL_CB_OK;

	if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NFTB_TABLE))
		if (names_add(&p->chains, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) < 0)
			rc = MNL_CB_ERROR;
	nftnl_chain_free(c);
	return rc;
}

static int set_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct present *p = data;
	int rc = MNL_CB_OK;

	if (s && nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), NFTB_TABLE))
		if (names_add(&p->sets, nftnl_set_get_str(s, NFTNL_SET_NAME)) < 0)
			rc = MNL_CB_ERROR;
	nftnl_set_free(s);
	return rc;
}

static int obj_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct present *p = data;
	int rc = MNL_CB_OK;

	if (o && nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    !strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), NFTB_TABLE) &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER)
		if (names_add(&p->counters, nftnl_obj_get_str(o, NFTNL_OBJ_NAME)) < 0)
			rc = MNL_CB_ERROR;
	nftnl_obj_free(o);
	return rc;
}

/* Dump requests filtered to our table where the kernel can filter. */
static struct nlmsghdr *dump_req(char *buf, struct nl *nl, uint16_t type, uint16_t family)
{
	return nftnl_nlmsg_build_hdr(buf, type, family, NLM_F_DUMP, nl->seq++);
}

static int present_read(struct nl *nl, struct present *p, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(p, 0, sizeof(*p));
	nlh = dump_req(buf, nl, NFT_MSG_GETTABLE, NFTB_FAMILY);
	if (nl_dump(nl, nlh, table_cb, p, "the tables", err) < 0)
		return -1;
	if (!p->table)
		return 0;
	nlh = dump_req(buf, nl, NFT_MSG_GETCHAIN, NFTB_FAMILY);
	if (nl_dump(nl, nlh, chain_name_cb, p, "our chains", err) < 0)
		return -1;
	{
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return -1;
		nlh = dump_req(buf, nl, NFT_MSG_GETSET, NFTB_FAMILY);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	}
	if (nl_dump(nl, nlh, set_name_cb, p, "our sets", err) < 0)
		return -1;
	{
		struct nftnl_obj *o = nftnl_obj_alloc();

		if (!o)
			return -1;
		nlh = dump_req(buf, nl, NFT_MSG_GETOBJ, NFTB_FAMILY);
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NFTB_TABLE);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nftnl_obj_free(o);
	}
	return nl_dump(nl, nlh, obj_name_cb, p, "our counters", err);
}

/* ---- the model: what the spec becomes ------------------------------------ */

struct model_chain {
	const char *name;
	uint32_t hook;
	int prio;
	struct nftnl_rule **rules;
	size_t n;
};

struct model {
	struct model_chain chains[3]; /* in, out, mark */
	size_t n_chains;
	struct nftnl_set **sets;
	size_t n_sets;
	struct names counters;
	uint32_t set_id;
	int with_ids; /* batch-local ids (install) or not (compare with a dump) */
	int failed;
};

static void model_free(struct model *m)
{
	for (size_t c = 0; c < m->n_chains; c++) {
		for (size_t i = 0; i < m->chains[c].n; i++)
			nftnl_rule_free(m->chains[c].rules[i]);
		free(m->chains[c].rules);
	}
	for (size_t i = 0; i < m->n_sets; i++)
		nftnl_set_free(m->sets[i]);
	free(m->sets);
	names_free(&m->counters);
	memset(m, 0, sizeof(*m));
}

static void add_expr(struct nftnl_rule *r, struct nftnl_expr *e, struct model *m)
{
	if (!e) {
		m->failed = 1;
		return;
	}
	nftnl_rule_add_expr(r, e);
}

static void e_meta_to(struct model *m, struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
	}
	add_expr(r, e, m);
}

static void e_meta(struct model *m, struct nftnl_rule *r, uint32_t key)
{
	e_meta_to(m, r, key, NFT_REG_1);
}

static void e_cmp(struct model *m, struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add_expr(r, e, m);
}

static void e_cmp_u8(struct model *m, struct nftnl_rule *r, uint8_t v)
{
	e_cmp(m, r, &v, 1);
}

static void e_cmp_u32(struct model *m, struct nftnl_rule *r, uint32_t v)
{
	e_cmp(m, r, &v, 4); /* host order: meta and ct values are */
}

static void e_payload_to(struct model *m, struct nftnl_rule *r, uint32_t base, uint32_t off,
			 uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	add_expr(r, e, m);
}

static void e_payload(struct model *m, struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	e_payload_to(m, r, base, off, len, NFT_REG_1);
}

static void e_lookup(struct model *m, struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0); /* as dumps show it */
		if (m->with_ids)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	}
	add_expr(r, e, m);
}

static void e_counter(struct model *m, struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	}
	add_expr(r, e, m);
}

static void e_counter_map(struct model *m, struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		/* NFT_REG_1 and NFT_REG32_00 are the same bytes. */
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
		if (m->with_ids)
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_ID, id);
	}
	add_expr(r, e, m);
}

static void e_accept(struct model *m, struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	}
	add_expr(r, e, m);
}

static void e_ct_mark_load(struct model *m, struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	add_expr(r, e, m);
}

/* reg1 = (reg1 & mask) ^ xor */
static void e_bitwise(struct model *m, struct nftnl_rule *r, uint32_t mask, uint32_t xor)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, 4);
	}
	add_expr(r, e, m);
}

/* ct mark & MASK == value */
static void e_mark_is(struct model *m, struct nftnl_rule *r, uint32_t value)
{
	e_ct_mark_load(m, r);
	e_bitwise(m, r, SVCPLAN_MARK_MASK, 0);
	e_cmp_u32(m, r, value);
}

/* ct mark = (ct mark & ~MASK) | value: other bits of the mark stay. */
static void e_mark_set(struct model *m, struct nftnl_rule *r, uint32_t value)
{
	struct nftnl_expr *e;

	e_ct_mark_load(m, r);
	e_bitwise(m, r, ~SVCPLAN_MARK_MASK, value);
	e = nftnl_expr_alloc("ct");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
	}
	add_expr(r, e, m);
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

/* An interval set (or map to counters of direction d when counter_dir >=
 * 0) holding the intervals, encoded the way nft(8) encodes them: an end
 * element at 0, then per interval a start element and an end element at
 * hi+1 (also where the next interval starts there). */
static struct nftnl_set *new_set(struct model *m, const char *name, size_t width,
				 const struct svcplan_iv *iv, size_t n,
				 const struct svcspec *spec, int counter_dir)
{
	struct nftnl_set *s = nftnl_set_alloc(), **v;
	uint32_t type = width == 2 ? NFT_TYPE_INET_SERVICE : width == 4 ? NFT_TYPE_IPADDR :
		NFT_TYPE_IP6ADDR;
	uint32_t flags = NFT_SET_INTERVAL;

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

			snprintf(cname, sizeof(cname), "%s_%s", dir_name[counter_dir],
				 spec->svcs[iv[i].svc].name);
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
	uint32_t lport, rport, peer[2]; /* set ids; 0 = none */
	char names[4][48];
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

static int add_svc_step(struct model *m, const struct svcspec *spec, size_t idx,
			unsigned owner, struct ctv_err *err)
{
	const struct svc *s = &spec->svcs[idx];
	struct svcsets ss;
	int fams[2], nfam = 0, has4 = 0, has6 = 0;
	uint64_t cgid = 0;
	uint32_t cglevel = 0;

	memset(&ss, 0, sizeof(ss));
	snprintf(ss.names[0], sizeof(ss.names[0]), "s%zu_lport", idx);
	snprintf(ss.names[1], sizeof(ss.names[1]), "s%zu_rport", idx);
	snprintf(ss.names[2], sizeof(ss.names[2]), "s%zu_peer4", idx);
	snprintf(ss.names[3], sizeof(ss.names[3]), "s%zu_peer6", idx);
	if (s->cgroup && cgroup_id(s->cgroup, &cgid, &cglevel, err) < 0) {
		ctv_err_prefix(err, "%s:%u: service '%s'", s->file ? s->file : "?", s->line, s->name);
		return -1;
	}
	/* Lists become sets (one per list, shared by both directions). */
	for (int k = 0; k < 4; k++) {
		struct svcplan_iv *iv;
		size_t n = 0, cnt = k == 0 ? s->n_lports : k == 1 ? s->n_rports : s->n_peers;
		size_t width = k < 2 ? 2 : k == 2 ? 4 : 16;
		long got;
		struct svcplan_iv *flat;
		struct nftnl_set *set;

		if (!cnt)
			continue;
		iv = calloc(cnt, sizeof(*iv));
		if (!iv) {
			m->failed = 1;
			return 0;
		}
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
		if (n == 0) {
			free(iv);
			continue;
		}
		got = svcplan_flatten(iv, n, width, &flat);
		free(iv);
		if (got < 0) {
			m->failed = 1;
			return 0;
		}
		set = new_set(m, ss.names[k], width, flat, (size_t)got, spec, -1);
		free(flat);
		if (!set)
			return 0;
		if (k == 0)
			ss.lport = m->set_id;
		else if (k == 1)
			ss.rport = m->set_id;
		else
			ss.peer[k - 2] = m->set_id;
		if (k == 2)
			has4 = 1;
		if (k == 3)
			has6 = 1;
	}
	/* Variants: families (peers, or ICMP's two protocols) x protocols. */
	if (s->n_peers) {
		if (has4)
			fams[nfam++] = 4;
		if (has6)
			fams[nfam++] = 6;
	} else if (s->proto == SVC_PROTO_ICMP) {
		fams[nfam++] = 4;
		fams[nfam++] = 6;
	} else {
		fams[nfam++] = 0;
	}
	for (int f = 0; f < nfam; f++) {
		uint8_t protos[2];
		int np = 0;

		if (s->proto == SVC_PROTO_ICMP)
			protos[np++] = fams[f] == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		else if (s->proto != SVC_PROTO_ANY)
			protos[np++] = ipproto(s->proto);
		else if (s->n_lports || s->n_rports) {
			protos[np++] = IPPROTO_TCP;
			protos[np++] = IPPROTO_UDP;
		} else
			protos[np++] = 0;
		for (int p = 0; p < np; p++) {
			for (int d = DIR_IN; d <= DIR_OUT; d++) {
				struct nftnl_rule *r = new_rule(m, &m->chains[d]);
				char cname[SVC_NAME_MAX + 8];

				if (!r)
					return 0;
				snprintf(cname, sizeof(cname), "%s_%s", dir_name[d], s->name);
				e_svc_match(m, r, s, &ss, (enum dir)d, fams[f], protos[p]);
				if (owner)
					e_mark_is(m, r, owner << SVCPLAN_MARK_SHIFT);
				e_counter(m, r, cname);
				e_accept(m, r);
			}
			if (owner) {
				/* Tag the connection when its socket is the owner's. */
				struct nftnl_rule *r = new_rule(m, &m->chains[2]);

				if (!r)
					return 0;
				e_mark_is(m, r, 0);
				e_svc_match(m, r, s, &ss, DIR_OUT, fams[f], protos[p]);
				if (s->match_uid) {
					e_meta(m, r, NFT_META_SKUID);
					e_cmp_u32(m, r, s->uid);
				}
				if (s->match_gid) {
					e_meta(m, r, NFT_META_SKGID);
					e_cmp_u32(m, r, s->gid);
				}
				if (s->cgroup) {
					struct nftnl_expr *e = nftnl_expr_alloc("socket");

					if (e) {
						nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
						nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
						nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, cglevel);
					}
					add_expr(r, e, m);
					e_cmp(m, r, &cgid, 8);
				}
				e_mark_set(m, r, owner << SVCPLAN_MARK_SHIFT);
			}
		}
	}
	return 0;
}

static void add_map_step(struct model *m, const struct svcspec *spec, size_t step,
			 const struct svcplan_map *map)
{
	for (int d = DIR_IN; d <= DIR_OUT; d++) {
		char name[32];
		struct nftnl_rule *r;

		snprintf(name, sizeof(name), "m%zu_%s", step, dir_name[d]);
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
		struct nftnl_set *s = nftnl_set_alloc(), **v;
		struct nftnl_rule *r;
		char name[32];

		if (!s)
			goto fail;
		v = realloc(m->sets, (m->n_sets + 1) * sizeof(*v));
		if (!v) {
			nftnl_set_free(s);
			goto fail;
		}
		m->sets = v;
		m->sets[m->n_sets++] = s;
		snprintf(name, sizeof(name), "m%zu_%s", step, dir_name[d]);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFTB_FAMILY);
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

				snprintf(cname, sizeof(cname), "%s_%s", dir_name[d],
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
		e_payload_to(m, r, NFT_PAYLOAD_TRANSPORT_HEADER,
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
	snprintf(cname, sizeof(cname), "%s_%s", dir_name[d], bucket);
	if (loopback) {
		/* The loopback device is ifindex 1 in every network namespace. */
		e_meta(m, r, d == DIR_IN ? NFT_META_IIF : NFT_META_OIF);
		e_cmp_u32(m, r, 1);
	}
	e_counter(m, r, cname);
	if (loopback)
		e_accept(m, r);
}

/* Builds everything the spec needs. Returns 0, or -1 with err. */
static int model_build(const struct svcspec *spec, int with_ids, struct model *m,
		       struct ctv_err *err)
{
	struct svcplan plan;

	memset(m, 0, sizeof(*m));
	m->with_ids = with_ids;
	if (svcplan_build(spec, &plan, err) < 0)
		return -1;
	m->chains[0] = (struct model_chain){ .name = "in", .hook = NF_INET_PRE_ROUTING, .prio = NFTB_PRIO_IN };
	m->chains[1] = (struct model_chain){ .name = "out", .hook = NF_INET_POST_ROUTING, .prio = NFTB_PRIO_OUT };
	m->chains[2] = (struct model_chain){ .name = "mark", .hook = NF_INET_LOCAL_OUT, .prio = NFTB_PRIO_MARK };
	m->n_chains = plan.n_owners ? 3 : 2;
	for (int d = DIR_IN; d <= DIR_OUT; d++) {
		char cname[SVC_NAME_MAX + 8];

		snprintf(cname, sizeof(cname), "%s_local", dir_name[d]);
		if (names_add(&m->counters, cname) < 0)
			m->failed = 1;
		for (size_t i = 0; i < spec->n; i++) {
			snprintf(cname, sizeof(cname), "%s_%s", dir_name[d], spec->svcs[i].name);
			if (names_add(&m->counters, cname) < 0)
				m->failed = 1;
		}
		snprintf(cname, sizeof(cname), "%s_other", dir_name[d]);
		if (names_add(&m->counters, cname) < 0)
			m->failed = 1;
		add_bucket_rule(m, d, "local", 1);
	}
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
			model_free(m);
			return -1;
		}
	}
	for (int d = DIR_IN; d <= DIR_OUT; d++)
		add_bucket_rule(m, d, "other", 0);
	svcplan_free(&plan);
	if (m->failed) {
		model_free(m);
		ctv_err_set(err, "out of memory building the nftables rules");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* ---- install / remove ----------------------------------------------------- */

static void put_table(struct batch *b, struct nl *nl, uint16_t type, uint16_t flags,
		      const char *what)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		b->failed = 1;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFTB_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFTB_FAMILY);
	nlh = batch_msg(b, nl, type, flags, 256, what);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_done(b, nlh);
	}
	nftnl_table_free(t);
}

static void put_named(struct batch *b, struct nl *nl, uint16_t type, int kind,
		      const char *name, const char *what)
{
	struct nlmsghdr *nlh = batch_msg(b, nl, type, type == NFT_MSG_NEWOBJ ? NLM_F_CREATE : 0,
					 512, what);

	if (!nlh)
		return;
	if (kind == 'c') {
		struct nftnl_chain *c = nftnl_chain_alloc();

		if (!c) {
			b->failed = 1;
			return;
		}
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFTB_TABLE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
	} else if (kind == 's') {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s) {
			b->failed = 1;
			return;
		}
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	} else {
		struct nftnl_obj *o = nftnl_obj_alloc();

		if (!o) {
			b->failed = 1;
			return;
		}
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NFTB_TABLE);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nftnl_obj_free(o);
	}
	batch_done(b, nlh);
}

static void put_model(struct batch *b, struct nl *nl, struct model *m)
{
	char what[128];

	for (size_t c = 0; c < m->n_chains; c++) {
		struct nftnl_chain *ch = nftnl_chain_alloc();
		struct nlmsghdr *nlh;

		if (!ch) {
			b->failed = 1;
			return;
		}
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NFTB_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, m->chains[c].name);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFTB_FAMILY);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, m->chains[c].hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, m->chains[c].prio);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		snprintf(what, sizeof(what), "adding chain %s", m->chains[c].name);
		nlh = batch_msg(b, nl, NFT_MSG_NEWCHAIN, NLM_F_CREATE, 512, what);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, ch);
			batch_done(b, nlh);
		}
		nftnl_chain_free(ch);
	}
	for (size_t i = 0; i < m->n_sets; i++) {
		struct nftnl_set *s = m->sets[i];
		const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		struct nlmsghdr *nlh;
		size_t nel = 0;
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);


		while (it && nftnl_set_elems_iter_next(it))
			nel++;
		nftnl_set_elems_iter_destroy(it);
		snprintf(what, sizeof(what), "adding set %s", name);
		nlh = batch_msg(b, nl, NFT_MSG_NEWSET, NLM_F_CREATE, 1024, what);
		if (nlh) {
			nftnl_set_nlmsg_build_payload(nlh, s);
			batch_done(b, nlh);
		}
		if (!nel)
			continue;
		/* A netlink attribute holds at most 64 KiB: big sets take
		 * several messages (all in the one batch). */
		it = nftnl_set_elems_iter_create(s);
		if (!it) {
			b->failed = 1;
			return;
		}
		for (int more = 1, part = 1; more == 1; part++) {
			snprintf(what, sizeof(what), "adding elements to set %s (part %d of %zu elements)",
				 name, part, nel);
			nlh = batch_msg(b, nl, NFT_MSG_NEWSETELEM, NLM_F_CREATE, 70000, what);
			if (!nlh)
				break;
			more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
			batch_done(b, nlh);
		}
		nftnl_set_elems_iter_destroy(it);
	}
	for (size_t c = 0; c < m->n_chains; c++) {
		for (size_t i = 0; i < m->chains[c].n; i++) {
			struct nlmsghdr *nlh;

			snprintf(what, sizeof(what), "adding rule %zu of chain %s", i + 1,
				 m->chains[c].name);
			nlh = batch_msg(b, nl, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, 4096, what);
			if (nlh) {
				nftnl_rule_nlmsg_build_payload(nlh, m->chains[c].rules[i]);
				batch_done(b, nlh);
			}
		}
	}
}

/* Deletes our chains and sets (in that order: rules hold set references,
 * set elements hold counter references), and counters not in keep. */
static void put_teardown(struct batch *b, struct nl *nl, const struct present *p,
			 const struct names *keep)
{
	char what[128];

	/* Flush every chain before deleting any: a jump between two chains
	 * of our table would otherwise keep one busy. */
	for (size_t i = 0; i < p->chains.n; i++) {
		struct nftnl_rule *r = nftnl_rule_alloc();
		struct nlmsghdr *nlh;

		snprintf(what, sizeof(what), "flushing our chain %s", p->chains.v[i]);
		nlh = r ? batch_msg(b, nl, NFT_MSG_DELRULE, 0, 512, what) : NULL;
		if (!nlh) {
			nftnl_rule_free(r);
			b->failed = 1;
			return;
		}
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, p->chains.v[i]);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_done(b, nlh);
	}
	for (size_t i = 0; i < p->chains.n; i++) {
		snprintf(what, sizeof(what), "deleting our chain %s", p->chains.v[i]);
		put_named(b, nl, NFT_MSG_DELCHAIN, 'c', p->chains.v[i], what);
	}
	for (size_t i = 0; i < p->sets.n; i++) {
		snprintf(what, sizeof(what), "deleting our set %s", p->sets.v[i]);
		put_named(b, nl, NFT_MSG_DELSET, 's', p->sets.v[i], what);
	}
	for (size_t i = 0; i < p->counters.n; i++) {
		if (keep && names_has(keep, p->counters.v[i]))
			continue;
		snprintf(what, sizeof(what), "deleting our counter %s", p->counters.v[i]);
		put_named(b, nl, NFT_MSG_DELOBJ, 'o', p->counters.v[i], what);
	}
}

static int nft_install(const struct svcspec *spec, struct ctv_err *err)
{
	struct nl nl = { 0 };
	struct present p;
	struct model m;
	struct batch b = { 0 };
	int rc = -1;

	if (model_build(spec, 1, &m, err) < 0)
		return -1;
	if (nl_open(&nl, err) < 0) {
		model_free(&m);
		return -1;
	}
	/* The batch is built from what the dump showed; if someone changed
	 * our table in between (another install), the kernel refuses the
	 * whole batch and we look again. */
	for (int attempt = 0; attempt < 3; attempt++) {
		if (present_read(&nl, &p, err) < 0) {
			present_free(&p);
			if (errno == EINTR)
				continue; /* listed while another install changed it */
			break;
		}
		put_table(&b, &nl, NFT_MSG_NEWTABLE, NLM_F_CREATE, "adding table inet " NFTB_TABLE);
		put_teardown(&b, &nl, &p, &m.counters);
		for (size_t i = 0; i < m.counters.n; i++) {
			char what[128];

			if (names_has(&p.counters, m.counters.v[i]))
				continue; /* kept: it goes on counting */
			snprintf(what, sizeof(what), "adding counter %s", m.counters.v[i]);
			put_named(&b, &nl, NFT_MSG_NEWOBJ, 'o', m.counters.v[i], what);
		}
		put_model(&b, &nl, &m);
		rc = batch_send(&b, &nl, err);
		present_free(&p);
		batch_free(&b);
		if (rc == 0 || (errno != EEXIST && errno != ENOENT && errno != EBUSY))
			break;
	}
	model_free(&m);
	nl_close(&nl);
	return rc;
}

static int nft_remove(struct ctv_err *err)
{
	struct nl nl = { 0 };
	struct present p;
	struct batch b = { 0 };
	int rc = -1;

	if (nl_open(&nl, err) < 0)
		return -1;
	if (present_read(&nl, &p, err) < 0)
		goto out;
	rc = 0;
	if (!p.table)
		goto out;
	/* Only what we made: a table someone else added things to stays. */
	put_teardown(&b, &nl, &p, NULL);
	put_table(&b, &nl, NFT_MSG_DELTABLE, 0, "deleting table inet " NFTB_TABLE);
	rc = batch_send(&b, &nl, err);
out:
	present_free(&p);
	batch_free(&b);
	nl_close(&nl);
	return rc;
}

/* ---- read ----------------------------------------------------------------- */

/* Snapshots are taken every minute and must stay cheap with thousands of
 * counters, so the dump is parsed straight from the netlink attributes
 * (no libnftnl object per counter) and in_X/out_X are paired through a
 * small hash table, in one pass. Buckets come out in the order they were
 * first seen, which is creation order. */
struct readstate {
	struct ctv_counter *c;
	size_t n, cap;
	uint32_t *slot; /* hash table of indexes + 1; 0 = empty */
	size_t nslots;
	int failed;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static int rs_grow(struct readstate *rs)
{
	size_t cap = rs->cap ? rs->cap * 2 : 512, nslots = cap * 2;
	struct ctv_counter *c = realloc(rs->c, cap * sizeof(*c));
	uint32_t *slot;

	if (!c)
		return -1;
	rs->c = c;
	slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < rs->n; i++) {
		size_t h = name_hash(rs->c[i].name) & (nslots - 1);

		while (slot[h])
			h = (h + 1) & (nslots - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(rs->slot);
	rs->slot = slot;
	rs->nslots = nslots;
	rs->cap = cap;
	return 0;
}

/* The bucket's entry, added when new; NULL without memory. */
static struct ctv_counter *rs_bucket(struct readstate *rs, const char *bucket, size_t len)
{
	size_t h;

	if (rs->n == rs->cap && rs_grow(rs) < 0)
		return NULL;
	h = name_hash(bucket) & (rs->nslots - 1);
	while (rs->slot[h]) {
		struct ctv_counter *c = &rs->c[rs->slot[h] - 1];

		if (!strcmp(c->name, bucket))
			return c;
		h = (h + 1) & (rs->nslots - 1);
	}
	rs->slot[h] = (uint32_t)rs->n + 1;
	memset(&rs->c[rs->n], 0, sizeof(rs->c[rs->n]));
	memcpy(rs->c[rs->n].name, bucket, len + 1);
	return &rs->c[rs->n++];
}

static int read_cb(const struct nlmsghdr *nlh, void *data)
{
	struct readstate *rs = data;
	const struct nlattr *a, *table = NULL, *name = NULL, *type = NULL, *odata = NULL;
	const struct nlattr *bytes = NULL, *packets = NULL;
	struct ctv_counter *c;
	const char *n, *bucket;
	size_t len;
	int in;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_OBJ_TABLE: table = a; break;
		case NFTA_OBJ_NAME: name = a; break;
		case NFTA_OBJ_TYPE: type = a; break;
		case NFTA_OBJ_DATA: odata = a; break;
		}
	}
	if (!table || !name || !type || !odata ||
	    mnl_attr_validate(table, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_validate(type, MNL_TYPE_U32) < 0 ||
	    strcmp(mnl_attr_get_str(table), NFTB_TABLE) ||
	    ntohl(mnl_attr_get_u32(type)) != NFT_OBJECT_COUNTER)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, odata) {
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			continue;
		if (mnl_attr_get_type(a) == NFTA_COUNTER_BYTES)
			bytes = a;
		else if (mnl_attr_get_type(a) == NFTA_COUNTER_PACKETS)
			packets = a;
	}
	n = mnl_attr_get_str(name);
	if (!strncmp(n, "in_", 3)) {
		in = 1;
		bucket = n + 3;
	} else if (!strncmp(n, "out_", 4)) {
		in = 0;
		bucket = n + 4;
	} else {
		return MNL_CB_OK;
	}
	len = strlen(bucket);
	if (len > SVC_NAME_MAX || !bytes || !packets)
		return MNL_CB_OK;
	c = rs_bucket(rs, bucket, len);
	if (!c) {
		rs->failed = 1;
		return MNL_CB_ERROR;
	}
	if (in) {
		c->in_bytes = be64toh(mnl_attr_get_u64(bytes));
		c->in_packets = be64toh(mnl_attr_get_u64(packets));
	} else {
		c->out_bytes = be64toh(mnl_attr_get_u64(bytes));
		c->out_packets = be64toh(mnl_attr_get_u64(packets));
	}
	return MNL_CB_OK;
}

static int nft_read_once(struct ctv_counters *out, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct readstate rs = { 0 };
	struct nlmsghdr *nlh;
	struct nl nl = { 0 };
	size_t li = (size_t)-1, oi = (size_t)-1;
	int rc;

	out->c = NULL;
	out->n = 0;
	if (!o || nl_open(&nl, err) < 0) {
		nftnl_obj_free(o);
		return -1;
	}
	nlh = dump_req(buf, &nl, NFT_MSG_GETOBJ, NFTB_FAMILY);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NFTB_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	/* One dump: every counter of our table. */
	rc = nl_dump(&nl, nlh, read_cb, &rs, "our counters", err);
	nl_close(&nl);
	free(rs.slot);
	if (rc < 0 || rs.failed) {
		if (rs.failed)
			ctv_err_sys(err, ENOMEM, "reading our counters");
		free(rs.c);
		return -1;
	}
	for (size_t i = 0; i < rs.n; i++) {
		if (!strcmp(rs.c[i].name, "local"))
			li = i;
		else if (!strcmp(rs.c[i].name, "other"))
			oi = i;
	}
	if (li == (size_t)-1 || oi == (size_t)-1) {
		free(rs.c);
		ctv_err_set(err, "ctverify's nftables counters are not installed (table inet %s)",
			    NFTB_TABLE);
		errno = ENOENT;
		return -1;
	}
	/* local first, other last, the rest keep their order. */
	{
		struct ctv_counter local = rs.c[li], other = rs.c[oi];
		size_t k = 0;

		for (size_t i = 0; i < rs.n; i++)
			if (i != li && i != oi)
				rs.c[k++] = rs.c[i];
		memmove(&rs.c[1], &rs.c[0], k * sizeof(*rs.c));
		rs.c[0] = local;
		rs.c[k + 1] = other;
	}
	out->c = rs.c;
	out->n = rs.n;
	return 0;
}

/* A dump interrupted by a concurrent install (EINTR) is read again. */
static int nft_read(struct ctv_counters *out, struct ctv_err *err)
{
	int rc = -1;

	for (int attempt = 0; attempt < 5; attempt++) {
		rc = nft_read_once(out, err);
		if (rc == 0 || errno != EINTR)
			break;
	}
	return rc;
}

/* ---- check ---------------------------------------------------------------- */

struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap);

		if (!s)
			return;
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* A rule as comparable text: its expressions, nothing else (no handle). */
static char *rule_text(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	struct text t = { 0 };
	char buf[1024];

	text_add(&t, "%s", "");
	while (it && (e = nftnl_expr_iter_next(it))) {
		nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
		text_add(&t, "[ %s %s] ", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), buf);
	}
	nftnl_expr_iter_destroy(it);
	return t.s;
}

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
			c->rules[c->n] = rule_text(r);
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

/* Elements of a set as sorted lines "key flags objref". */
struct elems {
	struct names v;
};

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems *el = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	it = nftnl_set_elems_iter_create(s);
	while (it && (e = nftnl_set_elems_iter_next(it))) {
		char line[256], *p = line;
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
		snprintf(p, sizeof(line) - (size_t)(p - line), " %s %s",
			 flags & NFT_SET_ELEM_INTERVAL_END ? "end" : "start",
			 nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF) ?
			 nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF) : "-");
		names_add(&el->v, line);
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void model_elems(struct nftnl_set *s, struct elems *el)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;

	while (it && (e = nftnl_set_elems_iter_next(it))) {
		char line[256], *p = line;
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
		snprintf(p, sizeof(line) - (size_t)(p - line), " %s %s",
			 flags & NFT_SET_ELEM_INTERVAL_END ? "end" : "start",
			 nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF) ?
			 nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF) : "-");
		names_add(&el->v, line);
	}
	nftnl_set_elems_iter_destroy(it);
}

static const char *hook_name(uint32_t hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING: return "prerouting";
	case NF_INET_LOCAL_IN: return "input";
	case NF_INET_FORWARD: return "forward";
	case NF_INET_LOCAL_OUT: return "output";
	case NF_INET_POST_ROUTING: return "postrouting";
	}
	return "?";
}

static int nft_check(const struct svcspec *spec, char **diff, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl = { 0 };
	struct present p;
	struct actual a = { 0 };
	struct model m;
	struct text t = { 0 };
	struct nlmsghdr *nlh;
	int rc = -1;

	*diff = NULL;
	if (model_build(spec, 0, &m, err) < 0)
		return -1;
	if (nl_open(&nl, err) < 0) {
		model_free(&m);
		return -1;
	}
	if (present_read(&nl, &p, err) < 0)
		goto out;
	if (!p.table) {
		text_add(&t, "table inet %s is gone (removed, or the whole ruleset was flushed): nothing is counted\n",
			 NFTB_TABLE);
		goto done;
	}
	nlh = dump_req(buf, &nl, NFT_MSG_GETCHAIN, NFTB_FAMILY);
	if (nl_dump(&nl, nlh, actual_chain_cb, &a, "our chains", err) < 0)
		goto out;
	{
		struct nftnl_rule *r = nftnl_rule_alloc();

		if (!r)
			goto out;
		nlh = dump_req(buf, &nl, NFT_MSG_GETRULE, NFTB_FAMILY);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	}
	if (nl_dump(&nl, nlh, actual_rule_cb, &a, "our rules", err) < 0)
		goto out;
	if (a.failed) {
		ctv_err_set(err, "out of memory reading our rules");
		goto out;
	}
	for (size_t c = 0; c < m.n_chains; c++) {
		const struct model_chain *mc = &m.chains[c];
		struct actual_chain *ac = NULL;
		size_t j = 0;

		for (size_t i = 0; i < a.n; i++)
			if (!strcmp(a.chains[i].name, mc->name))
				ac = &a.chains[i];
		if (!ac) {
			text_add(&t, "chain %s is gone (deleted): %s traffic is not counted\n", mc->name,
				 c == 0 ? "incoming" : c == 1 ? "outgoing" : "socket-owner");
			continue;
		}
		if (!ac->base || ac->hook != mc->hook || ac->prio != mc->prio)
			text_add(&t, "chain %s: hook or priority changed (want %s priority %d)\n",
				 mc->name, hook_name(mc->hook), mc->prio);
		if (ac->n == 0 && mc->n) {
			text_add(&t, "chain %s is empty (flushed): %zu rules missing\n", mc->name, mc->n);
			continue;
		}
		/* Walk both lists: a model rule not found next is missing. */
		for (size_t i = 0; i < mc->n; i++) {
			char *want = rule_text(mc->rules[i]);
			size_t k;

			if (!want)
				goto out;
			for (k = j; k < ac->n; k++)
				if (!strcmp(ac->rules[k], want))
					break;
			if (k == ac->n) {
				text_add(&t, "chain %s: rule %zu of %zu is missing (deleted or changed): %s\n",
					 mc->name, i + 1, mc->n, want);
			} else {
				for (; j < k; j++)
					text_add(&t, "chain %s: a rule that is not ours: %s\n", mc->name,
						 ac->rules[j]);
				j = k + 1;
			}
			free(want);
		}
		for (; j < ac->n; j++)
			text_add(&t, "chain %s: a rule that is not ours: %s\n", mc->name, ac->rules[j]);
	}
	for (size_t i = 0; i < a.n; i++) {
		int known = 0;

		for (size_t c = 0; c < m.n_chains; c++)
			if (!strcmp(a.chains[i].name, m.chains[c].name))
				known = 1;
		if (!known)
			text_add(&t, "chain %s is not part of the installed spec\n", a.chains[i].name);
	}
	for (size_t i = 0; i < m.counters.n; i++)
		if (!names_has(&p.counters, m.counters.v[i]))
			text_add(&t, "counter %s is gone\n", m.counters.v[i]);
	for (size_t i = 0; i < m.n_sets; i++) {
		const char *name = nftnl_set_get_str(m.sets[i], NFTNL_SET_NAME);
		struct elems want = { 0 }, have = { 0 };
		struct nftnl_set *q;

		if (!names_has(&p.sets, name)) {
			text_add(&t, "set %s is gone\n", name);
			continue;
		}
		q = nftnl_set_alloc();
		if (!q)
			goto out;
		nlh = dump_req(buf, &nl, NFT_MSG_GETSETELEM, NFTB_FAMILY);
		nftnl_set_set_str(q, NFTNL_SET_TABLE, NFTB_TABLE);
		nftnl_set_set_str(q, NFTNL_SET_NAME, name);
		nftnl_set_elems_nlmsg_build_payload(nlh, q);
		nftnl_set_free(q);
		if (nl_dump(&nl, nlh, elem_cb, &have, "set elements", err) < 0) {
			names_free(&have.v);
			goto out;
		}
		model_elems(m.sets[i], &want);
		qsort(want.v.v, want.v.n, sizeof(char *), str_cmp);
		qsort(have.v.v, have.v.n, sizeof(char *), str_cmp);
		if (want.v.n != have.v.n) {
			text_add(&t, "set %s has %zu elements, the spec needs %zu (elements deleted or added)\n",
				 name, have.v.n, want.v.n);
		} else {
			for (size_t k = 0; k < want.v.n; k++)
				if (strcmp(want.v.v[k], have.v.v[k])) {
					text_add(&t, "set %s: element %s is not %s\n", name,
						 have.v.v[k], want.v.v[k]);
					break;
				}
		}
		names_free(&want.v);
		names_free(&have.v);
	}
done:
	rc = t.len ? 1 : 0;
	*diff = t.s;
	t.s = NULL;
out:
	free(t.s);
	actual_free(&a);
	present_free(&p);
	model_free(&m);
	nl_close(&nl);
	return rc;
}

/* ---- in use, quick -------------------------------------------------------- */

struct tables {
	size_t n, ours;
};

static int any_table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tables *t = data;
	struct nftnl_table *tb = nftnl_table_alloc();

	if (tb && nftnl_table_nlmsg_parse(nlh, tb) == 0) {
		t->n++;
		if (nftnl_table_get_u32(tb, NFTNL_TABLE_FAMILY) == NFTB_FAMILY &&
		    !strcmp(nftnl_table_get_str(tb, NFTNL_TABLE_NAME), NFTB_TABLE))
			t->ours++;
	}
	nftnl_table_free(tb);
	return MNL_CB_OK;
}

static int nft_in_use(struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl = { 0 };
	struct tables t = { 0 };
	int rc;

	if (nl_open(&nl, err) < 0)
		return -1;
	rc = nl_dump(&nl, dump_req(buf, &nl, NFT_MSG_GETTABLE, NFPROTO_UNSPEC), any_table_cb, &t,
		     "the tables", err);
	nl_close(&nl);
	if (rc < 0)
		return -1;
	return t.n > 0;
}

struct quick_chain {
	char table[64], chain[64];
	uint32_t family, hook;
};

struct quick_state {
	struct quick_chain *c;
	size_t n;
	struct ctv_quick *q;
	int failed;
};

static int quick_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct quick_state *qs = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter")) {
		uint32_t fam = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
		uint32_t hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);

		if ((fam == NFPROTO_IPV4 || fam == NFPROTO_IPV6 || fam == NFPROTO_INET) &&
		    (hook == NF_INET_LOCAL_IN || hook == NF_INET_LOCAL_OUT) &&
		    !(fam == NFTB_FAMILY && !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NFTB_TABLE))) {
			struct quick_chain *v = realloc(qs->c, (qs->n + 1) * sizeof(*v));

			if (v) {
				qs->c = v;
				v = &qs->c[qs->n++];
				snprintf(v->table, sizeof(v->table), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
				snprintf(v->chain, sizeof(v->chain), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
				v->family = fam;
				v->hook = hook;
			} else {
				qs->failed = 1;
			}
		}
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

struct quick_rules {
	uint64_t bytes, packets;
	int found;
	size_t rules;
};

/* The first rule of a chain, when it is nothing but a counter, counts
 * every packet the chain sees: that is the chain's total. (nftables base
 * chains keep no policy counters, so chains made by iptables-nft show
 * [0:0] policies and have no total to read.) */
static int quick_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct quick_rules *qr = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e, *ctr = NULL;
	int other = 0;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	it = nftnl_expr_iter_create(r);
	while (it && (e = nftnl_expr_iter_next(it))) {
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter"))
			ctr = e;
		else
			other = 1;
	}
	if (ctr && !other && qr->rules == 0) {
		qr->bytes = nftnl_expr_get_u64(ctr, NFTNL_EXPR_CTR_BYTES);
		qr->packets = nftnl_expr_get_u64(ctr, NFTNL_EXPR_CTR_PACKETS);
		qr->found = 1;
	}
	qr->rules++;
	nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static const char *family_name(uint32_t f)
{
	return f == NFPROTO_IPV4 ? "ip" : f == NFPROTO_IPV6 ? "ip6" : "inet";
}

static int nft_quick(struct ctv_quick *q, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl = { 0 };
	struct quick_state qs = { .q = q };
	struct text used = { 0 }, skipped = { 0 };
	int rc = -1;

	memset(q, 0, sizeof(*q));
	if (nl_open(&nl, err) < 0)
		return -1;
	if (nl_dump(&nl, dump_req(buf, &nl, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC), quick_chain_cb, &qs,
		    "the chains", err) < 0)
		goto out;
	for (size_t i = 0; i < qs.n; i++) {
		struct quick_rules qr = { 0 };
		struct nftnl_rule *r = nftnl_rule_alloc();
		struct nlmsghdr *nlh;

		if (!r)
			goto out;
		nlh = dump_req(buf, &nl, NFT_MSG_GETRULE, (uint16_t)qs.c[i].family);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, qs.c[i].table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, qs.c[i].chain);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		if (nl_dump(&nl, nlh, quick_rule_cb, &qr, "rules", err) < 0)
			goto out;
		if (!qr.found) {
			text_add(&skipped, "%s%s %s %s", skipped.len ? ", " : "",
				 family_name(qs.c[i].family), qs.c[i].table, qs.c[i].chain);
			continue;
		}
		q->found = 1;
		if (qs.c[i].hook == NF_INET_LOCAL_IN) {
			q->in_bytes += qr.bytes;
			q->in_packets += qr.packets;
		} else {
			q->out_bytes += qr.bytes;
			q->out_packets += qr.packets;
		}
		text_add(&used, "%s%s %s %s", used.len ? ", " : "", family_name(qs.c[i].family),
			 qs.c[i].table, qs.c[i].chain);
	}
	if (q->found)
		snprintf(q->what, sizeof(q->what),
			 "nftables: the unconditional counter rule at the top of %s%s%s",
			 used.s, skipped.len ? "; no such counter in " : "", skipped.len ? skipped.s : "");
	else if (qs.n)
		snprintf(q->what, sizeof(q->what),
			 "nftables: the input/output chains (%s) do not start with an unconditional 'counter' rule, and nftables keeps no policy counters (iptables-nft shows [0:0])",
			 skipped.s ? skipped.s : "");
	else
		snprintf(q->what, sizeof(q->what),
			 "nftables: no filter chains at the input or output hooks exist in other tables");
	rc = 0;
out:
	free(used.s);
	free(skipped.s);
	free(qs.c);
	nl_close(&nl);
	return rc;
}

static char *nft_describe(const struct svcspec *spec, struct ctv_err *err)
{
	struct model m;
	struct text t = { 0 };

	if (model_build(spec, 0, &m, err) < 0)
		return NULL;
	text_add(&t, "table inet %s\n", NFTB_TABLE);
	text_add(&t, "  %zu counters (in_/out_ per bucket), kept across reinstalls\n", m.counters.n);
	for (size_t i = 0; i < m.n_sets; i++) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(m.sets[i]);
		size_t n = 0;

		while (it && nftnl_set_elems_iter_next(it))
			n++;
		nftnl_set_elems_iter_destroy(it);
		text_add(&t, "  %s %s: %zu elements\n",
			 nftnl_set_get_u32(m.sets[i], NFTNL_SET_FLAGS) & NFT_SET_OBJECT ? "map" : "set",
			 nftnl_set_get_str(m.sets[i], NFTNL_SET_NAME), n);
	}
	for (size_t c = 0; c < m.n_chains; c++) {
		text_add(&t, "  chain %s: hook %s priority %d, %zu rules\n", m.chains[c].name,
			 hook_name(m.chains[c].hook), m.chains[c].prio, m.chains[c].n);
		for (size_t i = 0; i < m.chains[c].n; i++) {
			char *r = rule_text(m.chains[c].rules[i]);

			text_add(&t, "    %s\n", r ? r : "?");
			free(r);
		}
	}
	model_free(&m);
	if (!t.s)
		ctv_err_sys(err, ENOMEM, "describing the rules");
	return t.s;
}

const struct backend backend_nft = {
	.name = "nft",
	.in_use = nft_in_use,
	.install = nft_install,
	.remove = nft_remove,
	.read = nft_read,
	.check = nft_check,
	.quick = nft_quick,
	.describe = nft_describe,
};

