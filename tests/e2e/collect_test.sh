#!/usr/bin/env bash
# ctverify collect in ct101 of the lab, nft backend, 1 s interval, while
# known traffic flows: the store's per-service sums equal the growth of the
# kernel's own counters (nft -j) exactly; a deleted table is reinstalled,
# recorded as a gap and resets, and the totals after it are right; dozens
# of kill -9 at random moments neither lose nor double-count anything;
# report runs 100 times while collect writes, never failing.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
export CTVERIFY_STATEDIR="$LAB_TMP/state"
DB="$CTVERIFY_STATEDIR/ctverify.db"
KILLS=${CTV_KILLS:-30}


RULES="$LAB_TMP/collect.rules"
cat >"$RULES" <<'EOF'
service web   proto=tcp lport=80
service bulk  proto=tcp rport=5001
EOF
SERVICES="local web bulk other"
check "rules install" ctv rules install -f "$RULES"
lab_listing_check ct101

# The kernel's counters, read with nft itself: "SERVICE in_bytes in_packets
# out_bytes out_packets" lines.
kernel() {
	lab_nft_json ct101 | jq -r '
		[.nftables[] | select(.counter and .counter.table == "ctverify") | .counter] as $c |
		($c | map(.name | sub("^(in|out)_"; "")) | unique)[] as $s |
		[$s, ([$c[] | select(.name == "in_" + $s)][0] // {bytes: 0, packets: 0} | .bytes, .packets),
		     ([$c[] | select(.name == "out_" + $s)][0] // {bytes: 0, packets: 0} | .bytes, .packets)] |
		map(tostring) | join(" ")'
}

# The store's totals per service, same shape.
stored() {
	ctv report --db "$DB" --by total --format json |
		jq -r '.[] | [.service, .in_bytes, .in_packets, .out_bytes, .out_packets] | map(tostring) | join(" ")'
}

# add_into VAR SIGN LINES: VAR (an associative array) += SIGN * LINES.
add_into() {
	local -n acc=$1
	local sign=$2 s a b c d n=0
	while read -r s a b c d; do
		[ -n "$s" ] || continue
		need_int "counters of $s" "$a" "$b" "$c" "$d" || continue
		n=$((n + 1))
		acc[$s.ib]=$(( ${acc[$s.ib]:-0} + sign * a )); acc[$s.ip]=$(( ${acc[$s.ip]:-0} + sign * b ))
		acc[$s.ob]=$(( ${acc[$s.ob]:-0} + sign * c )); acc[$s.op]=$(( ${acc[$s.op]:-0} + sign * d ))
	done <<<"$3"
	[ "$n" -gt 0 ] || fail "add_into $1: no counters given"
}

compare() { # WHAT: the store against the expected growth in EXPECT
	local what=$1 s f
	declare -A got=()
	add_into got 1 "$(stored)"
	assert_ge "${EXPECT[web.ib]:-0}" 1 "$what: the kernel counted web traffic to compare with"
	for s in $SERVICES; do

		for f in ib ip ob op; do
			assert_eq "${got[$s.$f]:-0}" "${EXPECT[$s.$f]:-0}" "$what: $s $f"
		done
	done
}

start_collect() {
	# A simple command, so $! is ctverify itself (ip netns exec execs it).
	ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 \
		>>"$LAB_TMP/collect.out" 2>>"$LAB_TMP/collect.err" &
	COLLECT=$!
}


stop_collect() {
	kill -TERM "$COLLECT"
	wait "$COLLECT"
}

traffic() { # one round: web in and out, bulk out, loopback, unmatched
	lab_tcp remote ct101 "$LAB_CT101_4" 80 30000 120000 &&
		lab_tcp remote ct101 "$LAB_CT101_6" 80 20000 50000 &&
		lab_tcp ct101 remote "$LAB_REMOTE4" 5001 200000 1000 &&
		lab_tcp ct101 ct101 127.0.0.1 7001 10000 10000 &&
		lab_tcp ct101 remote "$LAB_REMOTE6" 6000 5000 5000
}

declare -A EXPECT=()
# Phase 1: collect while traffic flows; the baseline is what the kernel
# counted before the first snapshot (nothing moves in between).
# Stray packets (IPv6 multicast listener reports after the install) may
# move a counter between reading K0 and the baseline: then start again.
collect_baseline kernel
add_into EXPECT -1 "$K0"
for round in 1 2 3 4 5 6; do
	check "traffic round $round" traffic
	sleep 0.7
done
# Let a snapshot pass after the last packet, then read the kernel.
wait_snapshots 2
Kd=$(kernel)
add_into EXPECT 1 "$Kd"
compare "after phase 1, store = kernel growth"

# Phase 2: our table deleted mid-run: collect reinstalls it, records the gap
# and the resets; afterwards it counts from zero again.
must "delete our table" lab_exec ct101 nft delete table inet ctverify
wait_snapshots 2
lab_exec ct101 nft list table inet ctverify >/dev/null 2>&1 && ok "collect reinstalled the deleted table" ||
	fail "the table was not reinstalled"
lab_listing_check ct101
gaps=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM event WHERE kind = 'gap'")
assert_eq "$gaps" 1 "the gap is recorded once"
resets=$(sqlite3 "file:$DB?mode=ro" "SELECT count(DISTINCT s.key) FROM event e JOIN series s ON s.id = e.series WHERE e.kind = 'reset'")
assert_ge "$resets" 3 "resets recorded for the services that had traffic"
for round in 1 2 3; do
	check "traffic after the reset, round $round" traffic
	sleep 0.5
done
wait_snapshots 2

# Phase 2b: our chains flushed, the counters left in place: nothing moves,
# so collect compares the rules with the saved spec and reinstalls them
# (the named counters keep their values: no reset).
Kf=$(kernel)
must "flush our table" lab_exec ct101 nft flush table inet ctverify
wait_snapshots 3
check "collect restored the flushed rules" ctv rules check
gaps=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM event WHERE kind = 'gap'")
assert_eq "$gaps" 2 "the flush is recorded as a second gap"
assert_eq "$(kernel)" "$Kf" "the counters survived the flush"
for round in 1 2; do
	check "traffic after the flush, round $round" traffic
	sleep 0.5
done
wait_snapshots 2

# Phase 2c: 'rules remove' while collect runs is respected (nothing is
# reinstalled behind the user's back) and first records a snapshot, so the
# traffic right before it is kept; a later install counts from zero.
check "traffic right before rules remove" traffic
Kr=$(kernel)
add_into EXPECT 1 "$Kr"
check "rules remove while collect runs" ctv rules remove
wait_snapshots 0; sleep 2.5
lab_exec ct101 nft list table inet ctverify >/dev/null 2>&1 && fail "collect reinstalled removed rules" ||
	ok "collect leaves removed rules removed"
check "rules install again" ctv rules install -f "$RULES"
lab_listing_check ct101
wait_snapshots 1
for round in 1 2; do
	check "traffic after the new install, round $round" traffic
	sleep 0.5
done
wait_snapshots 2
stop_collect
assert_eq "$?" 0 "collect exits 0 on SIGTERM"
K1=$(kernel)
add_into EXPECT 1 "$K1"
compare "after the reset, store = growth before + counters since reinstall"
# The formats agree with each other, and filters and refusals behave.
json_in=$(ctv report --db "$DB" --by hour --format json | jq '[.[].in_bytes] | add')
csv_in=$(ctv report --db "$DB" --by hour --format csv | awk -F, 'NR > 1 { s += $3 } END { print s }')
assert_eq "$csv_in" "$json_in" "csv and json carry the same bytes"
assert_eq "$(ctv report --db "$DB" --service web --format json | jq -r '[.[].service] | unique | join(",")')" web \
	"--service keeps only that service"
ctv report --db "$DB" --format svg | grep -q '^<svg ' && ok "svg output" || fail "no svg"
ctv report --db "$DB" --by week >/dev/null 2>&1; assert_eq "$?" 2 "an unknown --by is a usage error"
cp /etc/services "$LAB_TMP/foreign"
ctv report --db "$LAB_TMP/foreign" >/dev/null 2>"$LAB_TMP/foreign.err"; rc=$?
assert_eq "$rc" 1 "a foreign file is refused"
grep -q "not a ctverify store" "$LAB_TMP/foreign.err" && ok "the refusal says why" || fail "refusal: $(cat "$LAB_TMP/foreign.err")"
cmp -s /etc/services "$LAB_TMP/foreign" && ok "the foreign file is untouched" || fail "the foreign file changed"
ctv report --db "$LAB_TMP/none.db" >/dev/null 2>&1; assert_eq "$?" 1 "a missing store is an error"
[ -e "$LAB_TMP/none.db" ] && fail "report created a store" || ok "report creates nothing"
case $(ctv report --db "$DB" --by total) in
*Events:*gap*reset*) ok "the table report lists the gap and the resets";;
*) fail "the report does not show the events";;
esac

# Phase 3: kill -9 at random moments while traffic flows.
reset_events() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM event WHERE kind = 'reset'"; }
resets_before=$(reset_events)
add_into EXPECT -1 "$K1"
kill9_under_traffic "$KILLS"
K2=$KERNEL_STILL
add_into EXPECT 1 "$K2"
assert_ge "$KILL_SNAPSHOTS" "$((KILLS / 2))" "snapshots were recorded between the kills"
compare "after $KILLS kill -9, store = kernel growth (nothing lost, nothing twice)"
assert_eq "$(reset_events)" "$resets_before" "no reset recorded by the kills"

# Phase 4: report 100 times while collect writes every second.
start_collect
( while :; do traffic >/dev/null 2>&1 || true; done ) &
TRAFFIC=$!
lab_own "$TRAFFIC"
lab_own "$COLLECT"
bad=0
for i in $(seq 1 100); do
	case $((i % 4)) in
	0) f=table ;; 1) f=json ;; 2) f=csv ;; 3) f=svg ;;
	esac
	if ! ctv report --db "$DB" --by hour --format "$f" >/dev/null 2>"$LAB_TMP/report.err"; then
		bad=$((bad + 1)); cat "$LAB_TMP/report.err" >&2
	fi
	grep -qi locked "$LAB_TMP/report.err" && bad=$((bad + 1))
	sleep 0.05
done
assert_eq "$bad" 0 "100 reports while collect writes: no failure, no 'locked'"
n=$(ctv export --db "$DB" | jq -r 'select(.format == "ctverify-statement/1") | .intervals | length')
assert_ge "$n" 10 "export while collect writes: a statement with its intervals"
lab_stop "$TRAFFIC"
stop_collect
# snapshot alone, and live: plain lines with per-service rates when not a tty.
out=$(ctv snapshot --db "$DB"); rc=$?
assert_eq "$rc" 0 "snapshot exits 0"
case $out in recorded*) ok "snapshot records an interval";; *) fail "snapshot said: $out";; esac
( sleep 1; traffic >/dev/null 2>&1 ) &
out=$(stop_after 4 INT ip netns exec "$(lab_ns ct101)" "$CTVERIFY" live --interval 1); rc=$?
wait
assert_eq "$rc" 0 "live exits 0 on SIGINT"
case $out in *" web in="*" bulk in="*) ok "live prints per-service lines";; *) fail "live said: $out";; esac
if grep -qi 'locked' "$LAB_TMP/collect.err"; then fail "collect saw 'locked'"; cat "$LAB_TMP/collect.err" >&2; else ok "collect never saw 'locked'"; fi

# 'rules remove' after our table was deleted: the snapshot before the
# change cannot read the counters; that is said once, then the warning,
# and the remove goes on (it printed the read error twice).
lab_exec ct101 nft delete table inet ctverify
ctv rules remove 2>"$LAB_TMP/remove.err"; rc=$?
assert_eq "$rc" 0 "rules remove after the table was deleted exits 0"
assert_eq "$(wc -l <"$LAB_TMP/remove.err")" 2 "rules remove after the table was deleted: the error and the warning"
assert_eq "$(sort "$LAB_TMP/remove.err" | uniq -d | wc -l)" 0 "rules remove after the table was deleted prints no line twice"
grep -q ': warning: no snapshot before the change$' "$LAB_TMP/remove.err" &&
	ok "the remove warns that no snapshot was taken" || { fail "remove said:"; cat "$LAB_TMP/remove.err" >&2; }

e2e_done
