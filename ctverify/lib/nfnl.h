/* nfnl.h - the one nftables netlink layer both accountants speak through:
 * sockets, dumps, batches and their answers, rule expressions, and the
 * ruleset's change events. It knows netlink and libnftnl objects, nothing
 * of services, containers or classes.
 *
 * Every function that can fail returns -1 (or NULL), sets errno and, when
 * given one, fills a struct ctv_err; nothing here prints or exits.
 *
 * Policies (docs/DESIGN.md "The netlink layer"):
 * - NETLINK_CAP_ACK on every socket: acks carry no copy of the request,
 *   so the answers to a refused batch of thousands of messages fit.
 * - One receive timeout, NFNL_TIMEOUT_S, on request sockets; the event
 *   socket has none (its owner polls the descriptor).
 * - A dump the kernel marks interrupted (NLM_F_DUMP_INTR: the ruleset
 *   changed while it was listed) is read to its end, dropped and asked
 *   again, at most NFNL_DUMP_TRIES times.
 * - An expression or message that cannot be allocated marks the rule's
 *   or batch's failure flag; a failed batch is never sent.
 */
#ifndef CTV_NFNL_H
#define CTV_NFNL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <libmnl/libmnl.h>

#include "err.h"

struct nftnl_expr;
struct nftnl_rule;

/* Kernel 6.3+ messages that ignore a missing object; older uapi headers
 * lack them. We only decode them (events): batches use NFT_MSG_DEL* on
 * names a dump found, which 6.1 knows too (nfnl_dump_names). */
#ifndef NFT_MSG_DESTROYCHAIN
#define NFT_MSG_DESTROYTABLE 26
#define NFT_MSG_DESTROYCHAIN 27
#define NFT_MSG_DESTROYRULE 28
#define NFT_MSG_DESTROYSET 29
#define NFT_MSG_DESTROYSETELEM 30
#define NFT_MSG_DESTROYOBJ 31
#endif

/* The kernel answers a batch before sendmsg() returns and builds each part
 * of a dump while we read it, so a receive only waits when the kernel is
 * stuck: the timeout bounds that, and is long enough for the largest
 * batch we send (a node with thousands of containers). */
#define NFNL_TIMEOUT_S 120
#define NFNL_DUMP_TRIES 5  /* reads of an interrupted dump before giving up */
#define NFNL_BUF_SIZE 65536 /* one receive; the kernel fills at most 32 KiB */
#define NFNL_NO_REG UINT32_MAX /* "no destination register" for nfnl_expr_lookup */

/* Where messages go and answers come from. NULL in struct nfnl means the
 * socket; unit tests put a script here instead. send() and recv() return
 * what sendmsg() and recv() return. */
struct nfnl_io {
	ssize_t (*send)(void *ctx, const struct iovec *iov, size_t iovcnt);
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
};

struct nfnl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;             /* the next sequence number */
	char *buf;                /* NFNL_BUF_SIZE bytes for answers */
	const struct nfnl_io *io; /* NULL: the socket */
	void *io_ctx;
};

/* Opens and binds a NETLINK_NETFILTER socket for requests, with
 * NETLINK_CAP_ACK and the NFNL_TIMEOUT_S receive timeout. Returns 0, or -1
 * with errno and err (no socket, no memory). */
int nfnl_open(struct nfnl *nl, struct ctv_err *err);

/* Prepares nl to talk through io (tests). Returns 0, or -1 with ENOMEM. */
int nfnl_open_io(struct nfnl *nl, const struct nfnl_io *io, void *ctx);

/* Closes the socket and frees the buffer; safe on a closed or zeroed nl. */
void nfnl_close(struct nfnl *nl);

/* Builds a request header in buf (MNL_SOCKET_BUFFER_SIZE bytes) with the
 * next sequence number; flags NLM_F_DUMP for a dump. Never fails. */
struct nlmsghdr *nfnl_req(struct nfnl *nl, char *buf, uint16_t type, uint16_t family,
			  uint16_t flags);

/* Builds in buf a dump request for the counter objects of table.
 * Returns the header, or NULL with ENOMEM. */
struct nlmsghdr *nfnl_counters_req(struct nfnl *nl, char *buf, uint16_t family,
				   const char *table);

/* Builds in buf a dump request for the elements of set in table.
 * Returns the header, or NULL with ENOMEM. */
struct nlmsghdr *nfnl_elems_req(struct nfnl *nl, char *buf, uint16_t family, const char *table,
				const char *set);

/* Sends a dump request and runs cb over every message of the answer.
 * An interrupted dump (NLM_F_DUMP_INTR) is drained and asked again with a
 * new sequence number, after restart(data) (may be NULL) has made the
 * caller forget what cb saw. ENOENT (the table the request names does not
 * exist) is an empty dump. Returns 0, or -1 with errno and err naming
 * what ("reading WHAT"): EINTR after NFNL_DUMP_TRIES interrupted reads,
 * the kernel's error, or cb's (MNL_CB_ERROR; the rest is drained). */
int nfnl_dump(struct nfnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void (*restart)(void *),
	      void *data, const char *what, struct ctv_err *err);

/* Sends a single request with NLM_F_ACK and runs cb (may be NULL) over
 * the answer until the ack. Returns 0, or -1 with errno and err; ENOENT
 * when the object asked for does not exist. */
int nfnl_get(struct nfnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	     const char *what, struct ctv_err *err);

/* Many single-object requests (an NFT_MSG_GET* without NLM_F_DUMP, each
 * answered by one message), pipelined: build(data, i, buf) writes request
 * i of n into buf (NFNL_GET_ROOM bytes) with nfnl_req and returns it (NULL:
 * no memory); as many are sent at once as the receive buffer holds the
 * answers of, many answers (of 4 KiB at most each) are taken by one
 * receive, and cb runs over each answer that is not an error. A request
 * answered ENOENT (no such object) is skipped; *missing (may be NULL)
 * counts them. One lookup per object where a dump of a long list walks
 * the list from its start again for every part it sends. Returns 0, or
 * -1 with errno and err naming what ("reading WHAT"); ENOBUFS when
 * answers were lost. */
#define NFNL_GET_ROOM 512
int nfnl_get_each(struct nfnl *nl, size_t n, struct nlmsghdr *(*build)(void *data, size_t i, char *buf),
		  mnl_cb_t cb, void *data, size_t *missing, const char *what, struct ctv_err *err);

/* mnl_nlmsg_ok() without its signed-length hole: h is a whole message
 * within len bytes. */
int nfnl_msg_ok(const struct nlmsghdr *h, int len);

/* ---- batches ------------------------------------------------------------ */

/* The kinds of objects named in batches and events. */
enum nfnl_kind {
	NFNL_TABLE,
	NFNL_CHAIN,
	NFNL_SET,
	NFNL_COUNTER, /* a named counter object; other objects are not decoded */
	NFNL_RULE,
	NFNL_GEN,     /* a transaction was committed: its events came before */
};

/* The names of one kind of object of a table, as a dump found them. */
struct nfnl_names {
	char **v;
	size_t n;
	size_t cap;     /* room in v */
	char **sorted;  /* v's names sorted (nfnl_names_index()), or NULL */
};

/* Dumps the names of table's chains (kind NFNL_CHAIN), sets (NFNL_SET)
 * or counter objects (NFNL_COUNTER) in family into *out (emptied first;
 * an absent table gives none). This is what a batch may delete with
 * NFT_MSG_DEL*, which every kernel knows: the NFT_MSG_DESTROY* messages
 * that ignore a missing object exist only from 6.3 and an older kernel
 * refuses the whole batch for them (docs/DESIGN.md "Kernels"). Returns
 * 0, or -1 with errno and err. */
int nfnl_dump_names(struct nfnl *nl, uint16_t family, const char *table, enum nfnl_kind kind,
		    struct nfnl_names *out, struct ctv_err *err);

/* Appends a copy of name (forgetting the index). Returns 0, or -1
 * (ENOMEM). */
int nfnl_names_add(struct nfnl_names *s, const char *name);

/* Sorts an index of s's names so that nfnl_names_has() is a binary search
 * (a dump's names come indexed). Without memory lookups stay linear. */
void nfnl_names_index(struct nfnl_names *s);

/* 1 when name is among s, else 0. */
int nfnl_names_has(const struct nfnl_names *s, const char *name);

/* Frees what s holds and empties it; safe on an empty s. */
void nfnl_names_free(struct nfnl_names *s);

/* A batch of changes, sent as one transaction: all or nothing. */
struct nfnl_batch {
	char *buf;         /* the messages, without batch begin and end */
	size_t len, cap;
	size_t last;       /* offset of the last message */
	uint32_t seq0;     /* sequence number of the first message */
	char **what;       /* per message, what it does ("add chain in") */
	size_t n;
	int failed;        /* an allocation failed: the batch is not sent */
	size_t refused;    /* after a refusal: the index of the first refused
			      message (into what), else SIZE_MAX */
};

/* Empties b. Never fails. */
void nfnl_batch_init(struct nfnl_batch *b);

/* Starts a message of type (NFT_MSG_*) for family with room for payload
 * bytes, which the caller then fills (libnftnl's *_nlmsg_build_payload)
 * and ends with nfnl_batch_done(). what (printf-style) names the message
 * in the error the kernel's refusal becomes. Returns the header, or NULL
 * when memory ran out (b->failed is set; the batch will not be sent). */
struct nlmsghdr *nfnl_batch_add(struct nfnl_batch *b, struct nfnl *nl, uint16_t type,
				uint16_t family, uint16_t flags, size_t room, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Ends the message nfnl_batch_add() started. */
void nfnl_batch_done(struct nfnl_batch *b, struct nlmsghdr *nlh);

/* Adds a whole message that names one object of table and nothing else:
 * kind NFNL_TABLE (name unused), NFNL_CHAIN, NFNL_SET, NFNL_COUNTER, or
 * NFNL_RULE (every rule of chain name: a flush, with NFT_MSG_DELRULE).
 * Returns 0, or -1 with ENOMEM and b->failed. */
int nfnl_batch_add_named(struct nfnl_batch *b, struct nfnl *nl, uint16_t type,
			 uint16_t family, uint16_t flags, enum nfnl_kind kind, const char *table,
			 const char *name, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

/* Sends the batch between a batch begin and end in one sendmsg(); only
 * the last message asks for an ack, failures are always answered. Returns
 * 0 (also for an empty batch, which is not sent), or -1 with errno and
 * err: ENOMEM when b->failed (nothing sent); the kernel's error for the
 * first refused message, err naming it ("nftables refused adding chain
 * in (nothing was changed): File exists"); EBUSY when the refusals did
 * not fit in the receive buffer. */
int nfnl_batch_send(struct nfnl *nl, struct nfnl_batch *b, struct ctv_err *err);

/* Frees what b holds and empties it. */
void nfnl_batch_free(struct nfnl_batch *b);

/* The answers to a batch: the kernel processes the whole batch, then
 * reports every failed message and acks the one that asked for it. */
struct nfnl_ack {
	uint32_t begin_seq; /* an error about the batch itself also ends it */
	uint32_t last_seq;  /* the message whose ack ends the answer */
	int done;           /* the end was seen */
	int error;          /* first failure (positive errno), 0 if none */
	uint32_t error_seq; /* the sequence number of the failed message */
};

/* Notes the NLMSG_ERROR answers (acks and errors) among the netlink
 * messages in buf (len bytes, as received) in *st. Never fails; other
 * messages and a truncated tail are ignored. */
void nfnl_ack_scan(struct nfnl_ack *st, const void *buf, size_t len);

/* ---- expressions ---------------------------------------------------------- */

/* Each builder appends one expression to r. When r is NULL or the
 * expression cannot be allocated, *failed is set and -1 returned
 * (ENOMEM): the caller's model or batch then fails as a whole, so a rule
 * never reaches the kernel without one of its matches. Returns 0. */

/* Appends e; e NULL (its allocation failed) or r NULL fails as above. */
int nfnl_expr_add(struct nftnl_rule *r, int *failed, struct nftnl_expr *e);
/* dreg = meta KEY */
int nfnl_expr_meta(struct nftnl_rule *r, int *failed, uint32_t key, uint32_t dreg);
/* sreg == data (len bytes, as the register holds them) */
int nfnl_expr_cmp_eq(struct nftnl_rule *r, int *failed, uint32_t sreg, const void *data,
		     uint32_t len);
/* dreg = len bytes at off from base (NFT_PAYLOAD_*_HEADER) */
int nfnl_expr_payload(struct nftnl_rule *r, int *failed, uint32_t base, uint32_t off,
		      uint32_t len, uint32_t dreg);
/* sreg in set (set_id 0: the set exists already; dreg NFNL_NO_REG: a
 * plain set, else the map's value, e.g. NFT_REG_VERDICT) */
int nfnl_expr_lookup(struct nftnl_rule *r, int *failed, const char *set, uint32_t set_id,
		     uint32_t sreg, uint32_t dreg);
/* count in the named counter object */
int nfnl_expr_counter_ref(struct nftnl_rule *r, int *failed, const char *name);
/* count in the counter that map set (set_id as above) gives for sreg */
int nfnl_expr_counter_map(struct nftnl_rule *r, int *failed, const char *set, uint32_t set_id,
			  uint32_t sreg);
/* the verdict (NF_ACCEPT, NF_DROP) */
int nfnl_expr_verdict(struct nftnl_rule *r, int *failed, uint32_t verdict);
/* dreg = ct KEY */
int nfnl_expr_ct_load(struct nftnl_rule *r, int *failed, uint32_t key, uint32_t dreg);
/* ct KEY = sreg */
int nfnl_expr_ct_set(struct nftnl_rule *r, int *failed, uint32_t key, uint32_t sreg);
/* reg = (reg & mask) ^ xor, 4 bytes */
int nfnl_expr_bitwise(struct nftnl_rule *r, int *failed, uint32_t reg, uint32_t mask,
		      uint32_t xor);
/* dreg = the socket's cgroup v2 id at level */
int nfnl_expr_socket_cgroup(struct nftnl_rule *r, int *failed, uint32_t level, uint32_t dreg);

/* ---- events ----------------------------------------------------------------- */


#define NFNL_NAME_MAX 256 /* NFT_NAME_MAXLEN, with the NUL */

/* One change of the ruleset. */
struct nfnl_event {
	uint16_t family;            /* NFPROTO_* of the table */
	enum nfnl_kind kind;
	int created;                /* 1 new, 0 deleted */
	char table[NFNL_NAME_MAX];  /* "" for NFNL_GEN */
	char name[NFNL_NAME_MAX];   /* the object's name; a rule's chain; "" for a table */
	uint64_t handle;            /* a rule's handle, else 0 */
	uint32_t gen;               /* NFNL_GEN: the new generation id */
	uint32_t pid;               /* NFNL_GEN: the committing process, 0 if not said */
	char proc[16];              /* NFNL_GEN: its name (comm), "" if not said */
};

/* Called per decoded event; a non-zero return stops the read and is
 * returned by nfnl_events_read(). */
typedef int (*nfnl_event_cb)(const struct nfnl_event *ev, void *data);

/* Opens a socket subscribed to the NFNLGRP_NFTABLES group (the events
 * `nft monitor` shows), with a large receive buffer and no timeout; poll
 * nfnl_fd() for readiness. Returns 0, or -1 with errno and err. */
int nfnl_events_open(struct nfnl *nl, struct ctv_err *err);

/* The socket's descriptor, for poll(); -1 when nl talks through io. */
int nfnl_fd(const struct nfnl *nl);

/* Decodes one netlink message into *ev. Returns 1 when it is an event of
 * a kind above, 0 when it is another message (set elements, other
 * objects, other subsystems), -1 with EINVAL when it is one but its
 * attributes are malformed. */
int nfnl_event_decode(const struct nlmsghdr *nlh, struct nfnl_event *ev);

/* Receives once (blocking; use poll() first to wait with a limit) and
 * passes every decoded event to cb, in order (malformed ones are
 * skipped). Returns cb's non-zero
 * value, or 0 when every event was passed, or -1 with errno and err:
 * ENOBUFS means the kernel dropped events because we read too slowly, so
 * what is installed must be read again. */
int nfnl_events_read(struct nfnl *nl, nfnl_event_cb cb, void *data, struct ctv_err *err);

#endif
