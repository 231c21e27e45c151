#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

int cidr_max_prefix(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Decimal digits only, at least one; the value saturates above 128, which
 * is all a caller needs to know of it. */
static int read_prefix(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (*v <= 128)
			*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* inet_pton needs a C string; no address text is 64 bytes long. */
static unsigned read_addr(const char *s, size_t n, unsigned flags, struct cidr *out)
{
	unsigned accept = flags & (CIDR_V4 | CIDR_V6);
	char buf[64];

	if (n >= sizeof(buf) || memchr(s, '\0', n))
		return CIDR_E_ADDR;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = AF_INET6;
	else
		return CIDR_E_ADDR;
	if (accept && !(accept & (out->family == AF_INET ? CIDR_V4 : CIDR_V6)))
		return CIDR_E_FAMILY;
	return 0;
}

int cidr_parse(const char *text, size_t len, unsigned flags, struct cidr *out, unsigned *faults)
{
	const char *slash = NULL;
	unsigned f = 0, prefix = 0;
	size_t alen = len;
	int max;

	memset(out, 0, sizeof(*out));
	if ((flags & CIDR_TEXT_LIMIT) && len > CIDR_TEXT_MAX) {
		f = CIDR_E_TOO_LONG;
		goto fail;
	}
	if (!(flags & CIDR_PREFIX_NONE))
		slash = memchr(text, '/', len);
	if (slash) {
		alen = (size_t)(slash - text);
		if (read_prefix(slash + 1, len - alen - 1, &prefix) < 0 || prefix > 128)
			f |= CIDR_E_PREFIX_SYNTAX;
	} else if (flags & CIDR_PREFIX_REQUIRED) {
		f |= CIDR_E_NO_PREFIX;
	}
	f |= read_addr(text, alen, flags, out);
	max = out->family ? cidr_max_prefix(out->family) : 128;
	if (slash && !(f & CIDR_E_PREFIX_SYNTAX) && prefix > (unsigned)max)
		f |= CIDR_E_PREFIX_RANGE;
	if (!(f & (CIDR_E_PREFIX_SYNTAX | CIDR_E_PREFIX_RANGE)))
		out->prefix = (uint8_t)(slash ? prefix : (unsigned)max);
	if (!f && cidr_has_host_bits(out)) {
		if (flags & CIDR_HOST_BITS_REFUSE)
			f |= CIDR_E_HOST_BITS;
		else if (flags & CIDR_HOST_BITS_MASK)
			cidr_mask(out);
	}
fail:
	if (faults)
		*faults = f;
	if (!f)
		return 0;
	errno = EINVAL;
	return -1;
}

int cidr_has_host_bits(const struct cidr *c)
{
	int max = cidr_max_prefix(c->family);

	for (int bit = c->prefix; bit < max; bit++)
		if (c->addr[bit / 8] & (0x80 >> (bit % 8)))
			return 1;
	return 0;
}

void cidr_mask(struct cidr *c)
{
	int max = cidr_max_prefix(c->family);

	for (int bit = c->prefix; bit < max; bit++)
		c->addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
}

const char *cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		a[0] = '\0';
	snprintf(buf, len, "%s/%u", a, c->prefix);
	return buf;
}
