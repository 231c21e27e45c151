/* nft_backend.c - per-service accounting in one nftables table of our own,
 * spoken to over netlink (nfnl: libnftnl + libmnl), never through nft(8).
 *
 * Layout (see docs/DESIGN.md "Service rules in nftables"):
 *   table inet ctverify
 *     counter in_<bucket>, out_<bucket>   named, created once, kept
 *     chain in   filter hook prerouting  priority -150  (after conntrack)
 *     chain out  filter hook postrouting priority 300   (late)
 *     chain owner_mark filter hook output priority -150  (only with owner services)
 *     sets  m<step>_in / m<step>_out: interval maps key -> counter
 *           s<svc>_lport / _rport / _peer4 / _peer6: interval sets
 * An install is one netlink batch: our chains and sets are deleted and
 * rebuilt, counters are only added when missing (so they keep counting),
 * and nothing outside our table is named in it.
 *
 * The backend's files, one job each, are listed in nft_int.h.
 */
#include "config.h"

#include "nft_int.h"

const struct backend backend_nft = {
	.name = "nft",
	.in_use = nftb_in_use,
	.install = nftb_install,
	.remove = nftb_remove,
	.read = nftb_read,
	.check = nftb_check,
	.quick = nftb_quick,
	.describe = nftb_describe,
};
