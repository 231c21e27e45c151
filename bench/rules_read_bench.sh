#!/usr/bin/env bash
# rules_read_bench.sh - what reading 1,000 services' counters costs: the nft
# backend's read() in process (one netlink dump, bench/rules_read) against
# the article's way, "iptables-legacy-save -c" of 1,000 rules and parsing
# its counters (a process per read, as a shell script would do it).
#
#   bench/rules_read_bench.sh [BUILDDIR] [REPEATS]
#
# Needs root; works in a lab namespace of its own.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${1:-$top_srcdir/build}
REPEATS=${2:-50}
CTVERIFY=$top_builddir/ctverify/ctverify
. "$top_srcdir/tests/lab/lab.sh"

LAB_ROLES="c"
LAB_ID="$$x$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
LAB_TMP=$(mktemp -d /tmp/ctv-bench.XXXXXX)
trap lab_down EXIT
lab_reap_stale
lab_mkns c
export CTVERIFY_STATEDIR=$LAB_TMP/state

for i in $(seq 1 1000); do echo "service s$i proto=tcp lport=$((20000 + i))"; done >"$LAB_TMP/1000.rules"
lab_exec c "$CTVERIFY" rules install -f "$LAB_TMP/1000.rules" >/dev/null
{
	echo "*filter"
	echo ":INPUT ACCEPT [0:0]"
	for i in $(seq 1 1000); do echo "[$i:$((i * 100))] -A INPUT -p tcp --dport $((20000 + i)) -j ACCEPT"; done
	echo "COMMIT"
} | lab_exec c iptables-legacy-restore -c

ms() { # CMD... -> milliseconds for REPEATS runs
	local t0 t1 i
	t0=$(date +%s%N)
	for i in $(seq 1 "$REPEATS"); do "$@" >/dev/null; done
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
ipt_read() {
	lab_exec c iptables-legacy-save -c |
		awk '/^\[/ { split(substr($1, 2), a, ":"); sub(/\]$/, "", a[2]); p += a[1]; b += a[2] } END { print p, b }'
}
nothing() { lab_exec c true; }

make -C "$top_builddir" bench/rules_read >/dev/null
lab_exec c "$top_builddir/bench/rules_read" 20 >/dev/null # warm up
inproc=$(lab_exec c /usr/bin/time -o "$LAB_TMP/time" -f "%S %U" "$top_builddir/bench/rules_read" "$REPEATS")
cpu=$(awk -v r="$REPEATS" '{ printf "%.1f (kernel %.1f, user %.1f)", ($1 + $2) * 1e6 / r, $1 * 1e6 / r, $2 * 1e6 / r }' "$LAB_TMP/time")
base=$(ms nothing)
i=$(ms ipt_read)
us=$(awk -v m=$((i - base)) -v r="$REPEATS" 'BEGIN { printf "%.1f", m * 1000 / r }')
echo "nft backend read, in process:             $inproc; $cpu us CPU per read"
echo "iptables-legacy-save -c | awk, 1,000 rules: $us us per read (less 'ip netns exec true')"
awk -v a="${inproc%% *}" -v b="$us" 'BEGIN { printf "ratio: %.3f\n", a / b }'
