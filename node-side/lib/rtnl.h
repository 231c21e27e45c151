/* rtnl.h - the node's link events: rtnetlink RTM_NEWLINK/RTM_DELLINK, so
 * ctnode collect sees a container's device go away and come back
 * (container restart: the veth pair deleted and made again under the same
 * name). Not nftables: the one-netfilter-socket rule covers
 * NETLINK_NETFILTER only. Nothing here prints.
 */
#ifndef CTNODE_RTNL_H
#define CTNODE_RTNL_H

#include <net/if.h>

#include <libmnl/libmnl.h>

#include "err.h"

/* One link event. */
struct rtnl_link_event {
	int created;            /* 1 RTM_NEWLINK (also a change), 0 RTM_DELLINK */
	int ifindex;
	char ifname[IF_NAMESIZE];
};

/* Opens a NETLINK_ROUTE socket subscribed to RTMGRP_LINK. NULL with
 * errno and err. */
struct mnl_socket *rtnl_links_open(struct ctv_err *err);

/* Decodes one message: 1 a link event with its name, 0 another message,
 * -1 (EINVAL) a link message without a valid name (missing, empty, not
 * NUL-terminated within IF_NAMESIZE). */
int rtnl_link_decode(const struct nlmsghdr *nlh, struct rtnl_link_event *ev);

/* Receives once and passes every link event to cb, in order. 0, or -1
 * with errno and err (ENOBUFS: events were lost, look at the devices
 * again). */
int rtnl_links_read(struct mnl_socket *nl, void (*cb)(const struct rtnl_link_event *ev, void *data),
		    void *data, struct ctv_err *err);

#endif
