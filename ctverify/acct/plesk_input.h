/* plesk_input.h - the container's side of --plesk FILE: the rows read
 * and summed over their days, the container's buckets over those days
 * from the store, and which Plesk column each bucket carries, by port,
 * from the installed spec.
 *
 * Policy (docs/DESIGN.md, "Reconcile", Plesk): the window is the rows'
 * local days (with --from/--to only the rows whose whole day lies inside);
 * a service carries a column when its lport= lists that column's ports:
 *   http 80, 443; ftp 20, 21, 989, 990; smtp 25, 465, 587;
 *   pop3_imap 110, 143, 993, 995
 * (other ports of the same service are named in the evidence, their bytes
 * stay in the group), or when its only ports are rport= SMTP ports (the
 * MTA relaying mail out: smtp_out). Services matched by peer=, user=,
 * group=, cgroup=, by a UDP-only proto or by a port range wider than 16
 * ports carry none.
 */
#ifndef CTV_PLESK_INPUT_H
#define CTV_PLESK_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "plesk.h"
#include "reconcile_input.h"
#include "reconcile_plesk.h"
#include "store.h"
#include "svcspec.h"

struct plesk_input {
	struct reconcile_plesk p; /* what reconcile_input.plesk points to */
	struct plesk_rows rows;
	struct reconcile_gathered g;
	struct reconcile_plesk_bucket *b;
};

/* The Plesk columns s carries (1u << enum plesk_kind each), whether it
 * carries only the submission ports, and the evidence in ports ("lport
 * 25,587 (smtp); 4190 carries no Plesk column"). s NULL carries none. */
unsigned plesk_input_kinds(const struct svc *s, int *submission, char *ports, size_t len);

/* Reads file and sums its rows (bounded: only days wholly inside [from,
 * to]). Returns 0, or -1 with err ("FILE:LINE: ..." for a bad file). */
int plesk_input_read(const char *file, int bounded, int64_t from, int64_t to,
		     struct plesk_input *pi, struct ctv_err *err);

/* Gathers the buckets over the rows' days from st, flags them with k and
 * maps them to columns. Returns 0, or -1 with err (no interval there). */
int plesk_input_gather(struct store *st, const struct reconcile_knowledge *k,
		       struct plesk_input *pi, struct ctv_err *err);

void plesk_input_free(struct plesk_input *pi);

#endif
