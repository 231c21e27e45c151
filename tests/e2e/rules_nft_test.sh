#!/usr/bin/env bash
# ctverify rules with the nft backend, in ct101 of the lab, IPv4 and IPv6:
# known traffic lands in the right bucket; the buckets add up to what the
# interfaces and nft itself count; reinstall keeps counts; foreign tables
# stay byte-identical; rules check sees a deleted rule and a flushed table.
. "$(dirname "$0")/common.sh"
e2e_require_root nft setpriv
. "$top_srcdir/tests/lab/lab.sh"
. "$(dirname "$0")/rules_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
export CTVERIFY_STATEDIR="$LAB_TMP/state-ct101"
must "peer addresses on remote" lab_remote_addr 198.19.7.1/32 2001:db8:77::1/128

# 'ip netns exec' mounts a fresh /sys without the cgroup mounts; a
# container has its cgroup v2 tree at /sys/fs/cgroup, so give it one (in
# the command's own mount namespace) when the test uses a cgroup.
CGREL=
ctv() {
	if [ -n "$CGREL" ]; then
		lab_exec ct101 sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$CTVERIFY" "$@"
	else
		lab_exec ct101 "$CTVERIFY" "$@"
	fi
}

RULES="$LAB_TMP/test.rules"
cat >"$RULES" <<'EOF'
# The services this test drives, in first-match order.
service web      proto=tcp lport=80
service nobody   user=65534            # outbound connections of a non-root user
service dns-out  proto=udp rport=53
service backup   peer=198.19.7.0/24,2001:db8:77::/48
service high     proto=tcp lport=10000-30000   # too wide for a hash map: interval maps
EOF
BUCKETS="local web nobody dns-out backup high other"

# A cgroup v2 service, when this machine has cgroup v2 (unified or hybrid).
CGROOT=$(awk '$(NF-2) == "cgroup2" || $9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CGREL=ctv-e2e-$$
if [ -n "$CGROOT" ] && mkdir "$CGROOT/$CGREL" 2>/dev/null; then
	LAB_ON_EXIT="rmdir '$CGROOT/$CGREL' 2>/dev/null"
	sed -i "/^service backup/i service app cgroup=$CGREL" "$RULES"
	BUCKETS="local web nobody dns-out app backup high other"
else
	CGREL=
	e2e_skip_part "no cgroup v2 to create a test cgroup in: the cgroup= service"
fi

# cg_tcp ADDR PORT BYTES REPLY: ct101 connects to remote from a process in
# the test cgroup.
cg_tcp() {
	local ready=$LAB_TMP/ready.cg.$RANDOM$RANDOM pid got rc=0
	lab_port_free remote tcp "$2" || return 1
	lab_start remote "$NETPIPE" listen tcp "$1" "$2" --send "$4" --ready "$ready" >"$ready.out"
	pid=$LAB_PID
	lab_wait_file "$ready" || { lab_stop "$pid"; return 1; }
	got=$(lab_exec ct101 sh -c 'mount -t cgroup2 none /sys/fs/cgroup &&
		echo $$ >"/sys/fs/cgroup/$1/cgroup.procs" && exec "$2" connect tcp "$3" "$4" --send "$5"' \
		sh "$CGREL" "$NETPIPE" "$1" "$2" "$3") || rc=1
	[ "$rc" = 0 ] && wait "$pid" || rc=1
	lab_stop "$pid"
	[ "$rc" = 0 ] && [ "$(cat "$ready.out")" = "$3" ] && [ "$got" = "$4" ]
}

# A foreign rule set that must survive us untouched, and that keeps a bit of
# the connection mark of its own, set before ours (after conntrack at -200):
# ours must not clobber it.
must "a foreign rule set in ct101" lab_exec ct101 nft -f - <<'EOF'
table inet foreign {
	set blocked { type ipv4_addr; elements = { 198.19.99.1 } }
	chain input {
		type filter hook input priority 0; policy accept;
		counter
		ip saddr @blocked drop
		ct mark 0x00010001 counter
	}
	chain output {
		type filter hook output priority -180; policy accept;
		counter
		ct mark set ct mark | 0x00000001
	}
}
table ip other6 {
	chain c { tcp dport 9 counter; }
}
EOF
foreign_before=$(lab_exec ct101 nft -s list ruleset)

# Bad input installs nothing.
printf 'service a proto=tcp lport=80\nservice b proto=tcp lport=99999\n' >"$LAB_TMP/bad.rules"
out=$(ctv rules install -f "$LAB_TMP/bad.rules" 2>&1); rc=$?
assert_eq "$rc" 2 "a bad rules file exits 2"
case $out in *"bad.rules:2: lport=: '99999' is not a port"*) ok "the error names file and line";; *) fail "error message: $out";; esac
lab_exec ct101 nft list table inet ctverify >/dev/null 2>&1 && fail "a bad file installed a table" || ok "nothing installed from a bad file"

# --dry-run prints the canonical spec and changes nothing.
out=$(ctv rules install --dry-run -f "$RULES"); rc=$?
assert_eq "$rc" 0 "rules install --dry-run"
case $out in *"would install"*"service web proto=tcp lport=80"*"service nobody user=65534"*) ok "the dry run prints the spec";; *) fail "dry run said: $out";; esac
lab_exec ct101 nft list table inet ctverify >/dev/null 2>&1 && fail "--dry-run installed a table" || ok "--dry-run changes nothing"
out=$(ctv rules show --format xml 2>&1); assert_eq "$?" 2 "an unknown --format is a usage error"

# Without -f: every *.rules of the rules directory, in lexical order.
mkdir -p "$LAB_TMP/rules.d"
echo "service zz-last proto=tcp lport=9" >"$LAB_TMP/rules.d/90-last.rules"
echo "service aa-first proto=tcp lport=9,10" >"$LAB_TMP/rules.d/10-first.rules"
out=$(CTVERIFY_RULES_DIR="$LAB_TMP/rules.d" ctv rules install --dry-run)
case $out in *"service aa-first"*"service zz-last"*) ok "the rules directory is read in lexical order";; *) fail "rules.d: $out";; esac

check "rules install" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check right after install" ctv rules check
out=$(ctv rules show)
case $out in service*local*web*nobody*other*total*) ok "the table lists every bucket and a total";; *) fail "rules show said: $out";; esac

base=$(show)
link_base

step "web over IPv4" web 100000 300000 lab_tcp remote ct101 "$LAB_CT101_4" 80 100000 300000
step "web over IPv6" web 100000 300000 lab_tcp remote ct101 "$LAB_CT101_6" 80 100000 300000
LAB_AS=65534 step "a non-root user's connection over IPv4" nobody 50000 200000 \
	lab_tcp ct101 remote "$LAB_REMOTE4" 5001 200000 50000
LAB_AS=65534 step "a non-root user's connection over IPv6" nobody 50000 200000 \
	lab_tcp ct101 remote "$LAB_REMOTE6" 5002 200000 50000
LAB_AS=65534 step "a non-root user's UDP exchange, replies by the connection mark" nobody 20000 20000 \
	lab_udp ct101 remote "$LAB_REMOTE6" 5353 20000 500 echo
if [ -n "$CGREL" ]; then
	step "a connection from a process in a cgroup (IPv4)" app 40000 30000 cg_tcp "$LAB_REMOTE4" 5003 30000 40000
	step "a connection from a process in a cgroup (IPv6)" app 40000 30000 cg_tcp "$LAB_REMOTE6" 5004 30000 40000
fi
step "dns over UDP/IPv4" dns-out 20000 20000 lab_udp ct101 remote "$LAB_REMOTE4" 53 20000 500 echo
step "dns over UDP/IPv6" dns-out 20000 20000 lab_udp ct101 remote "$LAB_REMOTE6" 53 20000 500 echo
step "a peer network over IPv4" backup 30000 30000 lab_tcp ct101 remote 198.19.7.1 6001 30000 30000
step "a peer network over IPv6" backup 30000 30000 lab_tcp ct101 remote 2001:db8:77::1 6002 30000 30000
step "a wide port range over IPv6" high 20000 20000 lab_tcp remote ct101 "$LAB_CT101_6" 12345 20000 20000
step "a wide port range over IPv4" high 20000 20000 lab_tcp remote ct101 "$LAB_CT101_4" 29999 20000 20000
step "loopback over IPv4" local 100000 100000 lab_tcp ct101 ct101 127.0.0.1 7001 50000 50000
step "loopback over IPv6" local 100000 100000 lab_tcp ct101 ct101 ::1 7002 50000 50000
step "unmatched traffic over IPv4" other 40000 40000 lab_tcp ct101 remote "$LAB_REMOTE4" 6003 40000 40000
step "unmatched traffic over IPv6" other 40000 40000 lab_tcp ct101 remote "$LAB_REMOTE6" 6004 40000 40000

# The buckets add up to the interfaces' own counts (L2 frames less 14
# bytes of Ethernet header each), within a few non-IP packets (ARP).
now=$(show)
link_deltas
# lo counts L3 lengths already (loopback_xmit counts after eth_type_trans).
lorx=$(sub "$(lab_link_stat ct101 lo rx bytes)" "$lo0_rx" "lo rx bytes")
assert_near "$(delta in_bytes local)" "$rx" 600 "in bytes of all buckets but local vs eth0 rx less 14/packet"
assert_near "$(delta out_bytes local)" "$tx" 600 "out bytes of all buckets but local vs eth0 tx less 14/packet"
assert_near "$(delta in_packets local)" "$rxp" 10 "in packets vs eth0 rx packets"
assert_near "$(delta out_packets local)" "$txp" 10 "out packets vs eth0 tx packets"
assert_near "$(sub "$(val "$now" local in_bytes)" "$(val "$base" local in_bytes)" "local in bytes")" "$lorx" 0 "local in bytes vs lo rx bytes"
assert_near "$(sub "$(val "$now" local in_packets)" "$(val "$base" local in_packets)" "local in packets")" "$lorxp" 0 "local in packets vs lo rx packets"
assert_near "$(delta in_bytes)" "$((rx + lorx))" 600 "local + services + other = the container's total (in)"

# nft's own view of our counters agrees with 'rules show'.
nftj=$(lab_nft_json ct101)
shown=$(show)
for b in $BUCKETS; do
	for d in in out; do
		n=$(jq -r --arg n "${d}_$b" '.nftables[] | select(.counter and .counter.table == "ctverify" and .counter.name == $n) | .counter.bytes' <<<"$nftj")
		assert_near "$(val "$shown" "$b" "${d}_bytes")" "$n" 300 "nft -j agrees on ${d}_$b"
	done
done

# The foreign connection-mark bit survived our marking: its counter saw the
# non-root user's replies (mark 0x00010001 = theirs | ours).
marked=$(jq -r '[.nftables[] | select(.rule and .rule.table == "foreign" and .rule.chain == "input") | .rule.expr[] | select(.counter) | .counter.packets] | last' <<<"$nftj")
assert_ge "$marked" 20 "a foreign ct mark bit and ours coexist (packets with mark 0x00010001)"

# quick reads the foreign unconditional counters.
out=$(ctv quick); rc=$?
assert_eq "$rc" 0 "quick finds the foreign input/output counters"
case $out in *received:*sent:*loopback*"rules install"*) ok "quick prints received, sent and what they include";; *) fail "quick said: $out";; esac
fj=$(lab_nft_json ct101)
first() { jq -r --arg c "$1" '[.nftables[] | select(.rule and .rule.table == "foreign" and .rule.chain == $c)][0].rule.expr[0].counter.bytes' <<<"$fj"; }
got=$(sed -n 's/^received: .*(\([0-9]*\) bytes.*/\1/p' <<<"$out")
assert_near "$got" "$(first input)" 200 "quick received = the foreign input chain's counter (nft -j)"
got=$(sed -n 's/^sent: .*(\([0-9]*\) bytes.*/\1/p' <<<"$out")
assert_near "$got" "$(first output)" 200 "quick sent = the foreign output chain's counter (nft -j)"

# nftables keeps no policy counters: chains without a 'counter' rule at the
# top (what iptables-nft makes) have no total, and quick says so.
must "an iptables-nft rule in ct102" lab_exec ct102 iptables-nft -A INPUT -p tcp --dport 5009 -j ACCEPT
out=$(CTVERIFY_STATEDIR="$LAB_TMP/state-ct102" lab_exec ct102 "$CTVERIFY" quick); rc=$?
assert_eq "$rc" 1 "quick exits 1 with nothing to read"
case $out in *"ip filter INPUT"*"no policy counters"*"rules install"*) ok "quick says why and what to do";; *) fail "quick said: $out";; esac

reinstall_keeps_counts
# A thousand services go in as one batch and check clean.
# And a map of 16,002 ports, more than one netlink message can carry.
{
	for i in $(seq 1 1000); do echo "service s$i proto=udp lport=$((20000 + i))"; done
	echo "service sep peer=198.19.200.0/24"
	echo "service big proto=any lport=1000-9000"
} >"$LAB_TMP/1000.rules"
out=$(ctv rules install -f "$LAB_TMP/1000.rules"); rc=$?
assert_eq "$rc" 0 "install 1,000 services"
lab_listing_check ct101
case $out in *"counters of 'web' removed"*"in $(val "$after" web in_bytes) bytes"*) ok "install names the counters it drops, with their values";; *) fail "install said: $out";; esac
check "rules check with 1,000 services" ctv rules check
n=$(lab_exec ct101 nft -j list map inet ctverify m2_in | jq '.nftables[] | select(.map) | .map.elem | length')
assert_eq "$n" 16002 "all 16,002 ports of the big map are in the kernel"
check "back to the test rules" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check with the test rules" ctv rules check

# rules check: a deleted rule, a flushed table, a flushed ruleset.
handle=$(lab_exec ct101 nft -a list chain inet ctverify in | awk '/counter name "in_web"|@m[0-9]+_in/ {print $NF; exit}')
must "a rule of ours to delete (handle '$handle')" is_int "$handle"
must "delete one rule of ours" lab_exec ct101 nft delete rule inet ctverify in handle "$handle"
out=$(ctv rules check); rc=$?
assert_eq "$rc" 1 "rules check exits 1 after a rule was deleted"
case $out in *"chain in: rule "*" is missing"*) ok "it says which rule is missing";; *) fail "check said: $out";; esac
check "reinstall repairs" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check is clean again" ctv rules check
must "flush our table" lab_exec ct101 nft flush table inet ctverify
out=$(ctv rules check); rc=$?
assert_eq "$rc" 1 "rules check exits 1 after the table was flushed"
case $out in *"is empty (flushed)"*) ok "it says the chains were flushed";; *) fail "check said: $out";; esac
check "reinstall after a flush" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check after reinstall" ctv rules check

# Remove leaves the foreign tables byte-identical.
check "rules remove" ctv rules remove
foreign_after=$(lab_exec ct101 nft -s list ruleset)
if [ "$foreign_before" = "$foreign_after" ]; then ok "foreign tables are byte-identical after remove"
else fail "foreign tables changed:"; diff <(echo "$foreign_before") <(echo "$foreign_after") >&2; fi
out=$(ctv rules check 2>&1); rc=$?
assert_eq "$rc" 1 "rules check after remove: nothing installed"

# Two installs at once (in ct103): each batch is all or nothing, and one
# that lost the race looks again instead of failing.
for i in $(seq 1 300); do echo "service s$i proto=tcp lport=$((20000 + i))"; done >"$LAB_TMP/a.rules"
for i in $(seq 1 300); do echo "service t$i proto=udp lport=$((30000 + i)) peer=198.18.$((i % 250)).0/24"; done >"$LAB_TMP/b.rules"
fails=0
for r in 1 2 3 4 5; do
	CTVERIFY_STATEDIR="$LAB_TMP/state-a" lab_exec ct103 "$CTVERIFY" rules install -f "$LAB_TMP/a.rules" >/dev/null &
	pa=$!
	CTVERIFY_STATEDIR="$LAB_TMP/state-b" lab_exec ct103 "$CTVERIFY" rules install -f "$LAB_TMP/b.rules" >/dev/null &
	pb=$!
	wait "$pa" || fails=$((fails + 1))
	wait "$pb" || fails=$((fails + 1))
done
assert_eq "$fails" 0 "concurrent installs all succeed"
lab_listing_check ct103

# A flushed ruleset (container restart) is reported as gone.
check "install again" ctv rules install -f "$RULES"
lab_listing_check ct101
must "flush the ruleset" lab_exec ct101 nft flush ruleset
out=$(ctv rules check); rc=$?
assert_eq "$rc" 1 "rules check exits 1 after the ruleset was flushed"
case $out in *"table inet ctverify is gone"*) ok "it says the table is gone";; *) fail "check said: $out";; esac

e2e_done
