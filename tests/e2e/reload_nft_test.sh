#!/usr/bin/env bash
# Issue 10 case 2, nft backend: 'nft flush ruleset' (what 'systemctl reload
# nftables' does with Debian's /etc/nftables.conf) under ctverify collect
# at its default interval is repaired within 1 s, one gap at most 1 s
# wide, and the store equals the kernel's counters (nft -j) less the gap;
# then a flushed chain (counters kept) is put back the same way.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3 jq
. "$top_srcdir/tests/lab/lab.sh"
lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
BACKEND=nft
kernel() {
	lab_nft_json ct101 | jq -r '
		[.nftables[] | select(.counter and .counter.table == "ctverify") | .counter] as $c |
		($c | map(.name | sub("^(in|out)_"; "")) | unique)[] as $s |
		[$s, ([$c[] | select(.name == "in_" + $s)][0] // {bytes: 0, packets: 0} | .bytes, .packets),
		     ([$c[] | select(.name == "out_" + $s)][0] // {bytes: 0, packets: 0} | .bytes, .packets)] |
		map(tostring) | join(" ")'
}
reload() { lab_exec ct101 nft flush ruleset; }
# Then a flushed chain: the table, sets and counters stay (and keep their
# counts), the rules that count are gone; only the events say so.
RELOAD2="nft flush chain inet ctverify in" RELOAD2_KEEPS=1
reload2() { lab_exec ct101 nft flush chain inet ctverify in; }
present() { lab_exec ct101 nft list chain inet ctverify in 2>/dev/null | grep -q 'counter name "in_other"'; }
. "$top_srcdir/tests/e2e/reload_common.sh"
e2e_done
