#!/usr/bin/env bash
# rules_nft_bench.sh - what 1,000 services in the nft backend cost on the
# packet path, as a ratio to no rules, measured in one run.
#
#   bench/rules_nft_bench.sh [BUILDDIR] [PACKETS] [ROUNDS] [RULES] [CLASSES]
#
# Two lab namespaces (a, b) joined by a veth pair; a sends PACKETS UDP
# datagrams with an 18-byte payload (46-byte IPv4 packets, 64 bytes on the
# wire with Ethernet header and FCS) to b as fast as it can; the rate is
# datagrams delivered to b's socket per second of sending. Rounds alternate
# "no rules" and "1,000 services installed in both namespaces" (a counts
# them on the way out, b on the way in) so that drift of the shared machine
# hits both alike; the ratio is the median of the per-round ratios. RULES
# replaces the generated 1,000 services (e.g. an empty file measures the
# cost of the hooks alone). With CLASSES (a networks_classes file, or
# "node" for a node-sized one: 16 classes, 600 IPv4 and 560 IPv6 networks)
# every round measures a third case, the services plus the node's classes
# mirrored (rules install --classes): one more interval-map lookup per
# packet and direction. Needs root; touches nothing outside its namespaces.
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
RULES=${4:-$LAB_TMP/1000.rules}
[ -n "${4:-}" ] || for i in $(seq 1 999); do
	if [ $((i % 2)) = 0 ]; then p=tcp; else p=udp; fi
	echo "service s$i proto=$p lport=$((20000 + i * 3))"
done >"$RULES"
[ -n "${4:-}" ] || echo "service target proto=udp lport=9999" >>"$RULES"
CLASSES=${5:-}
if [ "$CLASSES" = node ]; then
	. "$top_srcdir/bench/node_classes.sh"
	CLASSES=$LAB_TMP/networks_classes
	bench_node_classes "$CLASSES"
fi

run() { # -> "RATE CPURATE": datagrams delivered per second of sending, and
	# per CPU second of the sender (softirq work, b's receive path included,
	# is charged to it on this kernel: no IRQ time accounting), which other
	# tenants of the machine disturb much less than the wall clock.
	local ready=$LAB_TMP/ready.$RANDOM t0 t1 got cpu
	lab_start b "$NETPIPE" listen udp 198.18.50.2 9999 --timeout 1 --ready "$ready" >"$ready.out"
	local pid=$LAB_PID
	lab_wait_file "$ready"
	t0=$(date +%s%N)
	lab_exec a /usr/bin/time -o "$ready.time" -f "%S %U" \
		"$NETPIPE" connect udp 198.18.50.2 9999 --send $((PACKETS * 18)) --size 18 >/dev/null
	t1=$(date +%s%N)
	wait "$pid" || true
	lab_stop "$pid"
	got=$(cat "$ready.out")
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$ready.time")
	echo "$(( (got / 18) * 1000000000 / (t1 - t0) )) $(( (got / 18) * 1000 / (cpu > 0 ? cpu : 1) ))"
}

rules() { # install|remove [classes]
	local ns
	for ns in a b; do
		if [ "$1" = install ]; then
			CTVERIFY_STATEDIR=$LAB_TMP/state-$ns lab_exec "$ns" "$CTVERIFY" rules install -f "$RULES" \
				${2:+--classes "$CLASSES"} >/dev/null
		else
			CTVERIFY_STATEDIR=$LAB_TMP/state-$ns lab_exec "$ns" "$CTVERIFY" rules remove
		fi
	done
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

run >/dev/null # warm up
base=() with=() ratio=() cbase=() cwith=() cratio=()
withk=() kratio=() cwithk=() ckratio=()
r3() { awk -v b="$1" -v w="$2" 'BEGIN { printf "%.3f", w / b }'; }
for r in $(seq 1 "$ROUNDS"); do
	read -r x cx <<<"$(run)"; base+=("$x"); cbase+=("$cx")
	rules install
	read -r x cx <<<"$(run)"; with+=("$x"); cwith+=("$cx")
	rules remove
	ratio+=("$(r3 "${base[-1]}" "${with[-1]}")")
	cratio+=("$(r3 "${cbase[-1]}" "${cwith[-1]}")")
	if [ -n "$CLASSES" ]; then
		rules install classes
		read -r x cx <<<"$(run)"; withk+=("$x"); cwithk+=("$cx")
		rules remove
		kratio+=("$(r3 "${base[-1]}" "${withk[-1]}")")
		ckratio+=("$(r3 "${cbase[-1]}" "${cwithk[-1]}")")
	fi
done
# The rules counted what they saw (a sanity check that they were there).
rules install
run >/dev/null
seen=$(CTVERIFY_STATEDIR=$LAB_TMP/state-b lab_exec b "$CTVERIFY" rules show --format json |
	jq -r '[.[] | .in_packets] | add')
echo "$(grep -c '^service' "$RULES") services; b's buckets counted $seen packets in the last run"
echo "wall clock, datagrams/s:  no rules ${base[*]}"
echo "                          rules    ${with[*]}"
echo "  per-round ratios: ${ratio[*]}"
echo "  ratio (median of rounds): $(printf '%s\n' "${ratio[@]}" | median)"
echo "per sender CPU second:    no rules ${cbase[*]}"
echo "                          rules    ${cwith[*]}"
echo "  per-round ratios: ${cratio[*]}"
echo "  ratio (median of rounds): $(printf '%s\n' "${cratio[@]}" | median)"
if [ -n "$CLASSES" ]; then
	rules remove >/dev/null 2>&1 || true
	rules install classes
	run >/dev/null
	seen=$(CTVERIFY_STATEDIR=$LAB_TMP/state-b lab_exec b "$CTVERIFY" rules show --format json |
		jq -r '[.[] | select(.class != null) | .in_packets] | add')
	echo "services + $(grep -c '^[0-9]' "$CLASSES") class networks mirrored; b's class buckets counted $seen packets in the last run"
	echo "wall clock, datagrams/s:  rules+classes ${withk[*]}"
	echo "  per-round ratios to no rules: ${kratio[*]}"
	echo "  ratio (median of rounds): $(printf '%s\n' "${kratio[@]}" | median)"
	echo "per sender CPU second:    rules+classes ${cwithk[*]}"
	echo "  per-round ratios to no rules: ${ckratio[*]}"
	echo "  ratio (median of rounds): $(printf '%s\n' "${ckratio[@]}" | median)"
fi
