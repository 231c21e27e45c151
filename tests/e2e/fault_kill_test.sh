#!/usr/bin/env bash
# kill -9 of ctverify collect at random moments (docs/RELIABILITY.md), the
# iptables-legacy backend (collect_test.sh does the nft backend, and
# node_collect_test.sh ctnode collect), traffic flowing the whole time:
# after a restart and a last snapshot, per service and direction the
# store's bytes and packets equal the growth of the counting rules'
# counters as iptables-legacy-save -c shows them (IPv4 + IPv6), to the byte.
# CTV_KILLS sets the number of kills (default 15); tests/soak/kill9.sh
# runs the same loop a thousand times.
. "$(dirname "$0")/common.sh"
e2e_require_root iptables-legacy-save ip6tables-legacy-save sqlite3
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
fault_env
DB=$LAB_TMP/kill.db
KILLS=${CTV_KILLS:-15}

cat >"$LAB_TMP/rules" <<'EOF'
service web  proto=tcp lport=80
service bulk proto=tcp rport=5001
EOF
check "rules install --backend iptables" ctv rules install --backend iptables -f "$LAB_TMP/rules"
lab_listing_check ct101

# "BUCKET DIR bytes packets" from iptables-legacy-save -c, both families.
kernel() {
	{ lab_ipt_save ct101; lab_ip6t_save ct101; } | awk '
		$2 == "-A" && $3 ~ /^CTV-C[IO][0-9]+$/ && match($0, /--comment "?ctverify:[^ "]+/) {
			b = substr($0, RSTART, RLENGTH); sub(/.*ctverify:/, "", b)
			d = substr($3, 6, 1) == "I" ? "in" : "out"
			split(substr($1, 2, length($1) - 2), pb, ":")
			p[b " " d] += pb[1]; y[b " " d] += pb[2] }
		END { for (k in y) print k, y[k], p[k] }' | sort
}
stored() {
	ctv report --db "$DB" --by total --format json |
		jq -r '.[] | "\(.service) in \(.in_bytes) \(.in_packets)", "\(.service) out \(.out_bytes) \(.out_packets)"' | sort
}
growth() { # BEFORE AFTER -> AFTER - BEFORE per line, lines with no growth left out
	join -j1 <(awk '{ print $1 ":" $2, $3, $4 }' <<<"$1") <(awk '{ print $1 ":" $2, $3, $4 }' <<<"$2") |
		awk '{ b = $4 - $2; p = $5 - $3; if (b || p) { split($1, k, ":"); print k[1], k[2], b, p } }' | sort
}
start_collect() {
	ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 2>>"$LAB_TMP/collect.err" >/dev/null &
	COLLECT=$!
}
traffic() {
	lab_tcp remote ct101 "$LAB_CT101_4" 80 30000 90000 &&
		lab_tcp remote ct101 "$LAB_CT101_6" 80 20000 40000 &&
		lab_tcp ct101 remote "$LAB_REMOTE4" 5001 100000 1000 &&
		lab_tcp ct101 remote "$LAB_REMOTE6" 6000 5000 5000
}

collect_baseline kernel
kill -9 "$COLLECT"; wait "$COLLECT" 2>/dev/null
need_int "counting rules read" "$(grep -c . <<<"$K0")"
kill9_under_traffic "$KILLS"
assert_eq "$?" 0 "the last collect exits 0 on SIGTERM"
K1=$KERNEL_STILL
G=$(growth "$K0" "$K1")
assert_ge "$(grep -c '^web in' <<<"$G")" 1 "the counting rules saw web traffic"
assert_ge "$KILL_SNAPSHOTS" "$((KILLS / 2))" "snapshots were recorded between the kills"
assert_eq "$(stored | awk '$3 || $4')" "$G" "after $KILLS kill -9: store = growth of iptables-legacy-save -c counters, per service and direction"
assert_eq "$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM event WHERE kind = 'reset'")" 0 "no reset recorded by the kills"
assert_empty "$(grep -v '^$' "$LAB_TMP/collect.err")" "collect printed no error"

e2e_done
