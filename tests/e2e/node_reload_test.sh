#!/usr/bin/env bash
# Issue 10 case 2 and issue 12 "containers come and go", node side, under
# ctnode collect at its default interval (60 s):
#  (c) 'nft flush ruleset' in the node: the netdev ctnode table is back
#      within 1 s (nft list table), as the last setup installed it, one
#      gap event;
#  (d) ct101's veth deleted and made again under the same name (a
#      container restart): pings after it are counted (ctnode stat, and
#      nft's own counter) within 1 s of the device's return, the counts
#      from before kept, and the restart is ct101's gap event.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3 jq ping
. "$top_srcdir/tests/lab/lab.sh"
lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF CTNODE_STATEDIR=$LAB_TMP/nodestate
DB=$CTNODE_STATEDIR/ctnode.db
ctnode() { lab_exec node "$CTNODE" "$@"; }
now_ms() { date +%s%3N; }
cat >"$CONF/networks_classes" <<'EOR'
1 0.0.0.0/0
1 ::/0
EOR
cat >"$CONF/containers" <<'EOR'
101 veth veth101
102 ip 198.18.20.102,2001:db8:20::102
EOR
check "ctnode setup" ctnode setup
lab_listing_check node

present() { lab_exec node nft list table netdev ctnode >/dev/null 2>&1; }
# ct101's bytes sent (out, class 1), as ctnode stat and as nft's own
# counter say.
stat_out() { ctnode stat -v 101 -c 1 --format json | jq -r '.[0].out_bytes'; }
nft_out() {
	lab_nft_json node | jq '[.nftables[] | select(.counter and .counter.table == "ctnode") | .counter |
		select(.name | test("^ct101_c1_out[46]$")) | .bytes] | add // 0'
}
gaps() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM event WHERE kind = 'gap' $1"; }
wait_for() { # WHAT MS CMD...: polls CMD until it succeeds; prints the ms it took
	local what=$1 limit=$2 t0 t
	shift 2
	t0=$(now_ms)
	while :; do
		"$@" && { echo $(( $(now_ms) - t0 )); return 0; }
		t=$(( $(now_ms) - t0 ))
		[ "$t" -ge "$limit" ] && { fail "$what: not within $limit ms"; return 1; }
		sleep 0.02
	done
}

ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$DB" \
	>>"$LAB_TMP/collect.out" 2>>"$LAB_TMP/collect.err" &
COLLECT=$!
wait_for "the first snapshot" 30000 test -s "$DB" >/dev/null
sleep 0.5

# (c) the firewall's reload.
check "ping before the reload" lab_exec ct101 ping -c 3 -i 0.2 -q "$LAB_REMOTE4"
# The repair puts back what the last setup installed, not a containers
# file edited since without a setup.
cp "$CONF/containers" "$LAB_TMP/containers.set"
echo "101 veth veth101" >"$CONF/containers"
t0=$(now_ms)
check "nft flush ruleset in the node" lab_exec node nft flush ruleset
back=$(wait_for "table back" 5000 present)
t=$(( $(now_ms) - t0 ))
assert_le "$t" 1000 "(c) the ctnode table is back within 1 s of the flush (${t} ms)"
lab_listing_check node
has_102() { lab_nft_json node | jq -e '[.nftables[] | select(.counter and .counter.table == "ctnode" and (.counter.name | startswith("ct102_")))] | length > 0' >/dev/null; }
check "(c) the repair installed the last setup's containers (102 too), not the edited file" has_102
cp "$LAB_TMP/containers.set" "$CONF/containers"
assert_eq "$(gaps '')" 1 "(c) the flush is one gap event"
grep -q 'table was deleted; installed what the last setup did again' "$LAB_TMP/collect.err" && ok "(c) collect says it reinstalled the table" ||
	fail "(c) no notice: $(cat "$LAB_TMP/collect.err")"

# (d) a container restart: the veth pair deleted and made again.
check "ping before the restart" lab_exec ct101 ping -c 3 -i 0.2 -q "$LAB_REMOTE4"
s0=$(stat_out); n0=$(nft_out)
assert_ge "$s0" 252 "(d) the pings before the restart were counted"
must "delete veth101" ip -n "$(lab_ns node)" link del veth101
sleep 0.3
must "make veth101 again" lab_link node veth101 ct101 eth0
t0=$(now_ms)
ip -n "$(lab_ns node)" link set veth101 master br0
lab_addr ct101 eth0 198.18.10.101/24
lab_addr ct101 eth0 2001:db8:10::101/64
lab_route ct101 default via 198.18.10.1
lab_route ct101 default via 2001:db8:10::1
ping_counted() {
	lab_exec ct101 ping -c 1 -W 1 -q "$LAB_REMOTE4" >/dev/null 2>&1 &&
		[ "$(stat_out)" -gt "$s0" ]
}
took=$(wait_for "(d) pings after the restart counted" 3000 ping_counted)
t=$(( $(now_ms) - t0 ))
need_int "(d) pings counted" "$took" && assert_le "$t" 1000 "(d) pings after the device's return counted within 1 s (${t} ms)"
check "five pings after the restart" lab_exec ct101 ping -c 5 -i 0.2 -q "$LAB_REMOTE4"
s1=$(stat_out); n1=$(nft_out)
assert_ge "$((s1 - s0))" 420 "(d) ctnode stat counts the pings after the restart"
assert_eq "$((s1 - s0))" "$((n1 - n0))" "(d) ctnode stat's growth = nft's own counter's growth"
assert_ge "$s1" "$s0" "(d) the counts from before the restart are kept"
assert_eq "$(gaps "AND detail LIKE 'container 101:%'")" 1 "(d) the restart is ct101's gap event"
w=$(sqlite3 "file:$DB?mode=ro" "SELECT to_ms - from_ms FROM event WHERE kind = 'gap' AND detail LIKE 'container 101:%'")
assert_ge "${w:-0}" 250 "(d) the gap covers the time the device was gone (${w} ms)"
assert_le "${w:-99999}" 3000 "(d) and not much more"

# 'ctnode teardown' is the administrator's: collect does not undo it.
check "ctnode teardown while collect runs" ctnode teardown
sleep 1.5
present && fail "collect put back the table 'ctnode teardown' removed" ||
	ok "a table removed by 'ctnode teardown' stays removed under collect"
kill -TERM "$COLLECT"; wait "$COLLECT"
assert_eq "$?" 1 "collect exits 1 on SIGTERM: its last snapshot found no table (the result is the last snapshot's)"
e2e_done
