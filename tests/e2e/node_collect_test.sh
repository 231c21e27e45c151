#!/usr/bin/env bash
# ctnode collect in the lab's node namespace, 1 s interval, with kill -9
# at random moments while traffic flows to class 1 and class 2 addresses:
# per container and class, the store equals the growth of the kernel's own
# counters (nft -j, the egress "in" counters less their 14-byte Ethernet
# header per packet); report and export give one container's data only.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF CTNODE_STATEDIR=$LAB_TMP/nodestate
DB=$CTNODE_STATEDIR/ctnode.db
KILLS=${CTV_KILLS:-12}
ctnode() { ctn "$@"; }

cat >"$CONF/networks_classes" <<'EOF'
1 0.0.0.0/0
1 ::/0
2 198.19.0.0/16
2 2001:db8:200::/40
EOF
cat >"$CONF/containers" <<'EOF'
101 veth veth101
102 ip 198.18.20.102,2001:db8:20::102
EOF
C2_4=198.19.1.1 C2_6=2001:db8:201::1
must "class-2 addresses on remote" lab_remote_addr $C2_4/32 $C2_6/128
check "ctnode setup" ctnode setup
lab_listing_check node

# The kernel's counters per container and class: "CT CLASS in_b in_p out_b
# out_p", IPv4 and IPv6 summed, read with nft itself.
kernel() {
	lab_nft_json node | jq -r '
		[.nftables[] | select(.counter and .counter.table == "ctnode") | .counter |
		 (.name | capture("^ct(?<ct>.+)_c(?<cls>[0-9]+)_(?<dir>in|out)[46]$")) as $n |
		 {ct: $n.ct, cls: $n.cls, dir: $n.dir, bytes, packets}] |
		group_by([.ct, .cls])[] |
		[.[0].ct, .[0].cls,
		 ([.[] | select(.dir == "in") | .bytes - 14 * .packets] | add // 0),
		 ([.[] | select(.dir == "in") | .packets] | add // 0),
		 ([.[] | select(.dir == "out") | .bytes] | add // 0),
		 ([.[] | select(.dir == "out") | .packets] | add // 0)] | map(tostring) | join(" ")'
}
stored() { # CT
	ctnode report --db "$DB" --ct "$1" --by total --per-class --format json |
		jq -r '.[] | [.ct, (.class | tostring), .in_bytes, .in_packets, .out_bytes, .out_packets] | map(tostring) | join(" ")'
}
declare -A EXPECT=()
add_into() { # SIGN LINES: EXPECT[CT:CLASS] += SIGN * (in_b in_p out_b out_p)
	local ct cls a b c d e
	while read -r ct cls a b c d; do
		[ -n "$ct" ] || continue
		read -r -a e <<<"${EXPECT[$ct:$cls]:-0 0 0 0}"
		EXPECT[$ct:$cls]="$((e[0] + $1 * a)) $((e[1] + $1 * b)) $((e[2] + $1 * c)) $((e[3] + $1 * d))"
	done <<<"$2"
}
start_collect() {
	ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$DB" --interval 1 \
		>>"$LAB_TMP/collect.out" 2>>"$LAB_TMP/collect.err" &
	COLLECT=$!
}
stop_collect() { kill -TERM "$COLLECT"; wait "$COLLECT"; }
traffic() {
	lab_tcp ct101 remote "$LAB_REMOTE4" 5001 100000 20000 &&
		lab_tcp ct101 remote "$C2_4" 5002 30000 70000 &&
		lab_tcp remote ct102 "$LAB_CT102_6" 80 40000 5000 &&
		lab_tcp ct102 remote "$C2_6" 5003 9000 9000
}

collect_baseline kernel
add_into -1 "$K0"
check "traffic while collect runs" traffic
( while :; do traffic >/dev/null 2>&1 || true; done ) &
TRAFFIC=$!
lab_own "$TRAFFIC"
for k in $(seq 1 "$KILLS"); do
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$COLLECT"; wait "$COLLECT" 2>/dev/null
	start_collect
done
lab_stop "$TRAFFIC"
stop_collect
assert_eq "$?" 0 "collect exits 0 on SIGTERM"

# Killed connections' last packets counted, then a collector's two
# snapshots with nothing moving (the node counts neighbour probes too).
kernel_still collect_two
assert_eq "$?" 0 "the last collect exits 0 on SIGTERM"
K1=$KERNEL_STILL
add_into 1 "$K1"

for ct in 101 102; do
	declare -A got=()
	while read -r c cls a b cc d; do
		[ -n "$c" ] && got[$c:$cls]="$a $b $cc $d"
	done <<<"$(stored "$ct")"
	for key in "${!EXPECT[@]}"; do
		[ "${key%%:*}" = "$ct" ] || continue
		assert_eq "${got[$key]:-0 0 0 0}" "${EXPECT[$key]}" "ct $ct class ${key#*:} after $KILLS kill -9: store = kernel growth"
	done
	unset got
done
c2=$(ctnode report --db "$DB" --ct 101 --by total --per-class --format json | jq -r '.[] | select(.class == 2) | .out_bytes')
assert_ge "${c2:-0}" 30000 "ct 101 class 2 carries the traffic to class-2 addresses"

# Export: one container's statement, totals = the per-class sums = the
# intervals' sum, nothing of the other container.
st=$(ctnode export --db "$DB" --ct 101)
assert_eq "$(jq -r '.source + " " + .ct' <<<"$st")" "ctnode 101" "export names its source and container"
assert_eq "$(jq '[.classes[].in_bytes] | add' <<<"$st")" "$(jq '.totals.in_bytes' <<<"$st")" "classes add up to the totals"
assert_eq "$(jq '[.intervals[].out_bytes] | add' <<<"$st")" "$(jq '.totals.out_bytes' <<<"$st")" "intervals add up to the totals"
want=$(ctnode report --db "$DB" --ct 101 --by total --format json | jq '.[0].in_bytes')
assert_eq "$(jq '.totals.in_bytes' <<<"$st")" "$want" "export totals = report totals of ct 101 only"
ctnode export --db "$DB" --ct 999 | jq -e '.totals.in_bytes == 0 and (.intervals | map(.in_bytes) | add // 0) == 0' >/dev/null &&
	ok "an unknown container gets an empty statement, no one else's data" || fail "ct 999 got data"
out=$(ctnode report --db "$DB" --ct 101 --by day --format csv | head -1)
assert_eq "$out" "period,ct,in_bytes,in_packets,out_bytes,out_packets" "csv header"
ctnode report --db "$DB" 2>/dev/null; assert_eq "$?" 2 "report without --ct is a usage error"

e2e_done
