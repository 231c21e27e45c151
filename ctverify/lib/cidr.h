/* cidr.h - one parser for an address or a network written as text
 * ("198.18.0.0/24", "2001:db8:5::/48", "198.18.0.1").
 *
 * Four inputs read such text and disagree on purpose: the rules
 * language's peer= refuses host bits (a typo there would count the wrong
 * peers), networks_classes masks them (the Virtuozzo kernel does) and
 * requires the prefix, reconcile's --neighbors takes either as written,
 * and the containers file takes bare addresses. The flags say which; a
 * failure reports every fault found as bits, so that each caller names
 * them in its own words and in its own order.
 */
#ifndef CTV_CIDR_H
#define CTV_CIDR_H

#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t prefix;   /* 0..32 or 0..128 */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4, the rest 0 */
};

/* Flags of cidr_parse(). */
enum {
	/* Families accepted (neither: both). */
	CIDR_V4 = 1 << 0,
	CIDR_V6 = 1 << 1,
	/* The prefix, at most one of these. Neither: optional, and an address
	 * without one is a host (/32 or /128). */
	CIDR_PREFIX_REQUIRED = 1 << 2,
	CIDR_PREFIX_NONE = 1 << 3, /* an address alone: "a/24" is not an address */
	/* Bits set after the prefix, at most one of these. Neither: kept as
	 * written ("10.1.2.3/24" stays 10.1.2.3 with prefix 24). */
	CIDR_HOST_BITS_REFUSE = 1 << 4,
	CIDR_HOST_BITS_MASK = 1 << 5,
	/* Refuse a text longer than CIDR_TEXT_MAX bytes before reading it. */
	CIDR_TEXT_LIMIT = 1 << 6,
};

/* The longest text CIDR_TEXT_LIMIT lets through: the longest IPv6 text
 * (45), '/', and a prefix with a few leading zeros. */
#define CIDR_TEXT_MAX 53

/* A buffer for cidr_format(): INET6_ADDRSTRLEN, '/', three digits. */
#define CIDR_STR_LEN 50

/* Faults, as bits: cidr_parse() sets every one that applies (except after
 * CIDR_E_TOO_LONG, which is alone). */
enum {
	CIDR_E_TOO_LONG = 1 << 0,      /* CIDR_TEXT_LIMIT and over CIDR_TEXT_MAX bytes */
	CIDR_E_ADDR = 1 << 1,          /* not an IPv4 or IPv6 address (a NUL byte included) */
	CIDR_E_FAMILY = 1 << 2,        /* an address of a family the flags do not accept */
	CIDR_E_NO_PREFIX = 1 << 3,     /* CIDR_PREFIX_REQUIRED and no '/' */
	CIDR_E_PREFIX_SYNTAX = 1 << 4, /* after '/': empty, not only digits 0-9, or over 128 */
	CIDR_E_PREFIX_RANGE = 1 << 5,  /* at most 128 but over the family's maximum (33-128 for IPv4) */
	CIDR_E_HOST_BITS = 1 << 6,     /* CIDR_HOST_BITS_REFUSE and bits set after the prefix */
};

/* Parses len bytes of text (need not be NUL-terminated; no blanks are
 * skipped) by flags into *out. The prefix is decimal digits, leading
 * zeros allowed. *faults (when not NULL) gets the CIDR_E_* bits found.
 * Returns 0 (no fault), or -1 with errno EINVAL. After a failure *out
 * still holds what could be read, for messages: the family and address
 * unless CIDR_E_ADDR or CIDR_E_TOO_LONG; the prefix unless a prefix fault
 * (the family's maximum when it was missing); the address unmasked after
 * CIDR_E_HOST_BITS. */
int cidr_parse(const char *text, size_t len, unsigned flags, struct cidr *out, unsigned *faults);

/* 32 for AF_INET, 128 otherwise. */
int cidr_max_prefix(int family);

/* 1 if c has bits set after its prefix, else 0. */
int cidr_has_host_bits(const struct cidr *c);

/* Clears the bits after c's prefix. */
void cidr_mask(struct cidr *c);

/* Writes "ADDR/PREFIX" (inet_ntop's form of the address) into buf of len
 * bytes (CIDR_STR_LEN is enough), truncated if shorter. Returns buf. */
const char *cidr_format(const struct cidr *c, char *buf, size_t len);

#endif
