#!/usr/bin/env bash
# The lab itself: traffic from the containers to remote crosses node and
# router, every hop's interface counters move by at least the bytes sent,
# and the lab tears down cleanly, also after a killed run.
. "$(dirname "$0")/common.sh"
e2e_require_root ping setpriv
. "$top_srcdir/tests/lab/lab.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }

# ct101 (bridged) -> remote over IPv4, and ct102 (routed) over IPv6.
hop_test() { # ct proto-addr path...
	local ct=$1 addr=$2 bytes=1000000 hop role ifc dir before after i=0
	shift 2
	local -a hops=("$@") befores=()
	for hop in "${hops[@]}"; do
		IFS=: read -r role ifc dir <<<"$hop"
		befores+=("$(lab_link_stat "$role" "$ifc" "$dir" bytes)")
	done
	check "$ct sends $bytes bytes to $addr" lab_tcp "$ct" remote "$addr" 5001 "$bytes"
	for hop in "${hops[@]}"; do
		IFS=: read -r role ifc dir <<<"$hop"
		after=$(lab_link_stat "$role" "$ifc" "$dir" bytes)
		assert_ge "$(sub "$after" "${befores[i]}" "$role $ifc $dir bytes")" "$bytes" "$ct->$addr: $role $ifc $dir bytes"
		i=$((i + 1))
	done
}

hop_test ct101 "$LAB_REMOTE4" ct101:eth0:tx node:veth101:rx node:eth0:tx \
	router:eth1:rx router:eth0:tx remote:eth0:rx
hop_test ct102 "$LAB_REMOTE6" ct102:eth0:tx node:veth102:rx node:eth0:tx \
	router:eth1:rx router:eth0:tx remote:eth0:rx

# Replies flow back the other way, UDP too.
before=$(lab_link_stat ct101 eth0 rx bytes)
check "remote answers ct101 over UDP/IPv6" lab_udp ct101 remote "$LAB_REMOTE6" 5353 20000 500 echo
after=$(lab_link_stat ct101 eth0 rx bytes)
assert_ge "$(sub "$after" "$before" "ct101 eth0 rx bytes")" 20000 "ct101 eth0 rx bytes after UDP echo"

# Neighbours on the bridge reach each other without the router.
before=$(lab_link_stat router eth1 rx packets)
check "ct101 reaches its neighbour ct103" lab_tcp ct101 ct103 "$LAB_CT103_4" 5002 100000
after=$(lab_link_stat router eth1 rx packets)
assert_ge 5 "$(sub "$after" "$before" "router eth1 rx packets")" "router saw (almost) nothing of neighbour traffic"

# Another address on remote is reachable through the default routes.
must "more addresses on remote" lab_remote_addr 198.19.7.1/32 2001:db8:77::1/128

check "an added remote address is reachable" lab_tcp ct102 remote 198.19.7.1 5003 1000 1000

# A non-root sender works (for socket-owner rules later on).
LAB_AS=65534 check "a non-root user in ct101 can send" lab_tcp ct101 remote "$LAB_REMOTE4" 5004 5000

ours=$(lab_ns node)
lab_down
if ip netns list | grep -q "^$ours"; then fail "teardown left $ours"; else ok "teardown removes the namespaces"; fi

# A run killed with -9 leaves namespaces behind; the next run reaps them.
bash -c ". '$top_srcdir/tests/lab/lab.sh'; NETPIPE='$NETPIPE'; lab_up >/dev/null 2>&1; echo \$LAB_ID; kill -9 \$\$" >"/tmp/ctv-killed.$$" 2>/dev/null
killed=$(cat "/tmp/ctv-killed.$$"); rm -f "/tmp/ctv-killed.$$"
if [ -n "$killed" ] && ip netns list | grep -q "^ctv$killed-"; then ok "a killed run left its namespaces"; else fail "the killed run did not start ($killed)"; fi
left=$(ls -d /tmp/ctv-lab."$killed".* 2>/dev/null)
assert_eq "$(grep -c . <<<"$left")" 1 "a killed run left its temporary directory"
lab_up || fail "lab_up after a killed run"
if ip netns list | grep -q "^ctv$killed-"; then fail "stale namespaces of $killed remain"; else ok "the next run reaped the killed run's namespaces"; fi
[ -n "$left" ] && [ ! -e "$left" ] && ok "and its temporary directory" || fail "the killed run's directory remains: $left"
check "the lab works after a killed run" lab_tcp ct101 remote "$LAB_REMOTE4" 5005 1000
lab_down

e2e_done
