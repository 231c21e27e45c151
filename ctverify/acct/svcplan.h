/* svcplan.h - turns an ordered service list into lookups a firewall can do
 * in (almost) constant time per packet, keeping "first match wins".
 *
 * Consecutive services that match on one thing only (the local port, the
 * peer's port, or the peer's address) become one map step: their ranges
 * are flattened into disjoint intervals, each owned by the first service
 * (in file order) that covers it. Everything else (several options on one
 * line, socket owners) is a step of its own. Steps are evaluated in order,
 * so first match holds across steps too.
 */
#ifndef CTV_SVCPLAN_H
#define CTV_SVCPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "svcspec.h"

/* Mark bits of the connection mark used for socket-owner services: the
 * owner service's ordinal (1..255) lives in these bits; all others are
 * left as they are. */
#define SVCPLAN_MARK_MASK 0x00ff0000u
#define SVCPLAN_MARK_SHIFT 16
#define SVCPLAN_OWNER_MAX 255

enum svcplan_key {
	SVCPLAN_LPORT, /* the container's port: dport in, sport out */
	SVCPLAN_RPORT, /* the peer's port: sport in, dport out */
	SVCPLAN_PEER4, /* the peer's IPv4 address: saddr in, daddr out */
	SVCPLAN_PEER6,
};

/* An interval of keys, big-endian, width bytes of lo/hi used. */
struct svcplan_iv {
	uint8_t lo[16], hi[16];
	size_t svc; /* index into the spec */
};

struct svcplan_map {
	enum svcplan_key key;
	enum svc_proto proto;   /* TCP or UDP for port keys, ANY for peers */
	size_t width;           /* key bytes: 2, 4 or 16 */
	struct svcplan_iv *iv;  /* sorted, disjoint */
	size_t n;
};

enum svcplan_kind { SVCPLAN_MAP, SVCPLAN_SVC };

struct svcplan_step {
	enum svcplan_kind kind;
	struct svcplan_map map; /* SVCPLAN_MAP */
	size_t svc;             /* SVCPLAN_SVC: index into the spec; SVCPLAN_MAP:
				 * the first service of its group (maps of one
				 * group have disjoint keys and may be merged) */
};

struct svcplan {
	struct svcplan_step *steps;
	size_t n;
	unsigned *owner_id; /* per service: 1..255 for owner services, else 0 */
	size_t n_owners;
};

/* Builds the plan for spec. Returns 0, or -1 with a message in err (more
 * than SVCPLAN_OWNER_MAX owner services, or no memory). */
int svcplan_build(const struct svcspec *spec, struct svcplan *plan, struct ctv_err *err);

void svcplan_free(struct svcplan *plan);

/* Flattens n intervals, given in priority order (earlier wins where they
 * overlap), into sorted disjoint intervals with adjacent ones of the same
 * service merged. Returns the count, or -1 with errno ENOMEM. *out is
 * malloc'ed. */
long svcplan_flatten(const struct svcplan_iv *in, size_t n, size_t width,
		     struct svcplan_iv **out);

#endif
