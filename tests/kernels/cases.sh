#!/usr/bin/env bash
# cases.sh RESULTS [CASE...] - the part of the e2e suite the kernel test
# (tests/kernels/kernels_test.sh) runs on each kernel: on this machine's
# kernel directly, on Debian 12's stock 6.1 inside qemu. One lab for all
# cases (booting namespaces is slow under TCG); transfers are a few pings.
# Each case appends "PASS NAME" or "FAIL NAME" to RESULTS; the harness
# decides what a failure means (tests/kernels/known_failures).
#
# Ground truth is independent of our code: ping's own packet count and
# size, `nft -j list` counters, iptables-legacy-save -c.
. "$(dirname "$0")/../e2e/common.sh"
e2e_require_root nft awk
. "$top_srcdir/tests/lab/lab.sh"

RESULTS=$1
shift
CASES=${*:-node_reload node_restart ctverify_nft ctverify_ipt reconcile}

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF CTNODE_STATEDIR=$LAB_TMP/nodestate
ctnode() { lab_exec node "$CTNODE" "$@"; }
PING4=84 # bytes of one IPv4 echo of ping -s 56 (20 + 8 + 56)

# in_bytes/out_bytes of CT in CLASS (IPv4) from ctnode stat; "" if no row.
nstat() { # CT CLASS FIELD
	ctnode stat -a -4 --format json |
		jq -r --arg ct "$1" --argjson c "$2" "[.[] | select(.ct == \$ct and .class == \$c) | .$3] | add // empty"
}
pings() { lab_exec "$1" ping -q -c "$2" -i 0.2 -W 2 "$3" >/dev/null; }

# Setup, traffic, a reload with changed classes and containers (counts
# kept), one of them configured with its device missing (stopped): setup
# installs the rest, stat names it in a notice on stderr and keeps its
# stdout, metrics say ctnode_container_hooked 0 for it and 1 for the
# others; then traffic, an unchanged reload, teardown.
case_node_reload() {
	local a b c d out=$LAB_TMP/missing
	printf '1 0.0.0.0/0\n1 ::/0\n' >"$CONF/networks_classes"
	printf '101 veth veth101\n' >"$CONF/containers"
	check "ctnode setup (first)" ctnode setup || return
	lab_listing_check node
	check "5 pings from ct101" pings ct101 5 "$LAB_REMOTE4"
	a=$(nstat 101 1 out_bytes); b=$(nstat 101 1 in_bytes)
	assert_ge "$a" $((5 * PING4)) "ct101 class 1 out bytes after 5 pings"
	assert_ge "$b" $((5 * PING4)) "ct101 class 1 in bytes after 5 pings"
	# Changed classes and containers: a class 2 and three more containers,
	# ct104's device missing.
	printf '1 0.0.0.0/0\n1 ::/0\n2 198.19.0.0/16\n' >"$CONF/networks_classes"
	lab_containers_file "$CONF/containers"
	printf '104 veth veth104\n' >>"$CONF/containers"
	check "ctnode setup again (class 2; ct102, ct103 and ct104 without device added)" ctnode setup || return
	lab_listing_check node
	ctnode stat >"$out.stat" 2>"$out.err"
	check "ctnode stat exits 0" test $? = 0
	check "stat: a notice names ct104 and its missing device" \
		grep -q "notice: container 104: its device veth104 is missing" "$out.err"
	check "stat: no notice for the hooked ct101" bash -c "! grep -q 'container 101' $out.err"
	check "stat: stdout keeps its layout (header, then rows)" \
		awk 'NR == 1 && $1 == "CTID" { h = 1 } NR > 1 && $1 !~ /^[0-9]+$/ { bad = 1 } END { exit !(h && !bad) }' "$out.stat"
	check "stat: ct101 counted" awk '$1 == 101 && $2 == 1 && $5 >= 420 { f = 1 } END { exit !f }' "$out.stat"
	ctnode metrics >"$out.prom" 2>&1
	check "metrics: ct104 not hooked" grep -qx 'ctnode_container_hooked{ct="104",dev="veth104"} 0' "$out.prom"
	check "metrics: ct101 hooked" grep -qx 'ctnode_container_hooked{ct="101",dev="veth101"} 1' "$out.prom"
	check "metrics: ct103 hooked" grep -qx 'ctnode_container_hooked{ct="103",dev="veth103"} 1' "$out.prom"
	c=$(nstat 101 1 out_bytes); d=$(nstat 101 1 in_bytes)
	assert_ge "$c" "$a" "ct101 class 1 out bytes kept across the reload"
	assert_ge "$d" "$b" "ct101 class 1 in bytes kept across the reload"
	assert_le "$(sub "${c:-x}" "${a:-x}" "out growth")" 300 "the reload itself adds no traffic to ct101 (out)"
	check "the reload hooks ct103's device" bash -c \
		"ip netns exec $(lab_ns node) nft list chain netdev ctnode to_ct | grep -q veth103"
	check "5 pings from ct103 after the reload" pings ct103 5 "$LAB_REMOTE4"
	assert_ge "$(nstat 103 1 out_bytes)" $((5 * PING4)) "ct103 counted after the reload"
	check "3 pings from ct101 after the reload" pings ct101 3 "$LAB_REMOTE4"
	assert_ge "$(nstat 101 1 out_bytes)" $((a + 3 * PING4)) "ct101 goes on counting after the reload"
	check "ctnode setup a third time, nothing changed" ctnode setup
	assert_ge "$(nstat 101 1 out_bytes)" $((a + 3 * PING4)) "ct101 counts kept by an unchanged reload"
	check "ctnode teardown" ctnode teardown
	check "the table is gone" bash -c "! ip netns exec $(lab_ns node) nft list table netdev ctnode >/dev/null 2>&1"
}

# A container restart: its veth deleted and made again under the same
# name while ctnode collect runs; traffic after it is counted within 1 s.
case_node_restart() {
	local before i got=
	printf '1 0.0.0.0/0\n1 ::/0\n' >"$CONF/networks_classes"
	lab_containers_file "$CONF/containers"
	check "ctnode setup" ctnode setup || return
	lab_listing_check node
	ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$LAB_TMP/restart.db" --interval 1 \
		>"$LAB_TMP/restart.out" 2>&1 &
	local pid=$!
	lab_own "$pid"
	check "5 pings from ct101" pings ct101 5 "$LAB_REMOTE4"
	for i in $(seq 1 50); do # collect follows the links before its first snapshot
		[ "$(sqlite3 "file:$LAB_TMP/restart.db?mode=ro" 'SELECT count(*) FROM interval' 2>/dev/null)" -ge 1 ] 2>/dev/null && break
		sleep 0.1
	done
	restart_ct101
	rehooked "within 5 s of its device's return"
	before=$(nstat 101 1 out_bytes)
	check "3 pings from ct101 after its restart" pings ct101 3 "$LAB_REMOTE4"
	for i in $(seq 1 50); do
		got=$(nstat 101 1 out_bytes)
		[ "${got:-0}" -ge $((${before:-0} + 3 * PING4)) ] && break
		sleep 0.1
	done
	assert_ge "$got" $((${before:-0} + 3 * PING4)) "traffic after the restart counted"
	kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	assert_eq "$(gaps101)" 1 "the restart is ct101's gap event in collect's store"
	assert_ge "$(sqlite3 "file:$LAB_TMP/restart.db?mode=ro" \
		"SELECT max(to_ms - from_ms) FROM event WHERE kind = 'gap' AND detail LIKE 'container 101:%'")" 1 \
		"ct101's gap has a width (ms)"
	# A restart while no collector runs: a kernel that hooks by index
	# leaves the new device unhooked (stat says so), and the next collect
	# hooks it at its start, with a gap from its store's last reading.
	restart_ct101
	ctnode stat >/dev/null 2>"$LAB_TMP/restart.err"
	local want=1
	grep -q 'container 101: its device veth101 is there but not hooked' "$LAB_TMP/restart.err" && want=2
	ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$LAB_TMP/restart.db" --interval 1 \
		>>"$LAB_TMP/restart.out" 2>&1 &
	pid=$!
	lab_own "$pid"
	rehooked "by a collect started after the restart"
	kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	assert_eq "$(gaps101)" "$want" "a gap for the restart without a collector where the kernel left it unhooked"
	check "ctnode teardown" ctnode teardown
}
# The container ct101 restarted: its veth deleted and made again.
restart_ct101() {
	ip -n "$(lab_ns node)" link del veth101
	lab_link node veth101 ct101 eth0
	ip -n "$(lab_ns node)" link set veth101 master br0
	lab_addr ct101 eth0 "$LAB_CT101_4/24"
	lab_route ct101 default via 198.18.10.1
}
# rehooked WHEN: stat's notice about ct101 gone (5 s at most: under load).
rehooked() {
	local i
	for i in $(seq 1 50); do
		ctnode stat >/dev/null 2>"$LAB_TMP/restart.err"
		grep -q 'container 101' "$LAB_TMP/restart.err" || break
		sleep 0.1
	done
	check "stat: ct101 hooked again $1 ($(head -c 200 "$LAB_TMP/restart.err"))" \
		bash -c "! grep -q 'container 101' $LAB_TMP/restart.err"
}
gaps101() {
	sqlite3 "file:$LAB_TMP/restart.db?mode=ro" \
		"SELECT count(*) FROM event WHERE kind = 'gap' AND detail LIKE 'container 101:%'"
}

# ctverify in ct101 with one backend: install, show, check, remove.
ctverify_backend() { # nft|iptables
	local be=$1 js n
	export CTVERIFY_STATEDIR=$LAB_TMP/state-$be
	printf 'service web proto=tcp lport=80,443\nservice ping proto=icmp\n' >"$LAB_TMP/k.rules"
	check "$be: rules install" lab_exec ct101 "$CTVERIFY" rules install --backend "$be" -f "$LAB_TMP/k.rules" || return
	lab_listing_check ct101
	check "$be: 4 pings from ct101" pings ct101 4 "$LAB_REMOTE4"
	js=$(lab_exec ct101 "$CTVERIFY" rules show --format json)
	n=$(jq -r '[.[] | select(.name == "ping") | .out_bytes] | add // empty' <<<"$js")
	assert_ge "$n" $((4 * PING4)) "$be: rules show counts the pings in bucket ping"
	if [ "$be" = nft ]; then
		n=$(lab_exec ct101 nft -j list ruleset | jq '[.nftables[] | select(.counter and .counter.table == "ctverify") | .counter.packets] | add')
	else
		n=$(lab_exec ct101 iptables-legacy-save -c | awk '/^\[/ { split(substr($1, 2), a, ":"); s += a[1] } END { print s + 0 }')
	fi
	assert_ge "$n" 8 "$be: the kernel's own counters saw the pings (nft -j / iptables-legacy-save -c)"
	check "$be: rules check" lab_exec ct101 "$CTVERIFY" rules check
	check "$be: rules remove" lab_exec ct101 "$CTVERIFY" rules remove
	check "$be: nothing of ours left" bash -c "! ip netns exec $(lab_ns ct101) $CTVERIFY rules check >/dev/null 2>&1"
}
case_ctverify_nft() { ctverify_backend nft; }
case_ctverify_ipt() { ctverify_backend iptables; }

# Reconcile on a small statement: both collectors for a few seconds with
# a few pings, the node's statement for ct101 against ct101's store.
case_reconcile() {
	local ndb=$LAB_TMP/rec-node.db cdb=$LAB_TMP/rec-ct.db np cp rc
	printf '1 0.0.0.0/0\n1 ::/0\n' >"$CONF/networks_classes"
	lab_containers_file "$CONF/containers"
	export CTVERIFY_STATEDIR=$LAB_TMP/state-rec
	check "ctnode setup" ctnode setup || return
	printf 'service ping proto=icmp\n' >"$LAB_TMP/r.rules"
	check "ctverify rules install" lab_exec ct101 "$CTVERIFY" rules install -f "$LAB_TMP/r.rules" || return
	lab_listing_check ct101
	ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$ndb" --interval 1 >/dev/null 2>&1 &
	np=$!; lab_own "$np"
	ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$cdb" --interval 1 >/dev/null 2>&1 &
	cp=$!; lab_own "$cp"
	sleep 2
	check "5 pings from ct101" pings ct101 5 "$LAB_REMOTE4"
	sleep 3
	kill -TERM "$np" "$cp" 2>/dev/null; wait "$np" "$cp" 2>/dev/null
	check "ctnode export --ct 101" bash -c "ip netns exec $(lab_ns node) $CTNODE export --db $ndb --ct 101 >$LAB_TMP/st.json"
	lab_exec ct101 "$CTVERIFY" reconcile --db "$cdb" --classes "$CONF/networks_classes" \
		--node "$LAB_TMP/st.json" --format json >"$LAB_TMP/rec.json" 2>"$LAB_TMP/rec.err"
	rc=$?
	check "reconcile exits 0 or 1 (a verdict, not an error), got $rc: $(head -c 300 "$LAB_TMP/rec.err")" test "$rc" -le 1
	check "reconcile gives a verdict" jq -e '.verdict' "$LAB_TMP/rec.json"
	lab_exec ct101 "$CTVERIFY" rules remove >/dev/null 2>&1
	ctnode teardown >/dev/null 2>&1
}

for c in $CASES; do
	f0=$(e2e_fails)
	t0=$(date +%s)
	echo "=== case $c"
	"case_$c"
	echo "=== case $c: $(($(date +%s) - t0)) s"
	if [ "$(e2e_fails)" = "$f0" ]; then echo "PASS $c" >>"$RESULTS"; else echo "FAIL $c" >>"$RESULTS"; fi
done
exit 0
