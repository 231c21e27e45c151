/* containers.h - the node's containers file: which container is behind
 * which bridge port or which routed addresses.
 *
 * Format (contract), one container per line, '#' comments, blank lines:
 *   CTID veth IFNAME                  bridged: the host side of its veth
 *   CTID ip ADDR[,ADDR]... [dev IFNAME]
 *                                     routed (venet-like), IPv4/IPv6
 * "dev IFNAME" (an extension) names the host device the addresses are
 * routed through; without it ctnode setup asks the kernel's routing table.
 * CTID: 1 to 64 of [A-Za-z0-9._-], starting with a letter or digit.
 * Duplicate CTIDs, bridged interfaces or addresses are refused; routed
 * containers may share a device (venet0), a bridged port may not carry
 * routed containers.
 */
#ifndef CTV_CONTAINERS_H
#define CTV_CONTAINERS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONTAINERS_ID_MAX 64
#define CONTAINERS_MAX 16384 /* duplicates are checked pairwise: keep it quadratic-safe */
#define CONTAINERS_ADDRS_MAX 256 /* per container */

enum containers_kind {
	CONTAINERS_VETH,
	CONTAINERS_IP,
};

struct containers_addr {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 */
};

struct containers_ct {
	char id[CONTAINERS_ID_MAX + 1];
	enum containers_kind kind;
	char ifname[IF_NAMESIZE]; /* veth: the host port; ip: "dev", or "" */
	struct containers_addr *addrs; /* ip only */
	size_t n_addrs;
	unsigned line;
};

struct containers {
	struct containers_ct *v; /* in file order */
	size_t n;
};

/* Parses text (len bytes) named name in messages. Returns 0, or -1 with
 * err "NAME:LINE: what is wrong"; *out is then empty. */
int containers_parse(const char *text, size_t len, const char *name,
		     struct containers *out, struct ctv_err *err);

/* Reads and parses the file at path. Returns 0 or -1 (err says why). */
int containers_load(const char *path, struct containers *out, struct ctv_err *err);

void containers_free(struct containers *c);

/* 1 if s is a valid CTID, else 0. */
int containers_id_valid(const char *s);

/* The container with this id, or NULL. */
const struct containers_ct *containers_find(const struct containers *c, const char *id);

#endif
