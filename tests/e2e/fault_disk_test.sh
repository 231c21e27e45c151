#!/usr/bin/env bash
# Faults under a running ctverify collect (docs/RELIABILITY.md), nft
# backend, 1 s interval, traffic flowing: the store on a small tmpfs filled
# up (SQLITE_FULL): collect keeps running, says so once a minute (here:
# once), and when space returns the store's totals equal the growth of
# nft's own counters, nothing lost, nothing twice. A collector started on
# a read-only store refuses. Then the wall clock stepped +1 h and -1 h
# (through the CTV_TEST_CLOCK_STEP_FILE hook: stepping the real clock
# would disturb the whole shared machine): no negative or overlapping
# intervals, no minute twice, a clock_step event per step, totals still
# exact. Last, the store on a loop-mounted ext4 forced read-only under the
# running collector (EROFS on every write): it runs on and says so once,
# and a collector on a copy of the store, and one on the repaired
# filesystem, each record what the kernel counted since the start.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
fault_env
SMALL=$LAB_TMP/small
mkdir -p "$SMALL"
must "a 4 MiB tmpfs for the store" lab_mount "$SMALL" -t tmpfs -o size=4m ctv-fault
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
sum_rows() { # report --format json rows -> "in_bytes in_packets out_bytes out_packets", summed
	jq -r '[([.[].in_bytes] | add), ([.[].in_packets] | add), ([.[].out_bytes] | add), ([.[].out_packets] | add)] | map(tostring) | join(" ")'
}
stored() { ctv report --db "$DB" --by total --format json | sum_rows; }
traffic() {
	lab_tcp remote ct101 "$LAB_CT101_4" 80 20000 60000 &&
		lab_tcp ct101 remote "$LAB_REMOTE4" 5001 50000 1000
}
growth() { # K0 K1 -> K1 - K0, per field
	local a b; read -r -a a <<<"$1"; read -r -a b <<<"$2"
	need_int "kernel counters" "${a[@]}" "${b[@]}" || return
	echo "$((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2])) $((b[3] - a[3]))"
}
COLLECTOR=$CTVERIFY COLLECTOR_IN=ct101 # the last phase runs ctnode's
start_collect() {
	ip netns exec "$(lab_ns "$COLLECTOR_IN")" "$COLLECTOR" collect --db "$DB" --interval 1 \
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


# A read-only filesystem under a running collector. Linux refuses a
# remount read-only while a file is open for writing (above), but an ext4
# mounted errors=remount-ro goes read-only at once when the kernel meets
# an error (trigger_fs_error makes one): every later write fails with
# EROFS. The kernel's counters keep counting, so nothing is lost as long
# as some later collector can write: one on a copy of the store, or on
# the repaired filesystem.

# ext4_store NAME: a 32 MiB ext4 image $LAB_TMP/NAME.img loop-mounted
# errors=remount-ro on $LAB_TMP/NAME (EXT, IMG; TRIGGER its error switch).
ext4_store() {
	IMG=$LAB_TMP/$1.img EXT=$LAB_TMP/$1
	mkdir -p "$EXT"
	must "a 32 MiB ext4 image" sh -c 'truncate -s 32M "$1" && mkfs.ext4 -q -F "$1"' sh "$IMG"
	must "loop-mount it errors=remount-ro" lab_mount "$EXT" -o loop,errors=remount-ro "$IMG"
	LOOPDEV=$(findmnt -no SOURCE --mountpoint "$EXT")
	TRIGGER=/sys/fs/ext4/${LOOPDEV##*/}/trigger_fs_error
	[ -w "$TRIGGER" ] && ok "the loop device $LOOPDEV has $TRIGGER" || fail "no $TRIGGER for $LOOPDEV"
}

# ro_under_collect WHO: with COLLECT running on $DB in $EXT, traffic, the
# store written back (a store that ran a while is on the disk; SQLite's
# WAL is not synced at each commit, synchronous=NORMAL, and ext4 writes
# it back within 30 s: the snapshots after this point perhaps not), then
# the kernel's error: collect runs on, without spinning, says why once,
# and exits 1 on SIGTERM (its last snapshot failed too).
ro_under_collect() {
	local who=$1 n0 cpu0 cpu t0 ms ro_err round
	check "$who: traffic before the filesystem goes read-only" traffic
	wait_snapshots 2
	must "write the store back" sync -f "$DB"
	wait_snapshots 1
	n0=$(wc -l <"$LAB_TMP/collect.err")
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$COLLECT/stat")
	must "trigger an ext4 error" sh -c 'echo ctverify-test >"$1"' sh "$TRIGGER"
	touch "$EXT/probe" 2>"$LAB_TMP/touch.err"
	assert_eq "$?" 1 "a write on the filesystem fails now"
	grep -q "Read-only file system" "$LAB_TMP/touch.err" &&
		ok "with EROFS: $(findmnt -no OPTIONS --mountpoint "$EXT")" || fail "touch said: $(cat "$LAB_TMP/touch.err")"
	t0=$(date +%s%N)
	for round in 1 2 3 4 5; do
		check "$who: traffic on a read-only filesystem, round $round" traffic
		sleep 1
	done
	kill -0 "$COLLECT" 2>/dev/null && ok "$who runs on with its store read-only" || fail "$who ended on EROFS"
	cpu=$(( $(awk '{ print $14 + $15 }' "/proc/$COLLECT/stat") - cpu0 ))
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	assert_le "$cpu" $((ms / 10 / 10)) "$who used at most a tenth of a CPU meanwhile ($cpu ticks in $ms ms): no spin"
	ro_err=$(tail -n +$((n0 + 1)) "$LAB_TMP/collect.err")
	case $ro_err in
	*"$DB"*"Read-only file system"*) ok "$who says why the store cannot be written: $(head -1 <<<"$ro_err" | sed "s|$LAB_TMP/||")" ;;
	*) fail "$who did not say the store is read-only: '$ro_err'" ;;
	esac
	assert_eq "$(grep -c . <<<"$ro_err")" 1 "said once in the first minute of failures"
	kill -TERM "$COLLECT"; wait "$COLLECT"
	assert_eq "$?" 1 "$who exits 1 on SIGTERM (its last snapshot could not be recorded)"
	tail -n +$((n0 + 1)) "$LAB_TMP/collect.err" | sed "s|$LAB_TMP/||; s|^|# $who said: |" >&2
}

# on_copy WHO: the filesystem stays read-only: the store copied out (what
# the collector committed is all there to read) and a collector on the
# copy records what the kernel counted since K0.
on_copy() {
	local copy=$LAB_TMP/copy-$1
	mkdir -p "$copy"
	must "copy the store out of the read-only filesystem" cp "$DB" "$DB-wal" "$copy/"
	DB=$copy/${DB##*/}
	start_collect
	wait_snapshots 1
	check "$1: traffic after the move to the copy" traffic
	kernel_still stored_after 2
	assert_eq "$STORED" "$(growth "$K0" "$KERNEL_STILL")" "$1 on the copy: store = kernel growth since the start"
	kill -TERM "$COLLECT"; wait "$COLLECT"
	assert_eq "$?" 0 "$1 on the copy exits 0 on SIGTERM"
}

ext4_store ext4
DB=$EXT/ctverify.db
collect_baseline kernel
ro_under_collect collect
on_copy collect
# Repair: remount,rw does not end the emergency (the journal is aborted):
# unmount, e2fsck, mount again. The store there lost its last commits
# (never written out), but its last reading is what it holds, so the next
# collector records the whole time since.
mount -o remount,rw "$EXT" 2>/dev/null
touch "$EXT/probe" 2>/dev/null && rw=writable || rw="still read-only"
echo "# after mount -o remount,rw: $rw" >&2
if [ "$rw" != writable ]; then
	lab_umount "$EXT"
	held=$(losetup -j "$IMG")
	if [ -z "$held" ]; then
		ok "unmounted; the loop device let go of the image"
		e2fsck -fy "$IMG" >"$LAB_TMP/fsck.out" 2>&1
		assert_le "$?" 1 "e2fsck -fy repaired the image (exit 0 or 1)"
		must "mount the repaired image" lab_mount "$EXT" -o loop,errors=remount-ro "$IMG"
	else
		fail "the image is still held 60 s after umount: $held"
	fi
fi
DB=$EXT/ctverify.db
start_collect
wait_snapshots 1
check "traffic after the repair" traffic
kernel_still stored_after 2
assert_eq "$STORED" "$(growth "$K0" "$KERNEL_STILL")" "on the repaired filesystem: store = kernel growth since the start (in_b in_p out_b out_p)"
assert_eq "$(sqlite3 "file:$DB?mode=ro" 'PRAGMA quick_check')" ok "the repaired store passes quick_check"
kill -TERM "$COLLECT"; wait "$COLLECT"
assert_eq "$?" 0 "collect on the repaired filesystem exits 0 on SIGTERM"

# The same under ctnode collect (the same store code): container 101,
# one class; the kernel's counters are the ctnode table's (nft -j in the
# node, the egress "in" counters less their 14-byte Ethernet header).
printf '1 0.0.0.0/0\n1 ::/0\n' >"$CTNODE_CONFDIR/networks_classes"
printf '101 veth veth101\n' >"$CTNODE_CONFDIR/containers"
check "ctnode setup" ctn setup
kernel() {
	lab_nft_json node | jq -r '[.nftables[] | select(.counter and .counter.table == "ctnode") | .counter |
		select(.name | test("^ct101_c1_(in|out)[46]$"))] |
		[([.[] | select(.name | contains("_in")) | .bytes - 14 * .packets] | add // 0),
		 ([.[] | select(.name | contains("_in")) | .packets] | add // 0),
		 ([.[] | select(.name | contains("_out")) | .bytes] | add // 0),
		 ([.[] | select(.name | contains("_out")) | .packets] | add // 0)] | map(tostring) | join(" ")'
}
stored() { ctn report --db "$DB" --ct 101 --by total --format json | sum_rows; }
COLLECTOR=$CTNODE COLLECTOR_IN=node
ext4_store ext4node
DB=$EXT/ctnode.db
collect_baseline kernel
ro_under_collect "ctnode collect"
on_copy "ctnode collect"

e2e_done
