/* Fuzz target: the CIDR parser. The first byte is the flags, the rest the
 * text. Beyond not crashing: what parses is well formed (prefix within
 * the family, IPv4 padded with zeros, no host bits when they were to be
 * masked or refused), formats and parses back to itself, and the flags
 * agree with one another (masking succeeds exactly where keeping does and
 * gives the kept network masked; refusing fails exactly on host bits;
 * faults are only those the flags can give). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOST_FLAGS (CIDR_HOST_BITS_REFUSE | CIDR_HOST_BITS_MASK)

static void check_good(const struct cidr *c, unsigned flags)
{
	struct cidr back;
	char buf[CIDR_STR_LEN];
	unsigned f;

	if (c->family != AF_INET && c->family != AF_INET6)
		abort();
	if (c->prefix > cidr_max_prefix(c->family))
		abort();
	if (c->family == AF_INET)
		for (int i = 4; i < 16; i++)
			if (c->addr[i])
				abort();
	if ((flags & HOST_FLAGS) && cidr_has_host_bits(c))
		abort();
	if ((flags & CIDR_PREFIX_NONE) && c->prefix != cidr_max_prefix(c->family))
		abort();
	cidr_format(c, buf, sizeof(buf));
	if (strlen(buf) > CIDR_TEXT_MAX)
		abort();
	if (cidr_parse(buf, strlen(buf), CIDR_TEXT_LIMIT | CIDR_PREFIX_REQUIRED | (flags & HOST_FLAGS),
		       &back, &f) < 0 || memcmp(&back, c, sizeof(back)) != 0)
		abort();
}

static void check_faults(unsigned f, unsigned flags)
{
	if (f == 0)
		abort();
	if ((f & CIDR_E_TOO_LONG) && (!(flags & CIDR_TEXT_LIMIT) || f != CIDR_E_TOO_LONG))
		abort();
	if ((f & CIDR_E_NO_PREFIX) && !(flags & CIDR_PREFIX_REQUIRED))
		abort();
	if ((f & CIDR_E_HOST_BITS) && (!(flags & CIDR_HOST_BITS_REFUSE) || f != CIDR_E_HOST_BITS))
		abort();
	if ((f & CIDR_E_FAMILY) && (f & CIDR_E_ADDR))
		abort();
	if ((f & CIDR_E_PREFIX_RANGE) && (f & (CIDR_E_ADDR | CIDR_E_PREFIX_SYNTAX)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	struct cidr got, kept, masked, refused;
	unsigned flags, f, fk, fm, fr;
	size_t len;
	int r, rk, rm, rr;

	if (size == 0)
		return 0;
	flags = data[0];
	len = size - 1;
	errno = 0;
	r = cidr_parse(text, len, flags, &got, &f);
	if (r == 0) {
		if (f != 0)
			abort();
		/* both host-bit flags: refusing wins */
		check_good(&got, flags);
	} else {
		if (r != -1 || errno != EINVAL)
			abort();
		check_faults(f, flags);
	}

	/* The host-bit flags against one another, the rest of the flags alike. */
	flags &= ~(unsigned)HOST_FLAGS;
	rk = cidr_parse(text, len, flags, &kept, &fk);
	rm = cidr_parse(text, len, flags | CIDR_HOST_BITS_MASK, &masked, &fm);
	rr = cidr_parse(text, len, flags | CIDR_HOST_BITS_REFUSE, &refused, &fr);
	if (rk != rm || fk != fm)
		abort();
	if (rk == 0) {
		cidr_mask(&kept);
		if (memcmp(&kept, &masked, sizeof(kept)) != 0)
			abort();
		if ((rr == 0) != !memcmp(&refused, &masked, sizeof(masked)))
			abort();
		if (rr < 0 && fr != CIDR_E_HOST_BITS)
			abort();
	} else if (rr == 0 || fr != fk) {
		abort();
	}

	/* A text with a '/' reads the same whether the prefix is optional or required. */
	if (!(flags & CIDR_PREFIX_NONE) && memchr(text, '/', len)) {
		struct cidr req;
		unsigned fq;
		int rq = cidr_parse(text, len, flags | CIDR_PREFIX_REQUIRED, &req, &fq);

		rk = cidr_parse(text, len, flags & ~(unsigned)CIDR_PREFIX_REQUIRED, &kept, &fk);
		if (rq != rk || fq != fk || (rq == 0 && memcmp(&req, &kept, sizeof(req)) != 0))
			abort();
	}
	return 0;
}
