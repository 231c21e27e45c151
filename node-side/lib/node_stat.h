/* node_stat.h - "ctnode stat": the kernel counters in vznetstat's layout.
 *
 * One row per container and class, IPv4 and IPv6 summed unless one family
 * is asked for; with all, every one of the 16 classes of each container
 * shown. Containers and classes keep the dump's order (vznetstat's).
 */
#ifndef CTNODE_NODE_STAT_H
#define CTNODE_NODE_STAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node_nft.h"

struct node_stat_row {
	char ct[CONTAINERS_ID_MAX + 1];
	unsigned cls;
	uint64_t ib, ip, ob, op;
};

/* What to show. */
struct node_stat_filter {
	const char *const *cts; /* only these containers (none: all) */
	size_t ncts;
	int family;             /* AF_INET or AF_INET6 only; 0: both, summed */
	int all;                /* all 16 classes */
	uint16_t classes;       /* bit per class to print; 0: every class */
};

/* The rows of nc that f selects, malloc'ed into *rows (free()). Returns
 * the number of rows, or -1 when memory ran out. */
long node_stat_rows(const struct node_counters *nc, const struct node_stat_filter *f,
		    struct node_stat_row **rows);

/* Writes the rows whose class f->classes selects: the vznetstat table
 * (round: K/M/G like vznetstat -r), or JSON rows {ct, class, in_bytes,
 * in_packets, out_bytes, out_packets}. */
void node_stat_print(FILE *fp, const struct node_stat_row *rows, size_t n,
		     const struct node_stat_filter *f, int round, int json);

/* The counters in the Prometheus text exposition format: the families
 * ctnode_bytes_total and ctnode_packets_total, labels ct, class, direction
 * (in = to the container) and family. nc is a struct node_counters (the
 * signature of a promtext body). */
void node_stat_print_metrics(FILE *fp, const void *nc);

/* ctnode_container_hooked{ct,dev} 1|0 per container of nc->hooks
 * (node_nft_read_hooks); nothing when there are none. */
void node_stat_print_hooked(FILE *fp, const struct node_counters *nc);

#endif
