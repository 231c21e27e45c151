#!/usr/bin/env bash
# Installs dependencies, builds, and runs the lab demo: a node, containers,
# traffic, and the counters each hop saw. Everything runs in network
# namespaces made for this run and removed at the end.
set -eu
cd "$(dirname "$0")"
scripts/deps.sh
dir=$(scripts/build.sh build)
export top_srcdir=$PWD top_builddir=$dir
NETPIPE=$dir/tests/lab/netpipe
. tests/lab/lab.sh

echo "== Bringing up the lab (remote - router - node - ct101/ct102/ct103)"
lab_up
echo "   namespaces: $(ip netns list | awk '{print $1}' | grep "^ctv$LAB_ID-" | tr '\n' ' ')"

show() { # ROLE IF
	printf '   %-7s %-8s rx %12s bytes %8s pkts   tx %12s bytes %8s pkts\n' "$1" "$2" \
		"$(lab_link_stat "$1" "$2" rx bytes)" "$(lab_link_stat "$1" "$2" rx packets)" \
		"$(lab_link_stat "$1" "$2" tx bytes)" "$(lab_link_stat "$1" "$2" tx packets)"
}

echo "== Traffic"
echo "   ct101 uploads 5 MB to remote over TCP/IPv4, downloads 2 MB back"
lab_tcp ct101 remote "$LAB_REMOTE4" 8080 5000000 2000000
echo "   ct102 (routed) uploads 1 MB over TCP/IPv6"
lab_tcp ct102 remote "$LAB_REMOTE6" 8081 1000000
echo "   ct101 exchanges 100 KB of UDP with ct103, its neighbour on the bridge"
lab_udp ct101 ct103 "$LAB_CT103_4" 5353 100000 500 echo

echo "== Interface counters along the path (ip -s -j link)"
show ct101 eth0; show node veth101; show ct102 eth0; show node veth102
show ct103 eth0; show node eth0; show router eth1; show router eth0; show remote eth0

echo "== Tearing down"
id=$LAB_ID
lab_down
left=$(ip netns list | grep -c "^ctv$id-" || true)
echo "   namespaces of ours left: $left"
