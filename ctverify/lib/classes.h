/* classes.h - Virtuozzo networks_classes: which network class a peer
 * address belongs to, and the same flattened into disjoint ranges so the
 * kernel needs one interval lookup per packet.
 *
 * File format (contract, byte for byte compatible with Virtuozzo):
 *   <class> <addr>/<prefix>      # class 0..15, IPv4 or IPv6
 * '#' starts a comment (also after the fields), blank lines are ignored,
 * fields are separated by spaces or tabs, a CR before the newline is
 * ignored. A network with host bits set is masked (as the Virtuozzo
 * kernel does). Where vzctl's loader is lax we refuse, and the message
 * says what vzctl would have done: a missing /prefix (vzctl skips the
 * line; a typo must not silently drop or add a network on a bill) and a
 * prefix above the family's maximum (vzctl caps it).
 *
 * Semantics: class 0 ("not accounted", the node's own networks) takes
 * precedence over everything; otherwise the longest prefix wins and the
 * later line wins a tie. Class 1 must be given for 0.0.0.0/0; ::/0 is
 * optional, as in Virtuozzo's man page example: without it, IPv6 peers
 * outside every listed network are class 0 (not accounted), and the
 * loader has a notice for it (classes_notice()).
 */
#ifndef CTV_CLASSES_H
#define CTV_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CLASSES_MAX 16      /* class ids 0..15 */
#define CLASSES_NETS_MAX 65536

struct classes_net {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t cls;
	uint8_t addr[16]; /* network byte order, host bits cleared; IPv4 in the first 4 */
	unsigned line;
};

struct classes {
	struct classes_net *nets; /* in file order */
	size_t n;
};

/* One maximal run of addresses with the same class. cls 0 means "not
 * accounted" (a class-0 network). Ranges of one family are sorted,
 * disjoint and together cover the whole address space. */
struct classes_range {
	uint8_t first[16], last[16]; /* inclusive, network byte order */
	uint8_t cls;
};

struct classes_flat {
	struct classes_range *v4, *v6;
	size_t n4, n6;
};

/* Parses text (len bytes, need not be NUL-terminated) named name in
 * messages. Returns 0, or -1 with err "NAME:LINE: what is wrong"; *out
 * is then empty. */
int classes_parse(const char *text, size_t len, const char *name,
		  struct classes *out, struct ctv_err *err);

/* Reads and parses the file at path. Returns 0 or -1 (err says why). */
int classes_load(const char *path, struct classes *out, struct ctv_err *err);

void classes_free(struct classes *c);

#define CLASSES_NOTICE_MAX 320

/* What loading c has to tell that is not an error, as one line naming
 * the file (name) in buf (len bytes; CLASSES_NOTICE_MAX and a short name
 * fit), or NULL when there is nothing: no line gives ::/0 a class, so
 * IPv6 peers outside the listed networks are class 0, not accounted.
 * The caller decides whether and where to show it. Returns buf or NULL. */
const char *classes_notice(const struct classes *c, const char *name, char *buf, size_t len);

/* The class of addr (4 or 16 bytes, network order) by the file's rules,
 * evaluated line by line: the reference the flattening is checked
 * against. Returns 0..15, or -1 if no network matches. */
int classes_lookup(const struct classes *c, int family, const void *addr);

/* Flattens c into disjoint ranges per family. Returns 0, or -1 with errno
 * ENOMEM. */
int classes_flatten(const struct classes *c, struct classes_flat *out, struct ctv_err *err);

void classes_flat_free(struct classes_flat *f);

/* The class of addr in the flattened form (binary search). Returns 0..15
 * (0 also where no network matched). */
int classes_flat_lookup(const struct classes_flat *f, int family, const void *addr);

/* Formats an address as text. Returns buf. */
const char *classes_addr_str(int family, const void *addr, char *buf, size_t len);

#endif
