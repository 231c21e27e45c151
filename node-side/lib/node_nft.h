/* node_nft.h - the node's kernel accounting: one nftables table
 * ("netdev ctnode") counting L3 bytes and packets per container, network
 * class, direction and address family, loaded in one atomic batch, read in
 * one netlink dump.
 *
 * Layout (see docs/DESIGN.md "Node accounting"): base chains on the
 * ingress (from the container: outgoing) and egress (to the container:
 * incoming) hooks of every container's host device; per packet a fixed
 * number of lookups: peer address -> jump to the class's chain (a verdict
 * map over the flattened disjoint ranges), then container device or
 * address -> named counter. Counters are named
 * "ct<CTID>_c<class>_<in|out><4|6>" (a name nft reads back from its own
 * listing) so a reload keeps the counts of unchanged keys; setup moves
 * the counts of the names earlier versions used ("<CTID>:<class>:...").
 *
 * The egress hook sees the link-layer header (14 bytes on Ethernet); each
 * incoming counter records that length and reads subtract it per packet,
 * so every figure is the L3 length, IP header included.
 */
#ifndef CTV_NODE_NFT_H
#define CTV_NODE_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "classes.h"
#include "containers.h"
#include "err.h"

#define NODE_NFT_TABLE "ctnode"

/* One row: a container's traffic in one class and address family. */
struct node_counter {
	char ct[CONTAINERS_ID_MAX + 1];
	uint8_t cls;    /* 1..15 */
	uint8_t family; /* AF_INET or AF_INET6 */
	uint64_t in_bytes, in_packets, out_bytes, out_packets;
};

/* A container counted by its own device (bridged, "veth"): whether the
 * kernel hooks that device now. */
struct node_hook {
	char ct[CONTAINERS_ID_MAX + 1];
	char dev[16];  /* IF_NAMESIZE */
	int hooked;    /* the device exists and both base chains hook it */
};

struct node_counters {
	struct node_counter *v; /* sorted by ct (numeric ids numerically), class, family */
	size_t n;
	struct node_hook *hooks; /* node_nft_read_hooks only, else NULL */
	size_t nhooks;
};

/* What setup installs, resolved against the running system (devices,
 * link-header lengths). */
struct node_plan;

/* Builds the plan from parsed classes and containers: flattens classes,
 * finds the device of each routed container (its "dev", else the route
 * to its first address). The plan refers to cts, which must outlive it.
 * Returns NULL with err on failure (a routed container without route or
 * dev, out of memory). */
struct node_plan *node_plan_build(const struct classes *cls, const struct containers *cts,
				  struct ctv_err *err);

void node_plan_free(struct node_plan *p);

/* A human-readable description of what the plan installs (malloc'ed, the
 * caller frees), for --dry-run. NULL on ENOMEM. */
char *node_plan_describe(const struct node_plan *p);

/* A notice about devices of the plan that do not exist now (a stopped
 * container: the hooks attach when the device appears), naming the first
 * as "NAME:LINE", in buf; NULL when every device exists. */
const char *node_plan_notice(const struct node_plan *p, const char *name, char *buf, size_t len);

/* Installs or replaces our table to match the plan, in one atomic batch:
 * counters of unchanged (ct, class, direction, family) keys keep their
 * counts; no other table is touched. Returns 0, or -1 with err (nothing
 * changed). */
int node_nft_setup(const struct node_plan *p, struct ctv_err *err);

/* Deletes our table. Returns 0, also when it was not there; -1 with err. */
int node_nft_teardown(struct ctv_err *err);

/* Reads all counters in one dump. Rows for every counter installed, zero
 * or not. Returns 0, or -1 with err; errno is ENOENT when our table is
 * not installed. */
int node_nft_read(struct node_counters *out, struct ctv_err *err);

/* node_nft_read, plus which containers the table counts by device and
 * whether each device is hooked (out->hooks). A device that went away
 * leaves its base chains, and kernels before 6.16 do not hook a new
 * device of the same name: such a container is configured but counts
 * nothing. Each one not hooked is a notice to w ("container 101: device
 * veth101 is missing, so nothing of it is counted"). Returns as
 * node_nft_read. */
int node_nft_read_hooks(struct node_counters *out, const struct ctv_warn *w, struct ctv_err *err);

/* The decision: a container is hooked when its device exists (exists(dev)
 * is 1) and the ingress and egress base chains both name it (the devices
 * they hook, each list sorted by strcmp: a binary search). */
int node_hook_decide(const char *dev, int (*exists)(const char *dev),
		     const char *const *ingress, size_t ningress,
		     const char *const *egress, size_t negress);

void node_counters_free(struct node_counters *c);

/* Compares container ids as vznetstat orders them: numeric ids by value,
 * then others by bytes. */
int node_ct_cmp(const char *a, const char *b);

#endif
