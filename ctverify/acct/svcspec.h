/* svcspec.h - the parsed form of *.rules files: an ordered list of
 * services. Exclusive, first match wins in this order; the buckets "local"
 * (loopback, always first) and "other" (no service matched, always last)
 * are implicit and their names are reserved.
 *
 * Rule language (contract, ARCHITECTURE.md "Service rules"):
 *   service NAME [proto=tcp|udp|icmp|any] [lport=P[,P|A-B]...]
 *                [rport=...] [user=NAME|UID] [group=NAME|GID]
 *                [cgroup=PATH] [peer=CIDR[,CIDR]...]   # comment
 */
#ifndef CTV_SVCSPEC_H
#define CTV_SVCSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "classes.h"
#include "err.h"

#define SVC_NAME_MAX 32     /* bytes, [A-Za-z0-9_.-], starts with a letter or digit */
#define SVC_MAX 4096        /* services in one spec */
#define SVC_LIST_MAX 1024   /* ports/ranges or peers in one option */

enum svc_proto {
	SVC_PROTO_ANY = 0,
	SVC_PROTO_TCP,
	SVC_PROTO_UDP,
	SVC_PROTO_ICMP, /* ICMP for IPv4, ICMPv6 for IPv6 */
};

struct svc_portrange {
	uint16_t first, last; /* inclusive; first == last for one port */
};

struct svc_cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t addr[16]; /* network byte order, host bits cleared */
};

struct svc {
	char name[SVC_NAME_MAX + 1];
	enum svc_proto proto;
	struct svc_portrange *lports; /* the container's own port */
	size_t n_lports;
	struct svc_portrange *rports; /* the peer's port */
	size_t n_rports;
	int match_uid, match_gid;     /* socket owner, resolved at parse time */
	uint32_t uid, gid;
	char *cgroup;                 /* cgroup v2 path, NULL if none */
	struct svc_cidr *peers;
	size_t n_peers;
	char *file;                   /* where it was defined, for messages */
	unsigned line;
};

struct svcspec {
	struct svc *svcs;
	size_t n;
	/* The node's classes mirrored beside the services (rules install
	 * --classes): every non-loopback packet is also counted in the bucket
	 * "class:N" of its class. Empty (n 0): no mirror. Kept in the saved
	 * spec by rulestate, not in the rules language. */
	struct classes classes;
};

/* An empty spec (zero services); svcspec_free() releases a filled one. */
void svcspec_init(struct svcspec *spec);

/* Frees everything spec owns and makes it empty again. */
void svcspec_free(struct svcspec *spec);

/* Parses len bytes of rules text named file (for messages) and appends its
 * services to spec. Returns 0, or -1 with "FILE:LINE: what is wrong" in err;
 * on error spec is left exactly as it was (nothing of this text is kept).
 * User and group names are resolved here (getpwnam/getgrnam). */
int svcspec_parse_buffer(struct svcspec *spec, const char *file,
			 const char *buf, size_t len, struct ctv_err *err);

/* Reads path and parses it like svcspec_parse_buffer(). Returns -1 with
 * errno set and "PATH: strerror" in err when the file cannot be read. */
int svcspec_parse_file(struct svcspec *spec, const char *path, struct ctv_err *err);

/* The canonical text of spec: one line per service, options in a fixed
 * order, ids numeric, lists as given. Parsing it back gives an equal spec.
 * Returns a malloc'ed string, or NULL with errno ENOMEM. */
char *svcspec_format(const struct svcspec *spec);

/* The canonical text of one service (without newline) into buf, like
 * snprintf: returns the length it needed. */
int svcspec_format_svc(const struct svc *svc, char *buf, size_t size);

/* 1 if a and b match the same packets in the same buckets (same canonical
 * text), 0 if not, -1 without memory. */
int svcspec_equal(const struct svcspec *a, const struct svcspec *b);

/* The class buckets of spec's mirror: each class (0..15) some address
 * falls in, ascending, into ids (room for CLASSES_MAX). Returns how many
 * (0 without a mirror), or -1 with errno ENOMEM. */
int svcspec_class_ids(const struct svcspec *spec, int *ids);

/* The networks_classes text of spec's mirror ("N ADDR/PREFIX" per line, in
 * file order), each line after prefix. malloc'ed, or NULL with errno
 * ENOMEM. "" without a mirror. */
char *svcspec_classes_format(const struct svcspec *spec, const char *prefix);

/* Protocol name as in the rules language ("tcp"). */
const char *svcspec_proto_name(enum svc_proto proto);

/* 1 if svc needs the socket owner (user, group or cgroup), so that its
 * incoming packets are attributed through the connection mark. */
int svcspec_is_owner(const struct svc *svc);

#endif
