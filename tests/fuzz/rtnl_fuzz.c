/* Fuzz target: rtnl's link event decoder over a receive buffer of
 * netlink messages, walked as rtnl_links_read() walks it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfnl.h"
#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Netlink messages are 4-byte aligned in the receive buffer. */
	uint32_t *buf = malloc(size + 4);
	int left = (int)size;

	if (!buf || size > 65536) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	for (const struct nlmsghdr *h = (const void *)buf; nfnl_msg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		struct rtnl_link_event ev;

		if (rtnl_link_decode(h, &ev) == 1 && (strlen(ev.ifname) >= IF_NAMESIZE || !ev.ifname[0]))
			abort(); /* a name is always NUL-terminated within IFNAMSIZ, never empty */
	}
	free(buf);
	return 0;
}
