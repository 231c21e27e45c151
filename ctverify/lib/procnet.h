/* procnet.h - the kernel's own protocol counters (/proc/net/snmp) and
 * uptime, recorded with each snapshot: reconcile uses UDP and ICMP send
 * errors to bound drops the rule counters cannot see.
 */
#ifndef CTV_PROCNET_H
#define CTV_PROCNET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PROCNET_NAME_MAX 48

struct procnet_figure {
	char name[PROCNET_NAME_MAX]; /* "Udp.SndbufErrors" */
	uint64_t value;
};

struct procnet_figures {
	struct procnet_figure *v;
	size_t n;
};

/* Reads a /proc/net/snmp style file (pairs of "Proto: names" and
 * "Proto: values" lines) into "Proto.Name" figures, only for the protocols
 * listed in protos (NULL-terminated; NULL for all). Negative values
 * (constants such as Tcp.MaxConn -1) are left out. Returns 0, or -1 with
 * err naming the file and line. */
int procnet_read_snmp(const char *path, const char *const *protos, struct procnet_figures *out,
		      struct ctv_err *err);

void procnet_figures_free(struct procnet_figures *f);

/* Reads whole seconds of uptime from a /proc/uptime style file. Returns 0
 * or -1. */
int procnet_read_uptime(const char *path, uint64_t *seconds, struct ctv_err *err);

#endif
