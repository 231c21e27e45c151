#include "config.h"

#include <linux/netlink.h>

#include <libmnl/libmnl.h>

#include "nlack.h"

void nlack_scan(struct nlack *st, const void *buf, size_t len)
{
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	/* Acks are control messages, which mnl_cb_run() keeps to itself. */
	for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		const struct nlmsgerr *e;

		if (h->nlmsg_type != NLMSG_ERROR)
			continue;
		e = mnl_nlmsg_get_payload(h);
		if (e->error && !st->error) {
			st->error = -e->error;
			st->error_seq = h->nlmsg_seq;
		}
		if (h->nlmsg_seq == st->last_seq || h->nlmsg_seq == st->begin_seq)
			st->done = 1;
	}
}
