/* rtnl.c - the node's link events (rtnl.h). */
#include "config.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "nfnl.h"
#include "rtnl.h"

struct mnl_socket *rtnl_links_open(struct ctv_err *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int size = 1 << 20;

	if (!nl) {
		ctv_err_sys(err, errno, "netlink: cannot open a rtnetlink socket");
		return NULL;
	}
	/* A burst of container restarts must not overflow us. */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		ctv_err_sys(err, e, "netlink: cannot subscribe to link events");
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

static int name_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **name = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME)
		*name = a;
	return MNL_CB_OK;
}

int rtnl_link_decode(const struct nlmsghdr *nlh, struct rtnl_link_event *ev)
{
	const struct nlattr *name = NULL;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return 0;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
	    mnl_attr_parse(nlh, sizeof(*ifi), name_cb, &name) < 0 || !name ||
	    mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_get_payload_len(name) > IF_NAMESIZE || !*mnl_attr_get_str(name)) {
		errno = EINVAL;
		return -1;
	}
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(ev, 0, sizeof(*ev));
	ev->created = nlh->nlmsg_type == RTM_NEWLINK;
	ev->ifindex = ifi->ifi_index;
	memcpy(ev->ifname, mnl_attr_get_str(name), mnl_attr_get_payload_len(name));
	return 1;
}

int rtnl_links_read(struct mnl_socket *nl, void (*cb)(const struct rtnl_link_event *ev, void *data),
		    void *data, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	int left;

	if (n < 0) {
		ctv_err_sys(err, errno, "netlink: reading link events");
		return -1;
	}
	left = (int)n;
	/* Not mnl_nlmsg_ok(): a length of 2^31 or more passed it and the
	 * walk jumped out of buf (found by rtnl_fuzz, nfnl_msg_ok()). */
	for (const struct nlmsghdr *h = (const void *)buf; nfnl_msg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		struct rtnl_link_event ev;

		if (rtnl_link_decode(h, &ev) == 1)
			cb(&ev, data);
	}
	return 0;
}
