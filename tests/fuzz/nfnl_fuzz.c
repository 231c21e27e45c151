/* Fuzz target for the netlink message parsers (nfnl.h): the bytes are a
 * stream of netlink messages as the kernel sends them (the corpus holds
 * answers and events recorded from a real kernel with strace, see
 * docs/RELIABILITY.md). nfnl_event_decode() on every message and
 * nfnl_ack_scan() on the whole stream never crash; a decoded event has
 * NUL-terminated names, and the ack scan reports an error only for an
 * error message it saw. */
#include "config.h"

#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "nfnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Aligned, as the receive buffer is. */
	uint32_t *buf = malloc(size + 4);
	const struct nlmsghdr *h;
	struct nfnl_ack st;
	int len, errors = 0;

	if (!buf || size > 1 << 24) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	len = (int)size;
	for (h = (const struct nlmsghdr *)buf; nfnl_msg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
		struct nfnl_event ev;

		errors += h->nlmsg_type == NLMSG_ERROR;
		memset(&ev, 0x5a, sizeof(ev));
		if (nfnl_event_decode(h, &ev) == 1 &&
		    (!memchr(ev.table, '\0', sizeof(ev.table)) || !memchr(ev.name, '\0', sizeof(ev.name))))
			abort();
	}
	memset(&st, 0, sizeof(st));
	st.last_seq = 0xffffffffu;
	nfnl_ack_scan(&st, buf, size);
	if (st.error && !errors)
		abort();
	free(buf);
	return 0;
}
