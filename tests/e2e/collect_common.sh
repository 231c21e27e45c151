# collect_common.sh - what the e2e tests that run a collector share. Needs
# common.sh and lab.sh; the test sets DB (the store) and defines
# start_collect (which sets COLLECT to the collector's pid).

# Snapshots recorded in $DB so far: intervals, plus one for the baseline.
snapshots() {
	sqlite3 "file:$DB?mode=ro" "SELECT (SELECT count(*) FROM interval) + (SELECT count(*) FROM state)" 2>/dev/null || echo 0
}

# wait_snapshots N: waits until $DB has N more snapshots than now (10 s at most).
wait_snapshots() {
	local want=$(( $(snapshots) + $1 )) i
	for i in $(seq 1 100); do
		[ "$(snapshots)" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "collect recorded no snapshot in 10 s"
	return 1
}

# collect_baseline KERNEL: starts the collector so that its baseline is
# what the function KERNEL printed just before (K0): stray packets (IPv6
# multicast listener reports after an install) may move a counter in
# between, then it starts again, five times at most. Leaves it running.
collect_baseline() {
	local try
	for try in 1 2 3 4 5; do
		K0=$("$1")
		start_collect
		wait_snapshots 1
		[ "$("$1")" = "$K0" ] && return 0
		kill -TERM "$COLLECT"; wait "$COLLECT"
		rm -f "$DB" "$DB-wal" "$DB-shm"
		sleep 1
	done
	fail "the counters never stood still for a baseline"
}

# kill9_loop N: N times, starts the collector and kill -9s it at a random
# moment (0-2 s in).
kill9_loop() {
	local k
	for k in $(seq 1 "$1"); do
		start_collect
		sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
		[ $((RANDOM % 3)) = 0 ] && sleep 1
		kill -9 "$COLLECT"
		wait "$COLLECT" 2>/dev/null
	done
}

# fault_env: the lab's state directories and the ctv/ctn shorthands.
fault_env() {
	export CTVERIFY_STATEDIR="$LAB_TMP/state" CTNODE_STATEDIR="$LAB_TMP/nodestate" CTNODE_CONFDIR="$LAB_TMP/conf"
	mkdir -p "$CTNODE_CONFDIR"
}
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }
ctn() { lab_exec node "$CTNODE" "$@"; }

# kernel_quiet: waits until the test's kernel function (its counters, read
# independently) gives the same answer 1 s apart (killed connections can
# send a retransmitted FIN or a reset seconds later), 15 s at most; the
# answer in KERNEL_QUIET.
kernel_quiet() {
	local prev i
	prev=$(kernel)
	for i in $(seq 1 15); do
		sleep 1
		KERNEL_QUIET=$(kernel)
		[ "$KERNEL_QUIET" = "$prev" ] && return 0
		prev=$KERNEL_QUIET
	done
	fail "the kernel's counters still move 15 s after the traffic stopped"
	return 1
}

# kernel_still CMD...: waits for quiet, runs CMD, reads the kernel again:
# the same answer means no packet moved while CMD ran, so the snapshots
# taken in it saw exactly that answer (KERNEL_STILL). A stray packet
# meanwhile (a neighbour probe some 30 s after the last connection: the
# node counts it) makes it try again, five times at most. CMD's status.
kernel_still() {
	local try rc
	for try in 1 2 3 4 5; do
		kernel_quiet || return 1
		"$@"; rc=$?
		KERNEL_STILL=$(kernel)
		[ "$KERNEL_STILL" = "$KERNEL_QUIET" ] && return $rc
		echo "# a packet moved while '$*' ran (try $try of 5)" >&2
	done
	fail "the kernel's counters moved while '$*' ran, five times"
	return 1
}

# collect_two: a collector that records two snapshots, then SIGTERM; its status.
collect_two() {
	start_collect
	wait_snapshots 2
	kill -TERM "$COLLECT"
	wait "$COLLECT"
}

# kill9_under_traffic N: with the test's traffic function looping the
# whole time, kill9_loop N; then the last connection drains and a
# collector runs two snapshots while the kernel stands still (kernel_still
# collect_two: the store's last reading is KERNEL_STILL). Sets
# KILL_SNAPSHOTS to the snapshots recorded meanwhile; returns the last
# collector's status.
kill9_under_traffic() {
	local before rc
	( while :; do traffic >/dev/null 2>&1 || true; done ) &
	TRAFFIC=$!
	lab_own "$TRAFFIC"
	before=$(snapshots)
	kill9_loop "$1"
	lab_stop "$TRAFFIC"
	kernel_still collect_two
	rc=$?
	KILL_SNAPSHOTS=$(sub "$(snapshots)" "$before" "snapshots between the kills")
	return $rc
}
