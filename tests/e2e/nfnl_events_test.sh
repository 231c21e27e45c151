#!/usr/bin/env bash
# nfnl's event subscription against the kernel: changes made with nft(8)
# in a fresh network namespace arrive decoded, in order, one generation
# event per transaction, and a flushed ruleset announces each deletion.
. "$(dirname "$0")/common.sh"
e2e_require_root nft
PROBE="$top_builddir/tests/lab/nfnl_probe"
[ -x "$PROBE" ] || { echo "FAIL: $PROBE not built" >&2; exit 1; }

ns="ctv-ev-$$"
out=$(mktemp)
ip netns add "$ns" || exit 1
trap 'ip netns del "$ns" 2>/dev/null; rm -f "$out"; e2e_cleanup' EXIT

ip netns exec "$ns" "$PROBE" 5 10 >"$out" &
probe=$!
for _ in $(seq 50); do grep -q '^ready$' "$out" && break; sleep 0.1; done
check "the probe is subscribed" grep -q '^ready$' "$out"

ip netns exec "$ns" nft add table inet t
ip netns exec "$ns" nft add chain inet t c
ip netns exec "$ns" nft add counter inet t k
ip netns exec "$ns" nft add rule inet t c counter name k
ip netns exec "$ns" nft flush ruleset
wait "$probe"
assert_eq "$?" 0 "the probe saw five transactions"

has() { grep -qx "$1" "$out"; }
check "a new table" has "new table 1 t -"
check "a new chain" has "new chain 1 t c"
check "a new counter" has "new counter 1 t k"
check "a new rule names its chain" has "new rule 1 t c"
check "the flush deletes the rule" has "del rule 1 t c"
check "the flush deletes the chain" has "del chain 1 t c"
check "the flush deletes the counter" has "del counter 1 t k"
check "the flush deletes the table" has "del table 1 t -"
assert_eq "$(grep -c '^new gen' "$out")" 5 "one generation event per transaction"
assert_eq "$(sed -n 2p "$out")" "new table 1 t -" "events come in order"
cat "$out"
e2e_done
