/* procnet.h - the kernel's own protocol counters (/proc/net/snmp) and
 * uptime, recorded with each snapshot: reconcile uses UDP and ICMP send
 * errors to bound drops the rule counters cannot see.
 */
#ifndef CTV_PROCNET_H
#define CTV_PROCNET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* procnet_read_snmp() on an open stream; path names it in messages. */
int procnet_parse_snmp(FILE *in, const char *path, const char *const *protos,
		       struct procnet_figures *out, struct ctv_err *err);

void procnet_figures_free(struct procnet_figures *f);

/* Reads a /proc/net/dev style file: per interface except lo, the receive
 * and transmit drop counters as "if.NAME.rx_dropped" and
 * "if.NAME.tx_dropped" figures (packets the kernel dropped at the device:
 * reconcile's evidence for drops before the container's first hook and
 * after its last). When sysdir (e.g. "/sys/class/net") is given, the MTU
 * is added as "if.NAME.mtu" where readable. Returns 0, or -1 with err
 * naming the file and line. */
int procnet_read_dev(const char *path, const char *sysdir, struct procnet_figures *out,
		     struct ctv_err *err);

/* Reads whole seconds of uptime from a /proc/uptime style file. Returns 0
 * or -1. */
int procnet_read_uptime(const char *path, uint64_t *seconds, struct ctv_err *err);

#endif
