/* ipt_tree.h - the first-match service classifier compiled into a balanced
 * tree of chains, for the legacy iptables backend. Pure logic: no kernel,
 * no libiptc; the backend turns these abstract rules into x_tables entries.
 *
 * A linear list of 1,000 rules costs 1,000 rule evaluations per packet.
 * Here every service is a product of interval sets (container port, peer
 * port, peer address) plus an owner condition; the builder partitions one
 * dimension at a time into elementary intervals, resolves first-match
 * precedence per interval at build time, and dispatches on the intervals
 * with a binary tree of chains (two rules per level). Every transfer below
 * the entry chain is a goto, so a leaf's RETURN (or the end of a counter
 * chain) returns straight to the built-in chain.
 *
 * Buckets: 0 "local", 1..n the services in spec order, n+1 "other".
 */
#ifndef CTV_IPT_TREE_H
#define CTV_IPT_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "svcspec.h"

typedef unsigned __int128 ipttree_u128;

/* The connection mark bits the backend owns: an owner id 1..255 per
 * service with user=/group=/cgroup=, 0 = none. Other bits are never
 * touched (CONNMARK --set-xmark ID/MASK). */
#define IPTTREE_MARK_SHIFT 16
#define IPTTREE_MARK_MASK 0x00ff0000u
#define IPTTREE_MARK_MAX 255

enum ipttree_kind {
	IPTTREE_IN,   /* PREROUTING: count received packets */
	IPTTREE_OUT,  /* POSTROUTING: count sent packets */
	IPTTREE_MARK, /* OUTPUT: set the owner id of the connection */
};

enum ipttree_dim {
	IPTTREE_LPORT, /* the container's port: dport in, sport out */
	IPTTREE_RPORT, /* the peer's port */
	IPTTREE_PEER,  /* the peer's address: saddr in, daddr out */
	IPTTREE_NDIM,
};

enum ipttree_tkind {
	IPTTREE_T_CHAIN,  /* goto chain arg */
	IPTTREE_T_BUCKET, /* goto the counter (IN/OUT) or set-mark (MARK) chain of bucket arg */
	IPTTREE_T_RETURN, /* RETURN */
};

struct ipttree_target {
	enum ipttree_tkind kind;
	unsigned arg;
};

struct ipttree_rule {
	uint8_t proto;    /* 0 any, else IPPROTO_TCP/UDP/ICMP/ICMPV6 */
	uint8_t loopback; /* iif lo (IN) or oif lo (OUT) */
	int dim;          /* -1, or the dimension tested against [lo, hi] */
	ipttree_u128 lo, hi;
	int mark;         /* 0 none; 1 ctmark & MASK == mark_val; -1 != */
	uint32_t mark_val;
	int owner;        /* -1, or the service whose user/group/cgroup must match */
	struct ipttree_target t;
};

struct ipttree_chain {
	struct ipttree_rule *r;
	size_t n, cap;
};

struct ipttree {
	enum ipttree_kind kind;
	int family;           /* AF_INET or AF_INET6 */
	size_t n_svcs;        /* the spec's services; buckets 0..n_svcs+1 */
	struct ipttree_chain *c; /* c[0] is the entry chain */
	size_t n, cap;
	size_t n_rules;
};

/* A packet as the classifier sees it (tests and simulations). */
struct ipttree_pkt {
	int loopback;
	uint8_t proto;
	uint16_t lport, rport;
	ipttree_u128 peer;
	int frag;            /* a non-first fragment: its ports cannot be seen */
	unsigned mark;       /* the owner id in the connection mark, 0 none */
	int has_owner;       /* a local socket: uid/gid/cgroup are known */
	uint32_t uid, gid;
	const char *cgroup;
};

/* The owner id (1..255) of spec->svcs[i], or 0 if it has no
 * user/group/cgroup condition. */
unsigned ipttree_owner_id(const struct svcspec *spec, size_t i);

/* Builds the classifier of kind for family. Returns 0, or -1 with err set
 * (ERANGE: more than 255 services with an owner condition; E2BIG: more
 * than max_rules rules would be needed). */
int ipttree_build(struct ipttree *t, const struct svcspec *spec, int family,
		  enum ipttree_kind kind, size_t max_rules, struct ctv_err *err);

void ipttree_free(struct ipttree *t);

/* Runs pkt through the compiled chains: the bucket it is counted in (or,
 * for MARK, the bucket whose owner id is set), -1 if it returns unmatched,
 * -2 if it falls off a chain or loops (a builder bug). *steps (if not
 * NULL) gets the number of rules evaluated. */
int ipttree_classify(const struct ipttree *t, const struct svcspec *spec,
		     const struct ipttree_pkt *pkt, size_t *steps);

/* The same decision by walking the services linearly: the reference the
 * tree must agree with. */
int ipttree_reference(const struct svcspec *spec, int family, enum ipttree_kind kind,
		      const struct ipttree_pkt *pkt);

/* The mirror of the node's classes (svcspec.classes) for kind IN or OUT
 * and family: a tree of its own, entered after the services' tree, that
 * counts every packet once more by the class of its peer address. The
 * entry chain returns loopback at once (it is in no class), then a
 * binary tree over the family's flattened class ranges (disjoint, covering
 * every address) ends in bucket first_bucket + class. Returns 0 (an empty
 * tree without classes), or -1 with err. */
int ipttree_build_classes(struct ipttree *t, const struct svcspec *spec, int family,
			  enum ipttree_kind kind, unsigned first_bucket, struct ctv_err *err);

#endif
