/* reconcile_plesk.h - container vs Plesk's DomainsTraffic rows (--plesk
 * FILE), column by column (ARCHITECTURE.md, "Reconcile").
 *
 * Plesk's columns come from logs: http from the web server's access logs,
 * ftp from xferlog, smtp and pop3_imap from maillog. Each is compared with
 * the container's services that carry it (chosen by port from the
 * installed spec, ctverify/acct/plesk_input.c), over the rows' days only.
 * Columns joined by one service (a "mail" service on 25 and 143 carries
 * smtp and pop3_imap) are compared together. What a group of services
 * counted beyond its columns is explained, in this order, by:
 *   log_overhead     52 B of TCP/IP headers per packet (IPv4 20 + TCP 20
 *                    + timestamps 12) that no log records
 *   mail_submission  of the rest, up to what came in on 465/587: messages
 *                    users submit enter here and leave again on port 25,
 *                    counted twice here, once by Plesk
 * and buckets that carry no Plesk column (ssh, loopback, the web user's
 * outbound connections, other) by weblog_unlogged, as for --plesk BYTES.
 * Anything else is left unexplained (HTTP headers and TLS are in no log
 * either, but their size is not known).
 */
#ifndef CTV_RECONCILE_PLESK_H
#define CTV_RECONCILE_PLESK_H

#include <stdio.h>

#include <jansson.h>

#include "plesk.h"
#include "reconcile.h"

#define RECONCILE_PLESK_HEADER 52 /* B per packet: IPv4 20 + TCP 20 + timestamps 12 */

/* A container bucket over the Plesk window. */
struct reconcile_plesk_bucket {
	struct reconcile_bucket b;
	unsigned kinds;     /* 1u << enum plesk_kind for each column it carries, 0 none */
	int submission;     /* carries only the submission ports (465, 587) */
	char ports[RECONCILE_WHY_MAX]; /* "lport 80,443 (http)", the evidence */
};

struct reconcile_plesk {
	const char *file;
	struct plesk_sum sum; /* the rows over their days */
	int bounded;          /* --from/--to cut the rows */
	int64_t from_ms, to_ms; /* the container's intervals chosen for the days */
	size_t intervals;
	const struct reconcile_plesk_bucket *buckets;
	size_t nbuckets;
};

/* Groups the columns: masks[k] is the set of columns compared together
 * with column k (joined by a bucket carrying both). */
void reconcile_plesk_groups(const struct reconcile_plesk *p, unsigned masks[PLESK_NKINDS]);

/* Fills the container - Plesk comparison and its causes from in->plesk.
 * Returns 0, or -1 without memory. */
int reconcile_plesk_explain(const struct reconcile_input *in, struct reconcile_result *res);

/* The window and the columns, for the table and the JSON "plesk" object. */
void reconcile_plesk_table(FILE *fp, const struct reconcile_plesk *p);
void reconcile_plesk_json(json_t *o, const struct reconcile_plesk *p);

#endif
