#!/usr/bin/env bash
# 64-byte packet rate through the node (ct101 -> node -> router -> remote,
# UDP with 18-byte payloads: 46-byte IP packets, 64-byte Ethernet frames)
# with no accounting, and with 1,000 containers x 16 classes loaded
# (15 accounted classes plus class 0, hundreds of flattened ranges).
# Baseline and loaded runs alternate in one lab; the ratio of medians is
# what counts on a shared, noisy machine (and the median of the ratios of
# adjacent baseline/loaded pairs). Also times setup and one read of
# all counters.
#   bench/node_bench.sh [SECONDS_PER_RUN] [ROUNDS]     (root; builds nothing)
# NODE_CONTAINERS=N (default 1000, at least 2) sets the number of containers
# (ct101, ct102, then half bridged ports, half routed addresses).
# ROUNDS 0 times only setup, stat and reload (no packets, no iperf3).
# NODE_BENCH_BASELINE=BINARY also times that ctnode (an older build) on the
# same table in the same run, before ours: setup, stat, reload, RSS, and
# whether both print the same stat output on the still table (its devices
# down meanwhile).
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir/build}"
CTNODE=$top_builddir/node-side/ctnode
NETPIPE=$top_builddir/tests/lab/netpipe
T=${1:-3}
ROUNDS=${2:-7}
BASE_CTNODE=${NODE_BENCH_BASELINE:-}
NCT=${NODE_CONTAINERS:-1000}
[ "$NCT" -ge 2 ] || { echo "node_bench: NODE_CONTAINERS must be >= 2" >&2; exit 1; }
NBR=$(( (NCT - 2) / 2 ))
NRT=$(( NCT - 2 - NBR ))
[ "$(id -u)" = 0 ] || { echo "node_bench: needs root" >&2; exit 77; }
[ "$ROUNDS" = 0 ] || command -v iperf3 >/dev/null || { echo "node_bench: needs iperf3" >&2; exit 77; }
[ -z "$BASE_CTNODE" ] || [ -x "$BASE_CTNODE" ] || { echo "node_bench: no $BASE_CTNODE" >&2; exit 1; }
[ -x "$CTNODE" ] || { echo "node_bench: build first (scripts/build.sh)" >&2; exit 1; }
. "$top_srcdir/tests/lab/lab.sh"
lab_up >/dev/null
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF

# 16 classes: 1 everywhere, 2..15 on 40 networks each scattered over
# 198.18.0.0/15's neighbourhood and 2001:db8::/32, 20 class-0 networks.
{
	echo "1 0.0.0.0/0"; echo "1 ::/0"
	for c in $(seq 2 15); do
		for i in $(seq 0 39); do
			echo "$c 10.$((c * 16 + i % 16)).$(( (i * 7) % 256 )).0/24"
			echo "$c 2001:db8:$(printf %x $((c * 256 + i))):0::/48"
		done
	done
	for i in $(seq 0 19); do echo "0 172.$((16 + i)).0.0/16"; done
	echo "2 198.19.0.0/16"
} >"$CONF/networks_classes"
# NCT containers (1,000): ct101 and ct102 are real, the others bridged
# ports that do not exist and routed addresses on veth102.
{
	echo "101 veth veth101"
	echo "102 ip 198.18.20.102,2001:db8:20::102"
	for i in $(seq 1 "$NBR"); do echo "$((100000 + i)) veth vb$i"; done
	for i in $(seq 1 "$NRT"); do echo "$((200000 + i)) ip 198.18.$((30 + i / 250)).$((i % 250 + 1)) dev veth102"; done
} >"$CONF/containers"
lab_remote_addr 198.19.1.1/32

# One run: "PPS NS_PER_PACKET": packets per second received by remote, and
# the sender's CPU time per packet sent, which includes the node's
# forwarding (veth delivery runs the softirq in the sender's context) and
# is less sensitive than the rate to other load on the machine.
pps() {
	local out
	lab_exec remote iperf3 -s -1 -B 198.19.1.1 -p 5201 >/dev/null 2>&1 &
	sleep 0.3
	out=$(lab_exec ct101 iperf3 -c 198.19.1.1 -p 5201 -u -l 18 -b 0 -t "$T" -J 2>/dev/null) || true
	wait 2>/dev/null || true
	echo "$out" | jq -r '(.end.sum | ((.packets - .lost_packets) / .seconds | floor)) as $pps |
		(.end.cpu_utilization_percent.host_total / 100 * .end.sum.seconds * 1e9 / .end.sum.packets | floor) as $ns |
		"\($pps) \($ns)"'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# setup_s BINARY: seconds of a setup from no table (the last one torn
# down a few seconds before: the kernel frees a large table after).
setup_s() {
	local t0 t1
	lab_exec node "$1" teardown
	sleep 3
	t0=$(date +%s.%N)
	lab_exec node "$1" setup >/dev/null 2>"$LAB_TMP/setup.err" ||
		{ echo "node_bench: $1 setup failed:" >&2; tail -3 "$LAB_TMP/setup.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
# costs BINARY: setup from no table, one stat --format json (its peak
# RSS), and a reload keeping all counts, in seconds: C_setup, C_stat,
# C_reload, C_rss (KiB); the table stays.
costs() {
	local t1 t2 t3
	C_setup=$(setup_s "$1")
	t1=$(date +%s.%N)
	lab_exec node /usr/bin/time -o "$LAB_TMP/stat.time" -f %M "$1" stat --format json >/dev/null 2>"$LAB_TMP/stat.err" ||
		{ echo "node_bench: $1 stat failed:" >&2; tail -3 "$LAB_TMP/stat.err" >&2; exit 1; }
	t2=$(date +%s.%N)
	lab_exec node "$1" setup >/dev/null 2>"$LAB_TMP/setup.err" ||
		{ echo "node_bench: $1 reload failed:" >&2; tail -3 "$LAB_TMP/setup.err" >&2; exit 1; }
	t3=$(date +%s.%N)
	C_stat=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
	C_reload=$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", b - a }')
	C_rss=$(cat "$LAB_TMP/stat.time")
}
# Beside the baseline's figure: "X s (baseline Y s, ratio X / Y)".
vs() { [ -n "$2" ] && awk -v a="$1" -v b="$2" -v u="$3" 'BEGIN { printf " (baseline %s %s, ratio %.3f)", b, u, (b > 0 ? a / b : 0) }'; return 0; }

base=() load=() base_ns=() load_ns=()
B_setup= B_stat= B_reload= B_rss=
if [ -n "$BASE_CTNODE" ]; then
	costs "$BASE_CTNODE"
	B_setup=$C_setup B_stat=$C_stat B_reload=$C_reload B_rss=$C_rss
fi
costs "$CTNODE"
if [ -n "$BASE_CTNODE" ]; then
	# Setup is mostly the kernel's work and swings with the machine's
	# load: once more each, alternating, the faster of two counts.
	x=$(setup_s "$BASE_CTNODE"); B_setup=$(printf '%s\n' "$B_setup" "$x" | sort -n | head -1)
	x=$(setup_s "$CTNODE"); C_setup=$(printf '%s\n' "$C_setup" "$x" | sort -n | head -1)
fi
n=$(lab_exec node "$CTNODE" stat --format json 2>/dev/null | jq length)
objs=$(lab_exec node nft -j list counters table netdev ctnode | jq '[.nftables[] | select(.counter)] | length')
for r in $(seq 1 "$ROUNDS"); do
	lab_exec node "$CTNODE" teardown
	read -r x y <<<"$(pps)"; base+=("$x"); base_ns+=("$y")
	lab_exec node "$CTNODE" setup >/dev/null
	read -r x y <<<"$(pps)"; load+=("$x"); load_ns+=("$y")
done
counted=$(lab_exec node "$CTNODE" stat -v 101 -c 2 --format json 2>/dev/null | jq '.[0].out_packets')
ranges=$(lab_exec node "$CTNODE" setup --dry-run | awk '/disjoint ranges/ { gsub(/[(,]/, " "); for (i = 1; i <= NF; i++) if ($i == "disjoint") s += $(i - 1) } END { print s }')
same=
if [ -n "$BASE_CTNODE" ]; then
	# Nothing moves with the real containers' devices down: both read
	# the same table the same way, or not.
	lab_exec node ip link set veth101 down
	lab_exec node ip link set veth102 down
	sleep 0.5
	same=same
	for f in "--format json" "-a" "-v 101 -c 2 -4 --format json"; do
		# shellcheck disable=SC2086
		lab_exec node "$BASE_CTNODE" stat $f >"$LAB_TMP/base.out" 2>&1
		# shellcheck disable=SC2086
		lab_exec node "$CTNODE" stat $f >"$LAB_TMP/ours.out" 2>&1
		if ! cmp -s "$LAB_TMP/base.out" "$LAB_TMP/ours.out"; then
			same="DIFFERENT (stat $f)"
			diff "$LAB_TMP/base.out" "$LAB_TMP/ours.out" | head -5 >&2
		fi
	done
fi
lab_exec node "$CTNODE" teardown
if [ "$ROUNDS" = 0 ]; then
	echo "node_bench: $NCT containers x 16 classes, no packet runs (ROUNDS 0)"
else
	b=$(printf '%s\n' "${base[@]}" | median)
	l=$(printf '%s\n' "${load[@]}" | median)
	echo "node_bench: 64-byte UDP through node, $ROUNDS x ${T}s runs each, medians"
	echo "  no accounting:                      $b pps   (runs: ${base[*]})"
	echo "  $NCT containers x 16 classes:       $l pps   (runs: ${load[*]})"
	ratios=()
	for i in "${!base[@]}"; do ratios+=("$(awk -v a="${load[$i]}" -v b="${base[$i]}" 'BEGIN { printf "%.3f", a / b }')"); done
	echo "  ratio of medians:                   $(awk -v a="$l" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
	echo "  median of paired ratios:            $(printf '%s\n' "${ratios[@]}" | median)   (pairs: ${ratios[*]})"
	bn=$(printf '%s\n' "${base_ns[@]}" | median)
	ln=$(printf '%s\n' "${load_ns[@]}" | median)
	echo "  sender CPU per packet, no accounting: $bn ns   (runs: ${base_ns[*]})"
	echo "  sender CPU per packet, loaded:        $ln ns   (runs: ${load_ns[*]})"
	echo "  CPU-bound rate ratio (base ns / loaded ns): $(awk -v a="$bn" -v b="$ln" 'BEGIN { printf "%.2f", a / b }')"
fi
echo "  flattened class ranges (v4+v6):     $ranges"
echo "  stat rows (ct x class):             $n"
echo "  counter objects (x 2 dirs x 2 fam): $objs"
echo "  setup (one batch):                  $C_setup s$(vs "$C_setup" "$B_setup" s)"
echo "  reload keeping all counts:          $C_reload s$(vs "$C_reload" "$B_reload" s)"
echo "  stat --format json (one read):      $C_stat s$(vs "$C_stat" "$B_stat" s)"
echo "  stat peak RSS:                      $C_rss KiB$(vs "$C_rss" "$B_rss" KiB)"
echo "  packets counted for ct101 class 2:  $counted"
[ -z "$same" ] || echo "  stat output against the baseline:   $same"
