# reconcile_common.sh - the lab the reconcile e2e tests share
# (reconcile_test.sh, reconcile_truth_test.sh): the lab up; ctnode's
# configuration and state and ctverify's state under $LAB_TMP (CONF, NDB,
# CDB; OUT for the test's files); ctnode() on the node, ctv() in ct101; the
# node's setup from a classes file, the two collectors and waiting for
# their intervals. Source after common.sh and lab.sh.
lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF CTNODE_STATEDIR=$LAB_TMP/nodestate CTVERIFY_STATEDIR=$LAB_TMP/ct101state
NDB=$CTNODE_STATEDIR/ctnode.db
CDB=$CTVERIFY_STATEDIR/ctverify.db
OUT=$LAB_TMP/out; mkdir -p "$OUT"
ctnode() { lab_exec node "$CTNODE" "$@"; }
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }

# reconcile_node_setup WHAT ADDR...: the networks_classes file from stdin
# and the lab's containers file; ADDR... on remote (the step named WHAT);
# ctnode setup, its listing checked.
reconcile_node_setup() {
	local what=$1
	shift
	cat >"$CONF/networks_classes"
	lab_containers_file "$CONF/containers"
	must "$what" lab_remote_addr "$@"
	check "ctnode setup" ctnode setup
	lab_listing_check node
}

count() { sqlite3 "file:$1?mode=ro" "SELECT count(*) FROM interval" 2>/dev/null || echo 0; }
wait_intervals() { # DB N [SECONDS]: until DB has N more intervals (10 s at most)
	local want=$(( $(count "$1") + $2 )) s=${3:-10} i
	for i in $(seq 1 $((s * 10))); do
		[ "$(count "$1")" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "no new interval in $1 within $s s"
}

# start_node_collect SECONDS / start_ct_collect SECONDS: ctnode collect on
# the node into $NDB (NCOLLECT its pid), ctverify collect in ct101 into
# $CDB (CCOLLECT), every SECONDS, their output in $LAB_TMP.
start_node_collect() {
	ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$NDB" --interval "$1" \
		>"$LAB_TMP/ncollect.out" 2>&1 &
	NCOLLECT=$!
	lab_own "$NCOLLECT"
}
start_ct_collect() {
	ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$CDB" --interval "$1" \
		>"$LAB_TMP/ccollect.out" 2>&1 &
	CCOLLECT=$!
	lab_own "$CCOLLECT"
}
