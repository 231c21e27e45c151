#!/usr/bin/env bash
# ctverify reconcile over a long window of minute history, against
# 'ctverify report --by total' over the same range on the same file in the
# same run (the ratio is the figure). The history is bench/store_bench's:
# 50 services, every series moving every minute, from 2025-01-01.
#   sudo bench/reconcile_bench.sh [BUILDDIR] [DAYS=8] [REPEATS=5]
# Root only for a network namespace of its own: our programs never run in
# the host's namespace.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$src/build}" && pwd)
DAYS=${2:-8}
REPEATS=${3:-5}
make -C "$B" bench/store_bench >/dev/null
tmp=$(mktemp -d /tmp/ctv-rbench.XXXXXX)
ns=ctv-rbench-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$ns"
run() { ip netns exec "$ns" env CTVERIFY_STATEDIR="$tmp/state" TZ=UTC "$@"; }

echo "writing $DAYS days of minutes for 50 services..." >&2
TZ=UTC "$B/bench/store_bench" --days "$DAYS" --services 50 --db "$tmp/s.db" --keep >/dev/null
# The window: the whole history but its first and last hour (minute rows
# are kept for the last 7 days, hour rows before).
from=$(( $(date -u -d 2025-01-01 +%s) + 3600 ))
to=$(( from + (DAYS * 86400) - 7200 ))
run "$B/ctverify/ctverify" report --db "$tmp/s.db" --by total --from "@$from" --to "@$to" \
	--format json >"$tmp/total.json"
read -r ib ob < <(jq -r '[(map(.in_bytes) | add), (map(.out_bytes) | add)] | @tsv' "$tmp/total.json")
printf '{"format":"ctverify-statement/1","source":"ctnode","ct":"b","from":%s,"to":%s,"totals":{"in_bytes":%s,"out_bytes":%s}}\n' \
	"$from" "$to" "$ib" "$ob" >"$tmp/st.json"

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# Alternating pairs, the ratio pair by pair (the machine's speed drifts).
rep=() rec=() rat=()
for i in $(seq 1 "$REPEATS"); do
	a=$(ms run "$B/ctverify/ctverify" report --db "$tmp/s.db" --by total --from "@$from" --to "@$to")
	b=$(ms run "$B/ctverify/ctverify" reconcile --db "$tmp/s.db" --node "$tmp/st.json" --format json)
	rep+=("$a") rec+=("$b")
	rat+=("$(awk -v a="$b" -v b="$a" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')")
done
run "$B/ctverify/ctverify" reconcile --db "$tmp/s.db" --node "$tmp/st.json" --format json >"$tmp/rec.json" || true
mrep=$(printf '%s\n' "${rep[@]}" | median)
mrec=$(printf '%s\n' "${rec[@]}" | median)
echo "window: $(( (to - from) / 3600 )) h, $(jq -r .container.intervals "$tmp/rec.json") container intervals, verdict $(jq -r .verdict "$tmp/rec.json")"
echo "report --by total: ${mrep} ms (median of $REPEATS: ${rep[*]})"
echo "reconcile:         ${mrec} ms (median of $REPEATS: ${rec[*]})"
awk -v a="$mrec" -v b="$mrep" 'BEGIN { if (b > 0) printf "ratio of the medians: %.1f\n", a / b }'
echo "ratio reconcile/report, median of the pairs: $(printf '%s\n' "${rat[@]}" | median) (${rat[*]})"
