/* node_int.h - what the files of the node's kernel accounting share
 * (private to them; node_nft.h is the interface):
 *
 *   node_plan.c  the plan: devices, link headers, flattened classes; describe
 *   node_nft.c   setup and teardown: the one batch that loads the plan
 *   node_read.c  the counters, in one dump, as rows
 *   node_fetch.c the counters read by name (linear where the dump is not)
 */
#ifndef CTV_NODE_INT_H
#define CTV_NODE_INT_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <linux/netfilter.h>

#include "nfnl.h"
#include "node_nft.h"

#define FAMILY NFPROTO_NETDEV
#define PRIO_FROM_CT (-500) /* early: all the container sent */
#define PRIO_TO_CT 500      /* late: what is handed to the container */

enum { F4, F6 };
enum { DIR_IN, DIR_OUT };

struct plan_ct {
	const struct containers_ct *ct;
	char dev[IF_NAMESIZE]; /* the host device its traffic crosses */
	uint8_t l2;            /* link-header bytes the egress hook sees */
	uint8_t absent;        /* the device does not exist now */
};

struct node_plan {
	struct classes_flat flat;
	struct plan_ct *cts;
	size_t n;
	const struct plan_ct **by_id; /* cts sorted by id (node_plan_ct) */
	char (*devs)[IF_NAMESIZE];
	size_t ndevs;
	uint16_t used[2]; /* classes with ranges, per family */
};

/* The container of the plan with this id, or NULL: a binary search. */
const struct plan_ct *node_plan_ct(const struct node_plan *p, const char *id);

/* One counter object of our table as the kernel has it. */
struct raw_counter {
	char name[128];
	uint64_t bytes, packets;
	int l2; /* from its comment "l2=N" */
};

struct raw_list {
	struct raw_counter *v;
	size_t n, cap;
	int oom;
};

/* Dumps our counter objects into out. Returns 0, 1 if our table is
 * absent, or -1 with err. Quadratic in the kernel past some 100,000
 * counters (see node_read_counters). */
int node_dump_counters(struct nfnl *nl, struct raw_list *out, struct ctv_err *err);

/* Appends the counter object of our table that nlh (NFT_MSG_NEWOBJ)
 * carries to the struct raw_list data; others are skipped. */
int node_raw_obj_cb(const struct nlmsghdr *nlh, void *data);

/* Our counter objects, as node_dump_counters, read by name (node_fetch.c):
 * the names setup gives the containers the counter maps name and, with a
 * plan p (may be NULL), the plan's, in the classes of the table's class
 * chains and the plan's. When the table's use count says it holds other
 * objects (names of earlier versions, a counter someone else added) or
 * the ruleset changed meanwhile, the one dump reads them instead. Returns
 * 0, 1 if our table is absent, or -1 with err. */
int node_read_counters(struct nfnl *nl, const struct node_plan *p, struct raw_list *out,
		       struct ctv_err *err);

/* Runs fn over the elements of our map named map (one dump); fn sets *oom
 * when memory ran out. Returns 0, or -1 with err. */
struct nftnl_set_elem;
int node_map_elems(struct nfnl *nl, const char *map, int (*fn)(struct nftnl_set_elem *e, void *data),
		   void *data, int *oom, struct ctv_err *err);

/* A counter's name: "ct<CTID>_c<class>_<in|out><4|6>", e.g. "ct101_c3_in4"
 * (fam AF_INET or AF_INET6). nft(8) reads it back unquoted: it starts with
 * a letter, holds only letters, digits and "_.-", and no nft keyword has
 * a '_' (docs/DESIGN.md "Names nft can read back"). */
void node_counter_name(char *buf, size_t len, const char *ct, unsigned cls, int dir, int fam);

/* A counter's name -> ct (CONTAINERS_ID_MAX + 1 bytes), class, DIR_*,
 * AF_*; *legacy is 1 for the names of earlier versions ("101:3:in:4"),
 * which nft(8) cannot read back and setup renames. Returns 0, or -1 when
 * the name is not one of ours. */
int node_parse_name(const char *name, char *ct, unsigned *cls, int *dir, int *fam, int *legacy);

#endif
