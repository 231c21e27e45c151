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

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
export CTVERIFY_STATEDIR="$LAB_TMP/state"
DB=$LAB_TMP/kill.db
KILLS=${CTV_KILLS:-15}
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }

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
snapshots() { sqlite3 "file:$DB?mode=ro" "SELECT (SELECT count(*) FROM interval) + (SELECT count(*) FROM state)" 2>/dev/null || echo 0; }
wait_snapshots() {
	local want=$(( $(snapshots) + $1 )) i
	for i in $(seq 1 100); do
		[ "$(snapshots)" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "collect recorded no snapshot in 10 s"
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

for try in 1 2 3 4 5; do
	K0=$(kernel)
	start_collect
	lab_wait_file "$DB" && wait_snapshots 0 && sleep 1.2
	[ "$(kernel)" = "$K0" ] && break
	kill -TERM "$COLLECT"; wait "$COLLECT"
	rm -f "$DB" "$DB-wal" "$DB-shm"
done
kill -9 "$COLLECT"; wait "$COLLECT" 2>/dev/null
need_int "counting rules read" "$(grep -c . <<<"$K0")"
( while :; do traffic >/dev/null 2>&1 || true; done ) &
TRAFFIC=$!
lab_own "$TRAFFIC"
before=$(snapshots)
for k in $(seq 1 "$KILLS"); do
	start_collect
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	[ $((RANDOM % 3)) = 0 ] && sleep 1
	kill -9 "$COLLECT"
	wait "$COLLECT" 2>/dev/null
done
lab_stop "$TRAFFIC"
sleep 1
start_collect
wait_snapshots 2
kill -TERM "$COLLECT"; wait "$COLLECT"
assert_eq "$?" 0 "the last collect exits 0 on SIGTERM"
K1=$(kernel)
G=$(growth "$K0" "$K1")
assert_ge "$(grep -c '^web in' <<<"$G")" 1 "the counting rules saw web traffic"
assert_ge "$(sub "$(snapshots)" "$before" "snapshots between the kills")" "$((KILLS / 2))" "snapshots were recorded between the kills"
assert_eq "$(stored | awk '$3 || $4')" "$G" "after $KILLS kill -9: store = growth of iptables-legacy-save -c counters, per service and direction"
assert_eq "$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM event WHERE kind = 'reset'")" 0 "no reset recorded by the kills"
assert_empty "$(grep -v '^$' "$LAB_TMP/collect.err")" "collect printed no error"

e2e_done
