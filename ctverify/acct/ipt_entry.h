/* ipt_entry.h - x_tables entries (struct ipt_entry / ip6t_entry with their
 * matches and target) built byte by byte, as the kernel and libiptc take
 * them: each match and the target XT_ALIGN'ed, target_offset and
 * next_offset set. Pure: no kernel, no libiptc.
 *
 * The matches used: tcp, udp (ports and port ranges), iprange, owner,
 * cgroup (v2 path), connmark, comment; the ip header part for protocol,
 * lo and single CIDRs. Targets: a standard one (a chain name, "RETURN",
 * or "" to fall through; goto or jump) and CONNMARK --set-xmark.
 */
#ifndef CTV_IPT_ENTRY_H
#define CTV_IPT_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ipt_tree.h"
#include "svcspec.h"

struct iptent {
	int family;          /* AF_INET or AF_INET6 */
	unsigned char *buf;  /* the entry; ipt_entry or ip6t_entry first */
	size_t len, cap;
	int has_target;
	int failed;          /* out of memory: iptent_finish() fails */
};

/* Starts an empty entry (matches everything, no target yet). */
int iptent_begin(struct iptent *e, int family);

void iptent_free(struct iptent *e);

/* The size of the ip part: sizeof(struct ipt_entry) or ip6t_entry. */
size_t iptent_header_size(int family);

/* Header fields. proto 0 = any. */
void iptent_proto(struct iptent *e, uint8_t proto);
void iptent_iface(struct iptent *e, int out, const char *name);
/* addr is big-endian, 4 or 16 bytes by family. */
void iptent_addr(struct iptent *e, int dst, const uint8_t *addr, unsigned prefix);
void iptent_goto(struct iptent *e);

/* Appends a match with its data (size bytes, padded to XT_ALIGN). */
void iptent_match(struct iptent *e, const char *name, uint8_t revision,
		  const void *data, size_t size);

/* A standard target: a chain name, "RETURN", "ACCEPT", or "" (fall
 * through). */
void iptent_target_std(struct iptent *e, const char *name);

/* Any other target with its data. */
void iptent_target(struct iptent *e, const char *name, uint8_t revision,
		   const void *data, size_t size);

/* Sets the offsets. Returns 0, or -1 with errno ENOMEM (or EINVAL without
 * a target). */
int iptent_finish(struct iptent *e);

/* Convenience for the backend: the match for ports lo..hi of dim (tcp or
 * udp by proto), of one address range (header CIDR when it is one,
 * otherwise iprange), of the owner id in the connection mark, of a
 * service's socket owner (owner and cgroup), and the CONNMARK target
 * setting an owner id. dir_in: IN direction (lport = dport, peer = src). */
void iptent_dim(struct iptent *e, int dir_in, int dim, uint8_t proto,
		ipttree_u128 lo, ipttree_u128 hi);
void iptent_mark(struct iptent *e, unsigned id, int invert);
void iptent_owner(struct iptent *e, const struct svc *s);
void iptent_set_mark(struct iptent *e, unsigned id);
void iptent_comment(struct iptent *e, const char *text);

/* Builds the entry for a tree rule; target is the chain name the rule
 * jumps to ("RETURN" for IPTTREE_T_RETURN), always as a goto. */
int iptent_from_rule(struct iptent *e, int family, enum ipttree_kind kind,
		     const struct svcspec *spec, const struct ipttree_rule *r,
		     const char *target);

/* Finds the match called name in an entry; NULL if absent. */
const void *iptent_find_match(int family, const void *entry, const char *name,
			      size_t *size);

#endif
