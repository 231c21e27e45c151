#!/usr/bin/env bash
# rules_ipt_bench.sh - what 1,000 services in the iptables backend cost on
# the packet path, as a ratio to no rules, next to a plain linear chain of
# 1,000 per-port rules, measured in one run.
#
#   bench/rules_ipt_bench.sh [BUILDDIR] [PACKETS] [ROUNDS] [CLASSES]
#
# Two lab namespaces (a, b) joined by a veth pair; a sends PACKETS UDP
# datagrams with an 18-byte payload (46-byte IPv4 packets, 64 bytes on the
# wire with Ethernet header and FCS) to b as fast as it can; the rate is
# datagrams delivered to b's socket per second of sending. Each round
# measures "no rules", "1,000 services through ctverify --backend iptables"
# (a counts on the way out, b on the way in) and "a linear chain of 1,000
# per-port rules" (iptables-legacy-restore, same hooks, the traffic's port
# last), so that drift of the shared machine hits all alike; ratios are of
# the medians. With CLASSES (a networks_classes file, or "node": 16
# classes, 1,160 networks) each round also measures the services plus the
# node's classes mirrored (rules install --classes: a second tree of
# chains over the flattened class ranges). Needs root; touches nothing
# outside its namespaces.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${1:-$top_srcdir/build}
PACKETS=${2:-1000000}
ROUNDS=${3:-3}
CTVERIFY=$top_builddir/ctverify/ctverify
NETPIPE=$top_builddir/tests/lab/netpipe
. "$top_srcdir/tests/lab/lab.sh"

LAB_ROLES="a b"
LAB_ID="$$x$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
LAB_TMP=$(mktemp -d /tmp/ctv-bench.XXXXXX)
trap lab_down EXIT
lab_reap_stale
lab_mkns a
lab_mkns b
lab_link a eth0 b eth0
lab_addr a eth0 198.18.50.1/24
lab_addr b eth0 198.18.50.2/24

# 1,000 services: the per-port profile of a big host, TCP and UDP, plus the
# port the traffic goes to as the last one.
RULES=$LAB_TMP/1000.rules
for i in $(seq 1 999); do
	if [ $((i % 2)) = 0 ]; then p=tcp; else p=udp; fi
	echo "service s$i proto=$p lport=$((20000 + i * 3))"
done >"$RULES"
echo "service target proto=udp lport=9999" >>"$RULES"
CLASSES=${4:-}
if [ "$CLASSES" = node ]; then
	. "$top_srcdir/bench/node_classes.sh"
	CLASSES=$LAB_TMP/networks_classes
	bench_node_classes "$CLASSES"
fi

# The same services as one linear chain per direction, first match returns.
linear() { # in|out
	local flag chain hook
	if [ "$1" = in ]; then flag=--dport chain=LIN-IN hook=PREROUTING; else flag=--sport chain=LIN-OUT hook=POSTROUTING; fi
	echo "*mangle"
	echo ":$chain - [0:0]"
	echo "-A $hook -j $chain"
	for i in $(seq 1 999); do
		if [ $((i % 2)) = 0 ]; then p=tcp; else p=udp; fi
		echo "-A $chain -p $p -m $p $flag $((20000 + i * 3)) -j RETURN"
	done
	echo "-A $chain -p udp -m udp $flag 9999 -j RETURN"
	echo "-A $chain -j RETURN"
	echo "COMMIT"
}
linear in >"$LAB_TMP/linear-in"
linear out >"$LAB_TMP/linear-out"

run() { # -> datagrams per second delivered
	local ready=$LAB_TMP/ready.$RANDOM t0 t1 got
	lab_start b "$NETPIPE" listen udp 198.18.50.2 9999 --timeout 1 --ready "$ready" >"$ready.out"
	local pid=$LAB_PID
	lab_wait_file "$ready"
	t0=$(date +%s%N)
	lab_exec a "$NETPIPE" connect udp 198.18.50.2 9999 --send $((PACKETS * 18)) --size 18 >/dev/null
	t1=$(date +%s%N)
	wait "$pid" || true
	lab_stop "$pid"
	got=$(cat "$ready.out")
	echo $(( (got / 18) * 1000000000 / (t1 - t0) ))
}

tree() { # install|remove [classes]
	local ns
	for ns in a b; do
		if [ "$1" = install ]; then
			CTVERIFY_STATEDIR=$LAB_TMP/state-$ns lab_exec "$ns" "$CTVERIFY" rules install --backend iptables \
				-f "$RULES" ${2:+--classes "$CLASSES"} >/dev/null
		else
			CTVERIFY_STATEDIR=$LAB_TMP/state-$ns lab_exec "$ns" "$CTVERIFY" rules remove
		fi
	done
}

lin() { # install|remove
	if [ "$1" = install ]; then
		lab_exec a iptables-legacy-restore -n <"$LAB_TMP/linear-out"
		lab_exec b iptables-legacy-restore -n <"$LAB_TMP/linear-in"
	else
		lab_exec a sh -c 'iptables-legacy -t mangle -D POSTROUTING -j LIN-OUT && iptables-legacy -t mangle -F LIN-OUT && iptables-legacy -t mangle -X LIN-OUT'
		lab_exec b sh -c 'iptables-legacy -t mangle -D PREROUTING -j LIN-IN && iptables-legacy -t mangle -F LIN-IN && iptables-legacy -t mangle -X LIN-IN'
	fi
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

run >/dev/null # warm up
base=() with=() line=() withk=()
for r in $(seq 1 "$ROUNDS"); do
	base+=("$(run)")
	tree install
	with+=("$(run)")
	tree remove
	if [ -n "$CLASSES" ]; then
		tree install classes
		withk+=("$(run)")
		tree remove
	fi
	lin install
	line+=("$(run)")
	lin remove
done
# The rules counted what they saw (a sanity check that they were there).
tree install
run >/dev/null
seen=$(CTVERIFY_STATEDIR=$LAB_TMP/state-b lab_exec b "$CTVERIFY" rules show --format json |
	jq -r '.[] | select(.name == "target") | .in_packets')
b=$(printf '%s\n' "${base[@]}" | median)
w=$(printf '%s\n' "${with[@]}" | median)
l=$(printf '%s\n' "${line[@]}" | median)
echo "no rules:                ${base[*]} datagrams/s (median $b)"
echo "1,000 services (tree):   ${with[*]} datagrams/s (median $w)"
echo "1,000 rules (linear):    ${line[*]} datagrams/s (median $l)"
echo "target bucket counted $seen packets in the last run"
for r in $(seq 0 $((ROUNDS - 1))); do
	awk -v r=$((r + 1)) -v b="${base[r]}" -v w="${with[r]}" -v l="${line[r]}" \
		'BEGIN { printf "round %d: tree %.3f, linear %.3f\n", r, w / b, l / b }'
done
awk -v b="$b" -v w="$w" -v l="$l" 'BEGIN { printf "ratio tree: %.3f\nratio linear: %.3f\n", w / b, l / b }'
if [ -n "$CLASSES" ]; then
	k=$(printf '%s\n' "${withk[@]}" | median)
	echo "services + classes:      ${withk[*]} datagrams/s (median $k)"
	for r in $(seq 0 $((ROUNDS - 1))); do
		awk -v r=$((r + 1)) -v b="${base[r]}" -v k="${withk[r]}" \
			'BEGIN { printf "round %d: tree + classes %.3f\n", r, k / b }'
	done
	awk -v b="$b" -v k="$k" 'BEGIN { printf "ratio tree + classes: %.3f\n", k / b }'
fi
