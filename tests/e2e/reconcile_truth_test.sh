#!/usr/bin/env bash
# Reconcile tells the truth (issue 11). ctnode accounts ct101 with the
# classes 0 198.18.60.0/24, 1 0.0.0.0/0, 1 ::/0, 2 198.19.0.0/16; ct101
# mirrors them (rules install --classes, from the node's own statement);
# both collectors run every 2 s while loopback, class-0, class-1 and
# class-2 traffic flows in the middle of a 10 s window. Ground truth: the
# peers' own nft counters on remote and ct101's lo (ip -s -j link).
#  - the honest statement is consistent, exit 0, compared on whole
#    intervals present on both sides, class by class;
#  - loopback within 1% of lo's rx growth (L3), class_excluded within 1%
#    of the class-0 truth, the node's and the container's class-2 out
#    bytes each within 1% of the class-2 truth;
#  - the same statement with 2% more outgoing bytes is node_higher, exit 1;
#  - a 1-second window between manual snapshots with 2 MB in it, billed
#    5% high, is never consistent (node_higher or inconclusive), exit 1;
#  - the statement without ms fields or networks still reconciles.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3
. "$top_srcdir/tests/lab/lab.sh"

. "$top_srcdir/tests/e2e/reconcile_common.sh"

P0=198.18.60.1; P1=$LAB_REMOTE4; P2=198.19.0.1
reconcile_node_setup "class-0 and class-2 peers on remote" $P0/32 $P2/32 <<'EOF'
0 198.18.60.0/24
1 0.0.0.0/0
1 ::/0
2 198.19.0.0/16
EOF

# The truth: remote's own counters per peer and direction (in = towards
# ct101), L3 bytes like ours.
must "truth counters on remote" lab_exec remote nft -f - <<EOF
table inet truth {
	counter c0_in {}
	counter c0_out {}
	counter c2_out {}
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr $LAB_CT101_4 ip daddr $P0 counter name c0_out
		ip saddr $LAB_CT101_4 ip daddr $P2 counter name c2_out
	}
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr $LAB_CT101_4 ip saddr $P0 counter name c0_in
	}
}
EOF
truth() {
	lab_exec remote nft -j list counter inet truth "$1" | jq -r '.nftables[] | select(.counter) | .counter.bytes'
}

start_node_collect 2
wait_intervals "$NDB" 1 15
# The customer installs the class mirror from the node's own statement.
ctnode export --db "$NDB" --ct 101 >"$OUT/networks.json" 2>"$OUT/export0.err"
assert_eq "$?" 0 "ctnode export (for its networks)"
assert_eq "$(jq -c '[.networks[] | "\(.class) \(.cidr)"]' "$OUT/networks.json")" \
	'["0 198.18.60.0/24","1 0.0.0.0/0","1 ::/0","2 198.19.0.0/16"]' \
	"the statement carries the node's classes in file order"
printf '%s\n' "service bulk proto=tcp rport=5000-5999" >"$OUT/test.rules"
check "ctverify rules install --classes STATEMENT in ct101" \
	ctv rules install -f "$OUT/test.rules" --classes "$OUT/networks.json"
lab_listing_check ct101
start_ct_collect 2
wait_intervals "$CDB" 2 15
wait_intervals "$NDB" 1 15

lo_l3() { # rx bytes of ct101's lo less the 14-byte header lo adds per packet
	local b p
	b=$(lab_link_stat ct101 lo rx bytes); p=$(lab_link_stat ct101 lo rx packets)
	need_int "ct101 lo rx counters" "$b" "$p" || return 1
	echo $((b - 14 * p))
}
lo0=$(lo_l3)
c0i0=$(truth c0_in); c0o0=$(truth c0_out); c2o0=$(truth c2_out)
check "loopback traffic in ct101" lab_tcp ct101 ct101 127.0.0.1 7000 600000 200000
check "class-0 traffic" lab_tcp ct101 remote "$P0" 5002 800000 300000
check "class-1 traffic" lab_tcp ct101 remote "$P1" 5001 1000000 400000
check "class-2 traffic" lab_tcp ct101 remote "$P2" 5003 1500000 250000
lo1=$(lo_l3)
LO=$(sub "$lo1" "$lo0" "lo L3 bytes")
C0_IN=$(sub "$(truth c0_in)" "$c0i0" "class-0 in truth")
C0_OUT=$(sub "$(truth c0_out)" "$c0o0" "class-0 out truth")
C2_OUT=$(sub "$(truth c2_out)" "$c2o0" "class-2 out truth")
# Idle edges, then both collectors stop.
wait_intervals "$NDB" 2 15
wait_intervals "$CDB" 2 15
kill -TERM "$NCOLLECT" "$CCOLLECT"
wait "$NCOLLECT"; assert_eq "$?" 0 "ctnode collect exits 0"
wait "$CCOLLECT"; assert_eq "$?" 0 "ctverify collect exits 0"

ctnode export --db "$NDB" --ct 101 >"$OUT/statement.json" 2>"$OUT/export.err"
assert_eq "$?" 0 "ctnode export --ct 101"
jq -e '.from_ms and .to_ms and (.intervals | length > 3) and
	all(.intervals[]; .start_ms and .end_ms and (.start_ms / 1000 | floor) == .start)' \
	"$OUT/statement.json" >/dev/null && ok "the statement carries ms beside the seconds" ||
	fail "the statement lacks ms fields"
assert_ge "$(( $(jq -r .to "$OUT/statement.json") - $(jq -r .from "$OUT/statement.json") ))" 10 \
	"the window is at least 10 s"

rec() { # ARGS...: reconcile as JSON into $OUT/rec.json, exit code in REC_RC
	lab_exec ct101 "$CTVERIFY" reconcile --db "$CDB" --format json "$@" \
		>"$OUT/rec.json" 2>"$OUT/rec.err"
	REC_RC=$?
}
cause() { # CAUSE FIELD: |FIELD| summed over node-container causes with that id
	jq -r --arg c "$1" --arg f "$2" \
		'[.causes[] | select(.cause == $c and .versus == "node-container") | .[$f]] | add // 0 |
		 if . < 0 then -. else . end' "$OUT/rec.json"
}
cls() { # CLASS SIDE FIELD
	jq -r --argjson c "$1" --arg s "$2" --arg f "$3" \
		'[.classes[] | select(.class == $c) | .[$s][$f]] | if length == 1 then .[0] else "none" end' \
		"$OUT/rec.json"
}

rec --node "$OUT/statement.json"
assert_eq "$REC_RC" 0 "the honest statement: exit 0"
assert_eq "$(jq -r .verdict "$OUT/rec.json")" consistent "the honest statement is consistent"
[ "$REC_RC" = 0 ] || { cat "$OUT/rec.err" >&2; jq 'del(.container.services)' "$OUT/rec.json" >&2; }
assert_eq "$(jq -r .window.aligned "$OUT/rec.json")" true "compared on whole intervals present on both sides"
skew=$(( $(jq -r '.window.container_from_ms - .window.node_from_ms | if . < 0 then -. else . end' "$OUT/rec.json") ))
assert_ge 200 "$skew" "the window's edges are milliseconds apart, not seconds ($skew ms)"
assert_ge 8192 "$(cause window_skew bound_out_bytes)" "window_skew is only what the idle edges leave"
assert_within "$(cause loopback in_bytes)" "$LO" 1 "loopback within 1% of lo's rx growth"
assert_within "$(cause class_excluded in_bytes)" "$C0_IN" 1 "class_excluded in within 1% of the class-0 truth"
assert_within "$(cause class_excluded out_bytes)" "$C0_OUT" 1 "class_excluded out within 1% of the class-0 truth"
assert_eq "$(jq -r '[.causes[] | select(.cause == "class_excluded") | .bound] | .[0]' "$OUT/rec.json")" false \
	"class_excluded is measured, not bounded"
assert_eq "$(jq -r .classes_mirrored "$OUT/rec.json")" true "both sides count per class"
assert_eq "$(jq -c '[.classes[].class]' "$OUT/rec.json")" '[0,1,2]' "one line per class"
assert_within "$(cls 2 node out_bytes)" "$C2_OUT" 1 "the node's class-2 out within 1% of the class-2 truth"
assert_within "$(cls 2 container out_bytes)" "$C2_OUT" 1 "the container's class-2 out within 1% of the class-2 truth"
assert_eq "$(jq -r '[.classes[] | select(.class > 0) | .verdict] | unique | join(",")' "$OUT/rec.json")" consistent \
	"each billed class is consistent"
# Class 0: the node bills none; the container's class-0 bytes are the
# class_excluded cause, so the contract's word is consistent, with
# "billed": false and the reason.
assert_eq "$(jq -r '.classes[] | select(.class == 0) | .verdict' "$OUT/rec.json")" consistent \
	"class 0 is consistent: what the container counted there is class_excluded"
assert_eq "$(jq -r '.classes[] | select(.class == 0) | .billed' "$OUT/rec.json")" false "class 0 is not billed"
assert_eq "$(jq -r '[.classes[] | select(.class > 0) | has("billed")] | any' "$OUT/rec.json")" false \
	"only class 0 carries billed: false"
assert_eq "$(jq -r '.classes[] | select(.class == 0) | .container.out_bytes' "$OUT/rec.json")" \
	"$(cause class_excluded out_bytes)" "class 0's container bytes are the class_excluded cause"
jq -r '.classes[] | select(.class == 0) | .detail' "$OUT/rec.json" | grep -q "not billed.*class_excluded" &&
	ok "class 0's detail says why" || fail "class 0 detail: $(jq -r '.classes[] | select(.class == 0) | .detail' "$OUT/rec.json")"
assert_eq "$(jq -r '.totals.out_bytes' "$OUT/statement.json")" \
	"$(jq -r '[.classes[] | select(.class > 0) | .out_bytes] | add' "$OUT/statement.json")" \
	"the node's total is the sum of what it bills per class"
assert_near "$(jq -r '.node.out_bytes' "$OUT/rec.json")" \
	"$(jq -r '[.classes[] | select(.class > 0) | .node.out_bytes] | add' "$OUT/rec.json")" 8192 \
	"the compared total is that sum but for the idle edges outside the window"

# The table says the same, class by class.
lab_exec ct101 "$CTVERIFY" reconcile --db "$CDB" --node "$OUT/statement.json" >"$OUT/rec.txt" 2>&1
assert_eq "$?" 0 "table reconcile exits 0"
sed "s/^/    /" "$OUT/rec.txt"
grep -q "class by class" "$OUT/rec.txt" && ok "the table compares class by class" || fail "no class-by-class lines"
assert_eq "$(tail -n 1 "$OUT/rec.txt")" "verdict: consistent" "the table ends with the verdict"

# 2% more outgoing bytes, in the totals, the busiest interval and class 2.
jq '(.intervals | map(.out_bytes) | index(max)) as $i | (.totals.out_bytes * 2 / 100 | floor) as $d |
	.totals.out_bytes += $d | .intervals[$i].out_bytes += $d |
	(.classes[] | select(.class == 2) | .out_bytes) += $d' "$OUT/statement.json" >"$OUT/high.json"
rec --node "$OUT/high.json"
assert_eq "$REC_RC" 1 "2% more outgoing bytes: exit 1"
assert_eq "$(jq -r .verdict "$OUT/rec.json")" node_higher "2% more outgoing bytes: node_higher"
assert_eq "$(jq -r '.classes[] | select(.class == 2) | .verdict' "$OUT/rec.json")" node_higher \
	"the class billed high is named by its own verdict"

# Without ms fields or networks (an older ctnode's, pva, vznetstat).
jq 'del(.from_ms, .to_ms, .networks) | .intervals |= map(del(.start_ms, .end_ms))' \
	"$OUT/statement.json" >"$OUT/old.json"
rec --node "$OUT/old.json"
assert_eq "$(jq -r .verdict "$OUT/rec.json")" consistent "a statement without ms or networks still reconciles"
assert_eq "$REC_RC" 0 "and exits 0"
[ "$REC_RC" = 0 ] || jq 'del(.container.services)' "$OUT/rec.json" >&2

# A 1-second window between manual snapshots, 2 MB in it, billed 5% high.
sleep 1.5 # the last collected interval ends more than a second before the window
must "node snapshot" ctnode snapshot --db "$NDB"
must "container snapshot" ctv snapshot --db "$CDB"
check "2 MB of class-1 traffic" lab_tcp ct101 remote "$P1" 5004 2000000
sleep 0.3
must "container snapshot" ctv snapshot --db "$CDB"
must "node snapshot" ctnode snapshot --db "$NDB"
last=$(sqlite3 "file:$NDB?mode=ro" "SELECT start_ms, end_ms FROM interval ORDER BY id DESC LIMIT 1")
T0=$(( ${last%|*} / 1000 )); T1=$(( ${last#*|} / 1000 + 1 ))
ctnode export --db "$NDB" --ct 101 --from "@$T0" --to "@$T1" >"$OUT/short.json" 2>"$OUT/export2.err"
assert_eq "$(jq '.intervals | length' "$OUT/short.json")" 1 "one node interval in that window"
jq -c '.intervals[] | [.start_ms, .end_ms, .out_bytes]' "$OUT/short.json"
jq '(.totals.out_bytes * 5 / 100 | floor) as $d | .totals.out_bytes += $d | .intervals[0].out_bytes += $d |
	(.classes[] | select(.class == 1) | .out_bytes) += $d' "$OUT/short.json" >"$OUT/short5.json"
assert_ge "$(jq -r .totals.out_bytes "$OUT/short5.json")" 2000000 "2 MB in the window"
rec --node "$OUT/short5.json"
v=$(jq -r .verdict "$OUT/rec.json")
case $v in
node_higher|inconclusive) ok "the 1-second window billed 5% high is $v, never consistent";;
*) fail "the 1-second window billed 5% high is '$v'"; jq 'del(.container.services)' "$OUT/rec.json" >&2;;
esac
assert_eq "$REC_RC" 1 "and exits 1"

# A report whose --from/--to fall inside one stored hour answers, clipped
# to that hour, and says so on one line.
# (The busiest interval's first second: its hour holds its traffic, even
# when the run crosses an hour.)
TR=$(jq -r '(.intervals | max_by(.out_bytes)) | .start' "$OUT/statement.json")
ctv report --db "$CDB" --by total --from "@$TR" --to "@$((TR + 1))" --format json \
	>"$OUT/report.json" 2>"$OUT/report.err"
assert_eq "$?" 0 "report inside one hour: exit 0"
assert_ge "$(jq '[.[] | .out_bytes] | add // 0' "$OUT/report.json")" 100000 "report inside one hour is not empty"
assert_eq "$(grep -c 'clipped to the stored hours' "$OUT/report.err")" 1 "and says once that it was clipped"
assert_eq "$(wc -l <"$OUT/report.err")" 1 "in one line"

lab_down
e2e_done
