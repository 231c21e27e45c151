#!/usr/bin/env bash
# Faults under a running ctverify collect (docs/RELIABILITY.md), nft
# backend, 1 s interval, traffic flowing: the store on a small tmpfs filled
# up (SQLITE_FULL) and then remounted read-only (EROFS): collect keeps
# running, says so once a minute (here: once), and when space returns the
# store's totals equal the growth of nft's own counters, nothing lost,
# nothing twice. Then the wall clock stepped +1 h and -1 h (through the
# CTV_TEST_CLOCK_STEP_FILE hook: stepping the real clock would disturb the
# whole shared machine): no negative or overlapping intervals, no minute
# twice, a clock_step event per step, totals still exact.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
fault_env
SMALL=$LAB_TMP/small
mkdir -p "$SMALL"
must "a 4 MiB tmpfs for the store" mount -t tmpfs -o size=4m ctv-fault "$SMALL"
LAB_ON_EXIT='umount -l "$SMALL" 2>/dev/null'
DB=$SMALL/ctverify.db

printf 'service web proto=tcp lport=80\nservice bulk proto=tcp rport=5001\n' >"$LAB_TMP/rules"
check "rules install" ctv rules install -f "$LAB_TMP/rules"
lab_listing_check ct101

kernel() { # "in_bytes in_packets out_bytes out_packets" of all our counters, from nft
	lab_nft_json ct101 | jq -r '[.nftables[] | select(.counter and .counter.table == "ctverify") | .counter] |
		[([.[] | select(.name | startswith("in_")) | .bytes] | add // 0),
		 ([.[] | select(.name | startswith("in_")) | .packets] | add // 0),
		 ([.[] | select(.name | startswith("out_")) | .bytes] | add // 0),
		 ([.[] | select(.name | startswith("out_")) | .packets] | add // 0)] | map(tostring) | join(" ")'
}
stored() {
	ctv report --db "$DB" --by total --format json |
		jq -r '[([.[].in_bytes] | add), ([.[].in_packets] | add), ([.[].out_bytes] | add), ([.[].out_packets] | add)] | map(tostring) | join(" ")'
}
traffic() {
	lab_tcp remote ct101 "$LAB_CT101_4" 80 20000 60000 &&
		lab_tcp ct101 remote "$LAB_REMOTE4" 5001 50000 1000
}
growth() { # K0 K1 -> K1 - K0, per field
	local a b; read -r -a a <<<"$1"; read -r -a b <<<"$2"
	need_int "kernel counters" "${a[@]}" "${b[@]}" || return
	echo "$((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2])) $((b[3] - a[3]))"
}
start_collect() {
	ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 \
		>>"$LAB_TMP/collect.out" 2>>"$LAB_TMP/collect.err" &
	COLLECT=$!
	lab_own "$COLLECT"
}

collect_baseline kernel
check "traffic before the disk fills" traffic
wait_snapshots 2

# Disk full: fill the tmpfs; snapshots fail while traffic goes on.
dd if=/dev/zero of="$SMALL/fill" bs=64k status=none 2>/dev/null
assert_le "$(df --output=avail "$SMALL" | tail -1 | tr -d ' ')" 64 "the tmpfs is full"
n0=$(wc -l <"$LAB_TMP/collect.err")
for round in 1 2 3; do
	check "traffic while the disk is full, round $round" traffic
	# Enough writes to outgrow what the WAL file had room for.
	sleep 1
done
sleep 2
kill -0 "$COLLECT" 2>/dev/null && ok "collect runs on with the disk full" || fail "collect ended on a full disk"
full_err=$(tail -n +$((n0 + 1)) "$LAB_TMP/collect.err")
case $full_err in
*"$DB"*full*) ok "collect says the store is full: $(head -1 <<<"$full_err" | sed "s|$LAB_TMP/||")" ;;
*) fail "collect did not say the disk is full: '$full_err'" ;;
esac
assert_eq "$(grep -c . <<<"$full_err")" 1 "said once in the first minute of failures"

# Space back: the next snapshot records the whole time since the last one.
rm -f "$SMALL/fill"
check "traffic after space is back" traffic
for i in $(seq 1 50); do grep -q "recorded again after" "$LAB_TMP/collect.err" && break; sleep 0.2; done
grep -q "recorded again after [0-9]* failed snapshots" "$LAB_TMP/collect.err" &&
	ok "collect says it recorded again: $(grep -o 'recorded again after.*' "$LAB_TMP/collect.err" | head -1)" ||
	fail "collect did not say it recovered: $(cat "$LAB_TMP/collect.err")"
# The last connection's final packets counted, then N snapshots and the
# store read with nothing moving (kernel_still): STORED, KERNEL_STILL.
stored_after() { wait_snapshots "$1" && STORED=$(stored); }
kernel_still stored_after 2
K1=$KERNEL_STILL
assert_eq "$STORED" "$(growth "$K0" "$K1")" "after the disk was full: store = kernel growth (in_b in_p out_b out_p)"

# Read-only: Linux refuses to remount a filesystem read-only while a file
# on it is open for writing (EBUSY), so a running collector cannot meet
# EROFS this way; a collector started on a read-only store refuses to
# start, naming it, and the next start loses nothing.
kill -TERM "$COLLECT"; wait "$COLLECT"
assert_eq "$?" 0 "collect exits 0 on SIGTERM"
must "remount the store's filesystem read-only" mount -o remount,ro "$SMALL"
check "traffic while the store is read-only" traffic
timeout 10 ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 >/dev/null 2>"$LAB_TMP/ro.err"
assert_eq "$?" 1 "collect on a read-only store exits 1"
grep -q "$DB: cannot write to the store: Read-only file system" "$LAB_TMP/ro.err" &&
	ok "it names the store and says read-only: $(sed "s|$LAB_TMP/||" "$LAB_TMP/ro.err")" || fail "read-only said: $(cat "$LAB_TMP/ro.err")"
must "remount it read-write" mount -o remount,rw "$SMALL"
start_collect
wait_snapshots 1
check "traffic after the store is writable again" traffic
kernel_still stored_after 2
K1=$KERNEL_STILL
assert_eq "$STORED" "$(growth "$K0" "$K1")" "after disk full and read-only: store = kernel growth (in_b in_p out_b out_p)"

# The wall clock stepped forward 1 h, then back 1 h (2 h back from there).
STEP=$LAB_TMP/clockstep
# Replaced whole (rename), never rewritten in place: the collector reads
# an empty file, between the truncation and the write, as 0 (a step of its
# own: an ASan run under load saw "back by 3600000 ms" twice).
step_to() { echo "$1" >"$STEP.new" && mv "$STEP.new" "$STEP"; }
step_to 0
kill -TERM "$COLLECT"; wait "$COLLECT"
assert_eq "$?" 0 "collect exits 0 on SIGTERM"
K1=$(kernel); S1=$(stored)
export CTV_TEST_CLOCK_STEP_FILE=$STEP
start_collect
wait_snapshots 1
check "traffic before the step" traffic
step_to 3600
wait_snapshots 2
check "traffic after the step forward" traffic
step_to -3600
wait_snapshots 2
check "traffic after the step back" traffic
kernel_still stored_after 3
kill -TERM "$COLLECT"; wait "$COLLECT"
unset CTV_TEST_CLOCK_STEP_FILE
K2=$KERNEL_STILL
assert_eq "$STORED" "$(growth "$K1" "$K2" | awk -v s="$S1" 'BEGIN { split(s, a, " ") } { print $1 + a[1], $2 + a[2], $3 + a[3], $4 + a[4] }')" \
	"after the clock steps: store = kernel growth"
q() { sqlite3 "file:$DB?mode=ro" "$1"; }
assert_eq "$(q 'SELECT count(*) FROM interval WHERE end_ms < start_ms')" 0 "no negative interval"
assert_eq "$(q 'SELECT count(*) FROM interval a JOIN interval b ON b.id = a.id + 1 WHERE b.start_ms < a.end_ms')" 0 \
	"no interval starts before the previous one ends"
# After the step back the timeline holds (zero-length intervals at its end)
# until the wall clock passes it: no stretch of time is counted twice.
assert_eq "$(q 'SELECT count(*) FROM interval a JOIN interval b ON a.id < b.id
	WHERE a.end_ms > a.start_ms AND b.end_ms > b.start_ms AND b.start_ms < a.end_ms AND a.start_ms < b.end_ms')" 0 \
	"no two intervals share any time (no minute twice)"
steps=$(q "SELECT group_concat(detail, ' | ') FROM event WHERE kind = 'clock_step'")
case $steps in
*forward*back*) ok "clock_step events recorded: $steps" ;;
*) fail "clock steps not recorded: '$steps'" ;;
esac
assert_eq "$(q "SELECT count(*) FROM event WHERE kind = 'clock_step'")" 2 "one clock_step event per step"

e2e_done
