/* nlack.h - the answers to an nftables batch. The kernel processes the
 * whole batch, then reports every failed message and acks the one that
 * asked for it; both backends wait for that ack and name the first
 * failure.
 */
#ifndef CTV_NLACK_H
#define CTV_NLACK_H

#include <stddef.h>
#include <stdint.h>

struct nlack {
	uint32_t begin_seq; /* an error about the batch itself also ends it */
	uint32_t last_seq;  /* the message whose ack ends the answer */
	int done;           /* the end was seen */
	int error;          /* first failure (positive errno), 0 if none */
	uint32_t error_seq; /* the sequence number of the failed message */
};

/* Notes the NLMSG_ERROR answers (acks and errors) among the netlink
 * messages in buf (len bytes, as received) in *st. Never fails; other
 * messages and a truncated tail are ignored. */
void nlack_scan(struct nlack *st, const void *buf, size_t len);

#endif
