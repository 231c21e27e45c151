/* nfnl.c - sockets, dumps, batches, expressions and events of nftables
 * over netlink (see nfnl.h for the policies). */
#include "config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "nfnl.h"

#define NFNL_EVENT_RCVBUF (16 << 20) /* a flushed ruleset sends one event per object */
#define NFNL_ANSWER_RCVBUF (4 << 20) /* room for the errors of a refused batch */

/* ---- sockets ------------------------------------------------------------ */

static int sock_open(struct nfnl *nl, unsigned group, struct ctv_err *err)
{
	int one = 1, e;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NFNL_BUF_SIZE);
	if (!nl->buf) {
		ctv_err_sys(err, ENOMEM, "netlink buffer");
		errno = ENOMEM;
		return -1;
	}
	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock) {
		e = errno;
		ctv_err_sys(err, e, "netlink socket (NETLINK_NETFILTER)");
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		ctv_err_sys(err, e, "netlink bind");
		goto fail;
	}
	/* Acks without a copy of each request keep the receive buffer small. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (group && mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
					   sizeof(group)) < 0) {
		e = errno;
		ctv_err_sys(err, e, "netlink: subscribing to nftables events");
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
fail:
	nfnl_close(nl);
	errno = e;
	return -1;
}

int nfnl_open(struct nfnl *nl, struct ctv_err *err)
{
	struct timeval tv = { .tv_sec = NFNL_TIMEOUT_S };

	if (sock_open(nl, 0, err) < 0)
		return -1;
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

int nfnl_events_open(struct nfnl *nl, struct ctv_err *err)
{
	int fd, size = NFNL_EVENT_RCVBUF;

	if (sock_open(nl, NFNLGRP_NFTABLES, err) < 0)
		return -1;
	fd = mnl_socket_get_fd(nl->sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

int nfnl_open_io(struct nfnl *nl, const struct nfnl_io *io, void *ctx)
{
	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NFNL_BUF_SIZE);
	if (!nl->buf) {
		errno = ENOMEM;
		return -1;
	}
	nl->io = io;
	nl->io_ctx = ctx;
	nl->seq = 1;
	return 0;
}

void nfnl_close(struct nfnl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

int nfnl_fd(const struct nfnl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

static ssize_t io_send(struct nfnl *nl, const struct iovec *iov, size_t n)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl),
			      .msg_iov = (struct iovec *)iov, .msg_iovlen = n };

	if (nl->io)
		return nl->io->send(nl->io_ctx, iov, n);
	return sendmsg(mnl_socket_get_fd(nl->sock), &msg, 0);
}

/* One receive into nl->buf; 0 (end of file) becomes -1 with EPIPE. */
static ssize_t io_recv(struct nfnl *nl)
{
	ssize_t n = nl->io ? nl->io->recv(nl->io_ctx, nl->buf, NFNL_BUF_SIZE)
			   : mnl_socket_recvfrom(nl->sock, nl->buf, NFNL_BUF_SIZE);

	if (n == 0) {
		errno = EPIPE;
		return -1;
	}
	return n;
}

struct nlmsghdr *nfnl_req(struct nfnl *nl, char *buf, uint16_t type, uint16_t family,
			  uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(buf, type, family, flags, nl->seq++);
}

struct nlmsghdr *nfnl_counters_req(struct nfnl *nl, char *buf, uint16_t family,
				   const char *table)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	nlh = nfnl_req(nl, buf, NFT_MSG_GETOBJ, family, NLM_F_DUMP);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	return nlh;
}

struct nlmsghdr *nfnl_elems_req(struct nfnl *nl, char *buf, uint16_t family, const char *table,
				const char *set)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	nlh = nfnl_req(nl, buf, NFT_MSG_GETSETELEM, family, NLM_F_DUMP);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nlh;
}

/* ---- requests and dumps ------------------------------------------------- */

/* Reads and drops the rest of an answer (up to NLMSG_DONE or an error),
 * the first n bytes of which are in nl->buf, so that the socket is clean
 * for the next request. */
static void drain(struct nfnl *nl, ssize_t n)
{
	for (;;) {
		int left = (int)n;

		for (const struct nlmsghdr *h = (const void *)nl->buf; nfnl_msg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left))
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				return;
		n = io_recv(nl);
		if (n < 0)
			return;
	}
}

/* Sends req and runs cb over the answer up to its end. Returns 0, or -1
 * with errno (ECANCELED when cb failed without saying why). */
static int talk(struct nfnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct iovec iov = { .iov_base = req, .iov_len = req->nlmsg_len };

	if (io_send(nl, &iov, 1) < 0)
		return -1;
	for (;;) {
		ssize_t n = io_recv(nl);
		int rc, e;

		if (n < 0)
			return -1;
		errno = 0;
		rc = mnl_cb_run(nl->buf, (size_t)n, req->nlmsg_seq, nl->portid, cb, data);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc < 0) {
			e = errno ? errno : ECANCELED;
			drain(nl, n);
			errno = e;
			return -1;
		}
	}
}

/* mnl_nlmsg_ok() casts nlmsg_len to int: a length of 2^31 or more passes
 * and NLMSG_ALIGN(0xffffffff) wraps to 0, so mnl_nlmsg_next() never moves
 * (found by nfnl_fuzz). The kernel never sends that; we still never loop. */
int nfnl_msg_ok(const struct nlmsghdr *h, int len)
{
	return len >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	       h->nlmsg_len <= (unsigned)len;
}

/* The kernel answers EPERM to a process without CAP_NET_ADMIN in its
 * network namespace's user namespace: say which capability. */
static void cap_hint(struct ctv_err *err, int e)
{
	size_t n;

	if (e != EPERM || !err)
		return;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n,
		 " (nftables needs CAP_NET_ADMIN: run as root or with that capability)");
}

int nfnl_dump(struct nfnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void (*restart)(void *),
	      void *data, const char *what, struct ctv_err *err)
{
	for (int tries = 1;; tries++) {
		if (talk(nl, req, cb, data) == 0 || errno == ENOENT)
			return 0;
		if (errno != EINTR) {
			int e = errno;

			ctv_err_sys(err, e, "netlink: reading %s", what);
			cap_hint(err, e);
			errno = e;
			return -1;
		}
		if (tries == NFNL_DUMP_TRIES) {
			ctv_err_set(err, "netlink: reading %s: the ruleset changed while it was "
				    "listed, %d times in a row", what, tries);
			errno = EINTR;
			return -1;
		}
		if (restart)
			restart(data);
		req->nlmsg_seq = nl->seq++;
	}
}

int nfnl_get(struct nfnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	     const char *what, struct ctv_err *err)
{
	req->nlmsg_flags |= NLM_F_ACK;
	if (talk(nl, req, cb, data) == 0)
		return 0;
	{
		int e = errno;

		ctv_err_sys(err, e, "netlink: %s", what);
		cap_hint(err, e);
		errno = e;
	}
	return -1;
}

#define NFNL_GET_INFLIGHT 256 /* requests sent before their answers are read */
#define NFNL_GET_ANSWER 8192  /* what one answer may take of the receive buffer */

/* How many answers the receive buffer holds: a single object's answer is
 * a skb of a page or two. */
static size_t get_inflight(struct nfnl *nl)
{
	int fd, size = NFNL_ANSWER_RCVBUF;
	socklen_t len = sizeof(size);

	if (!nl->sock)
		return NFNL_GET_INFLIGHT;
	fd = mnl_socket_get_fd(nl->sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0 || size < 2 * NFNL_GET_ANSWER)
		return 1;
	return (size_t)size / NFNL_GET_ANSWER < NFNL_GET_INFLIGHT ? (size_t)size / NFNL_GET_ANSWER
								  : NFNL_GET_INFLIGHT;
}

#define NFNL_GET_SLOTS 64  /* answers taken by one receive */
#define NFNL_GET_SLOT 4096 /* room for one answer (a single object's) */

/* Where the answers are received: one recvmmsg() takes many, each a
 * datagram of its own (through io, one receive into nl->buf). */
struct get_rx {
	char *buf; /* NFNL_GET_SLOTS x NFNL_GET_SLOT bytes */
	struct mmsghdr mm[NFNL_GET_SLOTS];
	struct iovec iov[NFNL_GET_SLOTS];
	const char *at[NFNL_GET_SLOTS];
	int len[NFNL_GET_SLOTS];
};

/* Waits for at least one answer. Returns how many are in rx->at/len, or
 * -1 with errno (EMSGSIZE: an answer larger than a slot). */
static int get_recv(struct nfnl *nl, struct get_rx *rx)
{
	int n;

	if (nl->io) {
		ssize_t r = io_recv(nl);

		if (r < 0)
			return -1;
		rx->at[0] = nl->buf;
		rx->len[0] = (int)r;
		return 1;
	}
	for (int i = 0; i < NFNL_GET_SLOTS; i++) {
		rx->iov[i] = (struct iovec){ rx->buf + (size_t)i * NFNL_GET_SLOT, NFNL_GET_SLOT };
		memset(&rx->mm[i], 0, sizeof(rx->mm[i]));
		rx->mm[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->mm[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(mnl_socket_get_fd(nl->sock), rx->mm, NFNL_GET_SLOTS, MSG_WAITFORONE, NULL);
	if (n == 0)
		errno = EPIPE;
	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (rx->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			return -1;
		}
		rx->at[i] = rx->iov[i].iov_base;
		rx->len[i] = (int)rx->mm[i].msg_len;
	}
	return n;
}

/* One answer to the k requests from sequence number first on: 1 when it
 * is one (counted), else 0; *e gets the first error other than ENOENT. */
static int get_answer(const struct nlmsghdr *h, uint32_t first, size_t k, mnl_cb_t cb,
		      void *data, size_t *missing, int *e)
{
	if (h->nlmsg_seq - first >= k)
		return 0; /* not an answer to these */
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *me = mnl_nlmsg_get_payload(h);
		int x = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*me)) ? -me->error : EPROTO;

		if (x == ENOENT && missing)
			(*missing)++;
		else if (x && x != ENOENT && (!*e || x == EPERM))
			*e = x;
	} else if (!*e) {
		errno = 0;
		if (cb(h, data) < MNL_CB_OK)
			*e = errno ? errno : ECANCELED;
	}
	return 1;
}

/* Reads the answers to the k requests from sequence number first on:
 * 0, or the first error other than ENOENT (EPERM at once: the kernel
 * answers only the first request of a message it refuses). */
static int get_answers(struct nfnl *nl, struct get_rx *rx, uint32_t first, size_t k, mnl_cb_t cb,
		       void *data, size_t *missing)
{
	int e = 0;

	for (size_t got = 0; got < k;) {
		int n = get_recv(nl, rx);

		if (n < 0)
			return errno;
		for (int i = 0; i < n; i++) {
			int left = rx->len[i];

			for (const struct nlmsghdr *h = (const void *)rx->at[i]; nfnl_msg_ok(h, left);
			     h = mnl_nlmsg_next(h, &left))
				got += (size_t)get_answer(h, first, k, cb, data, missing, &e);
		}
		if (e == EPERM)
			return EPERM;
	}
	return e;
}

int nfnl_get_each(struct nfnl *nl, size_t n, struct nlmsghdr *(*build)(void *data, size_t i, char *buf),
		  mnl_cb_t cb, void *data, size_t *missing, const char *what, struct ctv_err *err)
{
	size_t inflight = get_inflight(nl), i = 0;
	char *out = malloc(inflight * NFNL_GET_ROOM);
	struct get_rx *rx = calloc(1, sizeof(*rx));
	int e = 0;

	if (missing)
		*missing = 0;
	if (rx && !nl->io)
		rx->buf = malloc((size_t)NFNL_GET_SLOTS * NFNL_GET_SLOT);
	if (!out || !rx || (!nl->io && !rx->buf))
		e = ENOMEM;
	while (!e && i < n) {
		uint32_t first = nl->seq;
		size_t len = 0, k;
		struct iovec iov;

		for (k = 0; k < inflight && i < n; k++, i++) {
			struct nlmsghdr *h = build(data, i, out + len);

			if (!h) {
				e = ENOMEM;
				break;
			}
			len += NLMSG_ALIGN(h->nlmsg_len);
		}
		iov = (struct iovec){ out, len };
		if (e)
			break;
		if (io_send(nl, &iov, 1) < 0)
			e = errno;
		else
			e = get_answers(nl, rx, first, k, cb, data, missing);
	}
	if (rx)
		free(rx->buf);
	free(rx);
	free(out);
	if (!e)
		return 0;
	ctv_err_sys(err, e, "netlink: reading %s", what);
	cap_hint(err, e);
	errno = e;
	return -1;
}

/* ---- names ------------------------------------------------------------- */

int nfnl_names_add(struct nfnl_names *s, const char *name)
{
	free(s->sorted);
	s->sorted = NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(name);
	if (!s->v[s->n])
		return -1;
	s->n++;
	return 0;
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void nfnl_names_index(struct nfnl_names *s)
{
	free(s->sorted);
	s->sorted = s->n ? malloc(s->n * sizeof(*s->sorted)) : NULL;
	if (!s->sorted)
		return;
	memcpy(s->sorted, s->v, s->n * sizeof(*s->sorted));
	qsort(s->sorted, s->n, sizeof(*s->sorted), names_cmp);
}

int nfnl_names_has(const struct nfnl_names *s, const char *name)
{
	if (s->sorted)
		return bsearch(&name, s->sorted, s->n, sizeof(*s->sorted), names_cmp) != NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 1;
	return 0;
}

void nfnl_names_free(struct nfnl_names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->sorted);
	memset(s, 0, sizeof(*s));
}

/* A dump lists each name once; should one come twice, the later ones go
 * (first seen order kept). n log n: the index finds them. */
static void names_unique(struct nfnl_names *s)
{
	size_t k = 0;
	int dup = 0;

	nfnl_names_index(s);
	for (size_t i = 1; s->sorted && i < s->n; i++)
		dup |= !strcmp(s->sorted[i - 1], s->sorted[i]);
	if (!dup && s->sorted)
		return;
	/* Rare (or without memory for the index): the linear way. */
	free(s->sorted);
	s->sorted = NULL;
	for (size_t i = 0; i < s->n; i++) {
		int seen = 0;

		for (size_t j = 0; j < k && !seen; j++)
			seen = !strcmp(s->v[j], s->v[i]);
		if (seen)
			free(s->v[i]);
		else
			s->v[k++] = s->v[i];
	}
	s->n = k;
	nfnl_names_index(s);
}

struct names_dump {
	struct nfnl_names *out;
	const char *table;
	enum nfnl_kind kind;
};

/* A dump's answers are NFT_MSG_NEW* messages shaped like the events. */
static int names_cb(const struct nlmsghdr *nlh, void *data)
{
	struct names_dump *d = data;
	struct nfnl_event ev;

	if (nfnl_event_decode(nlh, &ev) != 1 || ev.kind != d->kind || strcmp(ev.table, d->table))
		return MNL_CB_OK;
	if (nfnl_names_add(d->out, ev.name) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static void names_restart(void *data)
{
	nfnl_names_free(((struct names_dump *)data)->out);
}

int nfnl_dump_names(struct nfnl *nl, uint16_t family, const char *table, enum nfnl_kind kind,
		    struct nfnl_names *out, struct ctv_err *err)
{
	static const uint16_t types[] = { [NFNL_CHAIN] = NFT_MSG_GETCHAIN,
					  [NFNL_SET] = NFT_MSG_GETSET };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct names_dump d = { out, table, kind };
	struct nlmsghdr *nlh;
	const char *what = kind == NFNL_CHAIN ? "chains" : kind == NFNL_SET ? "sets" : "counters";

	memset(out, 0, sizeof(*out));
	if (kind == NFNL_COUNTER) {
		nlh = nfnl_counters_req(nl, buf, family, table);
		if (!nlh) {
			ctv_err_sys(err, ENOMEM, "netlink: reading the counters of %s", table);
			return -1;
		}
	} else if (kind == NFNL_CHAIN || kind == NFNL_SET) {
		/* The table is filtered here: 6.1 dumps every chain of the
		 * family whatever the request names. */
		nlh = nfnl_req(nl, buf, types[kind], family, NLM_F_DUMP);
	} else {
		ctv_err_set(err, "netlink: cannot list objects of kind %d", (int)kind);
		errno = EINVAL;
		return -1;
	}
	if (nfnl_dump(nl, nlh, names_cb, names_restart, &d, what, err) < 0) {
		nfnl_names_free(out);
		return -1;
	}
	names_unique(out);
	return 0;
}

/* ---- batches ------------------------------------------------------------ */

void nfnl_batch_init(struct nfnl_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->refused = SIZE_MAX;
}

void nfnl_batch_free(struct nfnl_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->what[i]);
	free(b->what);
	free(b->buf);
	nfnl_batch_init(b);
}

static int batch_reserve(struct nfnl_batch *b, size_t more)
{
	size_t cap = b->cap;
	char *buf;

	if (b->len + more <= cap)
		return 0;
	while (b->len + more > cap)
		cap = cap ? cap * 2 : 1 << 20;
	buf = realloc(b->buf, cap);
	if (!buf)
		return -1;
	b->buf = buf;
	b->cap = cap;
	return 0;
}

struct nlmsghdr *nfnl_batch_add(struct nfnl_batch *b, struct nfnl *nl, uint16_t type,
				uint16_t family, uint16_t flags, size_t room, const char *fmt, ...)
{
	char **w;
	va_list ap;
	int n;

	if (b->failed || batch_reserve(b, NLMSG_HDRLEN + 64 + room) < 0)
		goto fail;
	w = realloc(b->what, (b->n + 1) * sizeof(*w));
	if (!w)
		goto fail;
	b->what = w;
	va_start(ap, fmt);
	n = vasprintf(&b->what[b->n], fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if (b->n == 0)
		b->seq0 = nl->seq;
	b->n++;
	b->last = b->len;
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags, nl->seq++);
fail:
	b->failed = 1;
	return NULL;
}

void nfnl_batch_done(struct nfnl_batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Writes the payload naming one object; -1 without memory. */
static int named_payload(struct nlmsghdr *nlh, enum nfnl_kind kind, const char *table,
			 const char *name)
{
	void *o;

	switch (kind) {
	case NFNL_TABLE:
		if (!(o = nftnl_table_alloc()))
			return -1;
		nftnl_table_set_str(o, NFTNL_TABLE_NAME, table);
		nftnl_table_nlmsg_build_payload(nlh, o);
		nftnl_table_free(o);
		return 0;
	case NFNL_CHAIN:
		if (!(o = nftnl_chain_alloc()))
			return -1;
		nftnl_chain_set_str(o, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(o, NFTNL_CHAIN_NAME, name);
		nftnl_chain_nlmsg_build_payload(nlh, o);
		nftnl_chain_free(o);
		return 0;
	case NFNL_SET:
		if (!(o = nftnl_set_alloc()))
			return -1;
		nftnl_set_set_str(o, NFTNL_SET_TABLE, table);
		nftnl_set_set_str(o, NFTNL_SET_NAME, name);
		nftnl_set_nlmsg_build_payload(nlh, o);
		nftnl_set_free(o);
		return 0;
	case NFNL_COUNTER:
		if (!(o = nftnl_obj_alloc()))
			return -1;
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nftnl_obj_free(o);
		return 0;
	case NFNL_RULE:
		if (!(o = nftnl_rule_alloc()))
			return -1;
		nftnl_rule_set_str(o, NFTNL_RULE_TABLE, table);
		nftnl_rule_set_str(o, NFTNL_RULE_CHAIN, name);
		nftnl_rule_nlmsg_build_payload(nlh, o);
		nftnl_rule_free(o);
		return 0;
	case NFNL_GEN:
		break;
	}
	return -1;
}

int nfnl_batch_add_named(struct nfnl_batch *b, struct nfnl *nl, uint16_t type,
			 uint16_t family, uint16_t flags, enum nfnl_kind kind, const char *table,
			 const char *name, const char *fmt, ...)
{
	struct nlmsghdr *nlh;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nlh = nfnl_batch_add(b, nl, type, family, flags, 2 * NFNL_NAME_MAX + 256, "%s", what);
	if (!nlh)
		return -1;
	if (named_payload(nlh, kind, table, name) < 0) {
		b->failed = 1;
		errno = ENOMEM;
		return -1;
	}
	nfnl_batch_done(b, nlh);
	return 0;
}

void nfnl_ack_scan(struct nfnl_ack *st, const void *buf, size_t len)
{
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	/* Acks are control messages, which mnl_cb_run() keeps to itself. */
	for (const struct nlmsghdr *h = buf; nfnl_msg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		const struct nlmsgerr *e;

		if (h->nlmsg_type != NLMSG_ERROR)
			continue;
		e = mnl_nlmsg_get_payload(h);
		/* Too short to hold the error code: a malformed failure. The
		 * kernel's codes are -1..-4095; anything else (INT_MIN, whose
		 * negation overflows, found by nfnl_fuzz) is EPROTO. */
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e->error))) {
			if (!st->error) {
				st->error = EPROTO;
				st->error_seq = h->nlmsg_seq;
			}
		} else if (e->error && !st->error) {
			st->error = e->error < 0 && e->error > -4096 ? -e->error : EPROTO;
			st->error_seq = h->nlmsg_seq;
		}
		if (h->nlmsg_seq == st->last_seq || h->nlmsg_seq == st->begin_seq)
			st->done = 1;
	}
}

/* One transaction needs the whole batch in one message: the send buffer
 * must hold it (as nft(8) does it). */
static void size_buffers(struct nfnl *nl, size_t total)
{
	int fd, size = (int)(total + 4096 > INT_MAX / 2 ? INT_MAX / 2 : total + 4096);

	if (!nl->sock)
		return;
	fd = mnl_socket_get_fd(nl->sock);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	size = NFNL_ANSWER_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* Waits for the end of the answer to a batch sent. Returns 0 with st
 * filled, or -1 with errno and err. */
static int batch_answer(struct nfnl *nl, struct nfnl_ack *st, struct ctv_err *err)
{
	while (!st->done) {
		ssize_t n = io_recv(nl);

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Only failures are answered besides the last
				 * message, so a flood of answers means the
				 * batch was refused. */
				ctv_err_set(err, "nftables refused the change with more errors than "
					    "fit in the socket buffer (nothing was changed; did "
					    "the ruleset change meanwhile?)");
				errno = EBUSY;
				return -1;
			}
			if (st->error)
				break;
			ctv_err_sys(err, errno, "netlink: waiting for the kernel's answer");
			return -1;
		}
		nfnl_ack_scan(st, nl->buf, (size_t)n);
	}
	return 0;
}

/* The fault-injection hook (docs/RELIABILITY.md): with CTV_TEST_BAD_ELEMENT=1
 * one message of the batch (the middle set element, else the middle
 * message) gets a message type nftables does not know, so the kernel
 * refuses the batch half-way through. Harmless: it can only make a change
 * fail, as a whole. */
static void test_bad_element(struct nfnl_batch *b)
{
	const char *v = getenv("CTV_TEST_BAD_ELEMENT");
	struct nlmsghdr *pick = NULL, *mid = NULL;
	size_t i = 0, off = 0, elems = 0, n_elem = 0;

	if (!v || strcmp(v, "1"))
		return;
	for (off = 0; off < b->len; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)(b->buf + off);

		elems += NFNL_MSG_TYPE(h->nlmsg_type) == NFT_MSG_NEWSETELEM;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	for (off = 0, i = 0; off < b->len; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)(b->buf + off);

		if (i == b->n / 2)
			mid = h;
		if (NFNL_MSG_TYPE(h->nlmsg_type) == NFT_MSG_NEWSETELEM && n_elem++ == elems / 2)
			pick = h;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (!pick)
		pick = mid;
	if (pick)
		pick->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | 0xfe);
}

int nfnl_batch_send(struct nfnl *nl, struct nfnl_batch *b, struct ctv_err *err)
{
	char begin[NLMSG_HDRLEN + 64], end[NLMSG_HDRLEN + 64];
	/* The last message is the only one asking for an ack: that ack, or
	 * an error about the batch itself, is the end of the answer. */
	struct nfnl_ack st = { 0 };
	struct nlmsghdr *bh, *eh;
	struct iovec iov[3];

	if (b->failed) {
		ctv_err_set(err, "out of memory building the netlink batch");
		errno = ENOMEM;
		return -1;
	}
	if (b->n == 0)
		return 0;
	test_bad_element(b);
	((struct nlmsghdr *)(b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
	st.last_seq = b->seq0 + (uint32_t)(b->n - 1);
	st.begin_seq = nl->seq;
	bh = nftnl_batch_begin(begin, nl->seq++);
	eh = nftnl_batch_end(end, nl->seq++);
	iov[0] = (struct iovec){ .iov_base = bh, .iov_len = NLMSG_ALIGN(bh->nlmsg_len) };
	iov[1] = (struct iovec){ .iov_base = b->buf, .iov_len = b->len };
	iov[2] = (struct iovec){ .iov_base = eh, .iov_len = NLMSG_ALIGN(eh->nlmsg_len) };
	size_buffers(nl, b->len);
	if (io_send(nl, iov, 3) < 0) {
		ctv_err_sys(err, errno, "netlink: sending %zu changes (%zu bytes)", b->n, b->len);
		return -1;
	}
	if (batch_answer(nl, &st, err) < 0)
		return -1;
	if (st.error) {
		size_t i = st.error_seq - b->seq0;

		b->refused = i < b->n ? i : SIZE_MAX;
		ctv_err_sys(err, st.error, "nftables refused %s (nothing was changed)",
			    i < b->n ? b->what[i] : "the change");
		cap_hint(err, st.error);
		errno = st.error;
		return -1;
	}
	return 0;
}

/* ---- expressions -------------------------------------------------------- */

int nfnl_expr_add(struct nftnl_rule *r, int *failed, struct nftnl_expr *e)
{
	if (!r || !e) {
		if (e)
			nftnl_expr_free(e);
		*failed = 1;
		errno = ENOMEM;
		return -1;
	}
	nftnl_rule_add_expr(r, e);
	return 0;
}

int nfnl_expr_meta(struct nftnl_rule *r, int *failed, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_cmp_eq(struct nftnl_rule *r, int *failed, uint32_t sreg, const void *data,
		     uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_payload(struct nftnl_rule *r, int *failed, uint32_t base, uint32_t off,
		      uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_lookup(struct nftnl_rule *r, int *failed, const char *set, uint32_t set_id,
		     uint32_t sreg, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		if (dreg != NFNL_NO_REG)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0); /* as dumps show it */
		if (set_id)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_counter_ref(struct nftnl_rule *r, int *failed, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_counter_map(struct nftnl_rule *r, int *failed, const char *set, uint32_t set_id,
			  uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, sreg);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
		if (set_id)
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_ID, set_id);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_verdict(struct nftnl_rule *r, int *failed, uint32_t verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_ct_load(struct nftnl_rule *r, int *failed, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_ct_set(struct nftnl_rule *r, int *failed, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, sreg);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_bitwise(struct nftnl_rule *r, int *failed, uint32_t reg, uint32_t mask,
		      uint32_t xor)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, 4);
	}
	return nfnl_expr_add(r, failed, e);
}

int nfnl_expr_socket_cgroup(struct nftnl_rule *r, int *failed, uint32_t level, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("socket");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, dreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, level);
	}
	return nfnl_expr_add(r, failed, e);
}

/* ---- events --------------------------------------------------------------- */

#define ATTRS_MAX 16 /* the attributes we read all have small numbers */

/* What each event carries where: attribute numbers of its table, name and
 * (rules) handle; 0 when it has none. */
struct event_shape {
	enum nfnl_kind kind;
	int created;
	uint16_t table, name, handle;
};

static int event_shape(uint16_t type, struct event_shape *s)
{
	static const struct {
		uint16_t new_type, del_type, destroy_type;
		struct event_shape shape;
	} shapes[] = {
		{ NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_DESTROYTABLE,
		  { NFNL_TABLE, 0, NFTA_TABLE_NAME, 0, 0 } },
		{ NFT_MSG_NEWCHAIN, NFT_MSG_DELCHAIN, NFT_MSG_DESTROYCHAIN,
		  { NFNL_CHAIN, 0, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, 0 } },
		{ NFT_MSG_NEWSET, NFT_MSG_DELSET, NFT_MSG_DESTROYSET,
		  { NFNL_SET, 0, NFTA_SET_TABLE, NFTA_SET_NAME, 0 } },
		{ NFT_MSG_NEWOBJ, NFT_MSG_DELOBJ, NFT_MSG_DESTROYOBJ,
		  { NFNL_COUNTER, 0, NFTA_OBJ_TABLE, NFTA_OBJ_NAME, 0 } },
		{ NFT_MSG_NEWRULE, NFT_MSG_DELRULE, NFT_MSG_DESTROYRULE,
		  { NFNL_RULE, 0, NFTA_RULE_TABLE, NFTA_RULE_CHAIN, NFTA_RULE_HANDLE } },
	};

	if (type == NFT_MSG_NEWGEN) {
		*s = (struct event_shape){ NFNL_GEN, 1, 0, 0, 0 };
		return 1;
	}
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		if (type != shapes[i].new_type && type != shapes[i].del_type &&
		    type != shapes[i].destroy_type)
			continue;
		*s = shapes[i].shape;
		s->created = type == shapes[i].new_type;
		return 1;
	}
	return 0;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type < ATTRS_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* Copies string attribute a into out; -1 when missing or malformed. */
static int attr_str(const struct nlattr *a, char *out)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_get_payload_len(a) > NFNL_NAME_MAX)
		return -1;
	memcpy(out, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
	return 0;
}

int nfnl_event_decode(const struct nlmsghdr *nlh, struct nfnl_event *ev)
{
	const struct nlattr *tb[ATTRS_MAX] = { 0 };
	const struct nfgenmsg *nfg;
	struct event_shape s;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    !event_shape(NFNL_MSG_TYPE(nlh->nlmsg_type), &s))
		return 0;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nfg)) ||
	    mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, tb) < 0)
		goto bad;
	memset(ev, 0, sizeof(*ev));
	nfg = mnl_nlmsg_get_payload(nlh);
	ev->family = nfg->nfgen_family;
	ev->kind = s.kind;
	ev->created = s.created;
	if (s.kind == NFNL_GEN) {
		if (tb[NFTA_GEN_ID] && mnl_attr_validate(tb[NFTA_GEN_ID], MNL_TYPE_U32) == 0)
			ev->gen = ntohl(mnl_attr_get_u32(tb[NFTA_GEN_ID]));
		if (tb[NFTA_GEN_PROC_PID] &&
		    mnl_attr_validate(tb[NFTA_GEN_PROC_PID], MNL_TYPE_U32) == 0)
			ev->pid = ntohl(mnl_attr_get_u32(tb[NFTA_GEN_PROC_PID]));
		if (tb[NFTA_GEN_PROC_NAME] &&
		    mnl_attr_validate(tb[NFTA_GEN_PROC_NAME], MNL_TYPE_NUL_STRING) == 0)
			snprintf(ev->proc, sizeof(ev->proc), "%s", mnl_attr_get_str(tb[NFTA_GEN_PROC_NAME]));
		return 1;
	}
	if (s.kind == NFNL_COUNTER) {
		if (!tb[NFTA_OBJ_TYPE] || mnl_attr_validate(tb[NFTA_OBJ_TYPE], MNL_TYPE_U32) < 0)
			goto bad;
		if (ntohl(mnl_attr_get_u32(tb[NFTA_OBJ_TYPE])) != NFT_OBJECT_COUNTER)
			return 0; /* quotas, limits, ...: not ours to follow */
	}
	if (attr_str(tb[s.table], ev->table) < 0 || (s.name && attr_str(tb[s.name], ev->name) < 0))
		goto bad;
	if (s.handle && tb[s.handle]) {
		if (mnl_attr_validate(tb[s.handle], MNL_TYPE_U64) < 0)
			goto bad;
		ev->handle = be64toh(mnl_attr_get_u64(tb[s.handle]));
	}
	return 1;
bad:
	errno = EINVAL;
	return -1;
}

int nfnl_events_read(struct nfnl *nl, nfnl_event_cb cb, void *data, struct ctv_err *err)
{
	ssize_t n = io_recv(nl);
	int left, rc;

	if (n < 0) {
		if (errno == ENOBUFS)
			ctv_err_set(err, "netlink: nftables events were lost (read too slowly): "
				    "the ruleset must be read again");
		else
			ctv_err_sys(err, errno, "netlink: reading nftables events");
		return -1;
	}
	left = (int)n;
	for (const struct nlmsghdr *h = (const void *)nl->buf; nfnl_msg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		struct nfnl_event ev;

		rc = nfnl_event_decode(h, &ev);
		if (rc == 1 && (rc = cb(&ev, data)) != 0)
			return rc;
	}
	return 0;
}
