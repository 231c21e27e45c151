#!/usr/bin/env bash
# Virtuozzo's own networks_classes files in ctnode setup: the man page's
# example (no '1 ::/0' line) loads, with one line saying that unlisted IPv6
# is class 0; traffic to its class-2 networks and to its class-1 hole is
# counted as such, and IPv6 to an unlisted address is not counted at all.
# Ground truth: the host-side veth statistics (ip -s -j link).
. "$(dirname "$0")/common.sh"
e2e_require_root nft awk
. "$top_srcdir/tests/lab/lab.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }

fx=$top_srcdir/tests/fixtures/classes
CONF=$LAB_TMP/conf
OUT=$LAB_TMP/out
mkdir -p "$CONF" "$OUT"
export CTNODE_CONFDIR=$CONF
ctnode() { lab_exec node "$CTNODE" "$@"; }
printf '101 veth veth101\n102 ip 198.18.20.102,2001:db8:20::102\n' >"$CONF/containers"

NOISE=2000      # bytes a class may move by without traffic of ours
SLACK_BYTES=1200 # what the veth counts and we do not (ARP)

# ---- the man page's text as it is ---------------------------------------
ctnode setup --classes "$fx/vz_manpage" >"$OUT/setup.out" 2>"$OUT/setup.err"
assert_eq "$?" 0 "the man page example installs"
assert_eq "$(wc -l <"$OUT/setup.err")" 1 "setup says one line on stderr"
check "the line says unlisted IPv6 is class 0, not accounted" \
	grep -q "vz_manpage: no line for ::/0: IPv6 traffic outside the listed networks is class 0, not accounted" \
	"$OUT/setup.err"
lab_exec node nft -j list map netdev ctnode class4_out >"$OUT/map4.json"
lab_exec node nft -j list map netdev ctnode class6_out >"$OUT/map6.json"
# elem ADDR LEN -> the chain a prefix element of class4_out jumps to
elem() {
	jq -r --arg a "$1" --argjson l "$2" '.nftables[] | select(.map) | .map.elem[]? |
		select(.[0].prefix.addr == $a and .[0].prefix.len == $l) | .[1].jump.target' "$OUT/map4.json"
}
assert_eq "$(elem 10.10.16.0 24)" out4_c1 "the hole 10.10.16.0/24 is class 1 in the kernel's map"
assert_empty "$(elem 10.10.10.0 24)" "the class-0 network 10.10.10.0/24 is a gap in the map"
assert_eq "$(jq '[.nftables[] | select(.map) | .map.elem[]?] | length' "$OUT/map6.json")" 0 \
	"the IPv6 map has no element: no IPv6 class"
check "the tab-separated variant installs" ctnode setup --classes "$fx/vz_manpage_tabs"
lab_exec node nft -j list map netdev ctnode class4_out >"$OUT/map4t.json"
assert_eq "$(jq -c '.nftables[] | select(.map) | .map.elem' "$OUT/map4t.json")" \
	"$(jq -c '.nftables[] | select(.map) | .map.elem' "$OUT/map4.json")" "and gives the same map"
ctnode setup --classes "$fx/vz_stock" >/dev/null 2>"$OUT/stock.err"
assert_eq "$?" 0 "vzctl's stock file (1 ::0/0) installs"
assert_eq "$(wc -c <"$OUT/stock.err")" 0 "with nothing to say"
lab_listing_check node

# ---- the same file in the lab's addresses, with traffic -----------------
# The lab may use 198.18.0.0/15 only, so the man page's networks move
# there with their nesting kept: 10.0.0.0/8 -> 198.19.0.0/17, 11.0.0.0/8 ->
# 198.19.128.0/17, 10.10.N.0/24 -> 198.19.N.0/24. Still no IPv6 line.
sed -e 's#10\.0\.0\.0/8#198.19.0.0/17#' -e 's#11\.0\.0\.0/8#198.19.128.0/17#' \
	-e 's#10\.10\.\([0-9]*\)\.0/24#198.19.\1.0/24#' "$fx/vz_manpage" >"$CONF/networks_classes"
check "the moved file keeps every line" bash -c \
	"[ \$(grep -c '^[0-9]' '$CONF/networks_classes') = 6 ] && ! grep -q ' 1[01]\.' '$CONF/networks_classes'"
check "ctnode setup with the moved file" ctnode setup
lab_listing_check node
C2_4=198.19.1.1 C2B_4=198.19.200.1 HOLE_4=198.19.16.1 C0_4=198.19.10.1
V6=2001:db8:99::1 # on remote, in no listed network
must "class addresses on remote" lab_remote_addr $C2_4/32 $C2B_4/32 $HOLE_4/32 $C0_4/32 $V6/128

snap() { ctnode stat -a -4 --format json >"$1.4" && ctnode stat -a -6 --format json >"$1.6"; }
# get FILE FAM CT CLASS FIELD
get() { jq -r --arg ct "$3" --argjson c "$4" "[.[] | select(.ct == \$ct and .class == \$c) | .$5] | add // 0" "$1.$2"; }
# fam_total FILE FAM CT FIELD: over every class
fam_total() { jq -r --arg ct "$3" "[.[] | select(.ct == \$ct) | .$4] | add // 0" "$1.$2"; }
# veth_l3 DEV rx|tx -> L3 bytes (frame bytes less 14 per packet)
veth_l3() {
	local b p
	b=$(lab_link_stat node "$1" "$2" bytes); p=$(lab_link_stat node "$1" "$2" packets)
	echo $((b - 14 * p))
}

# flow CT DEV FAM ADDR CLASS PORT: 200000 bytes out, 50000 back. CLASS > 0:
# that class of FAM moves by what the veth saw, every other by noise at most;
# CLASS 0: nothing of FAM moves although the veth saw the bytes.
flow() {
	local ct=$1 dev=$2 fam=$3 addr=$4 want=$5 port=$6 rx0 tx0 rx tx c d
	snap "$OUT/b"; rx0=$(veth_l3 "$dev" rx); tx0=$(veth_l3 "$dev" tx)
	check "ct$ct sends to $addr" lab_tcp "ct$ct" remote "$addr" "$port" 200000 50000
	snap "$OUT/a"; rx=$(( $(veth_l3 "$dev" rx) - rx0 )); tx=$(( $(veth_l3 "$dev" tx) - tx0 ))
	assert_ge "$rx" 200000 "ct$ct -> $addr crossed $dev (rx, from the container)"
	assert_ge "$tx" 50000 "ct$ct -> $addr crossed $dev (tx, to the container)"
	if [ "$want" = 0 ]; then
		for c in out_bytes in_bytes; do
			d=$(( $(fam_total "$OUT/a" "$fam" "$ct" $c) - $(fam_total "$OUT/b" "$fam" "$ct" $c) ))
			assert_eq "$d" 0 "ct$ct -> $addr: IPv$fam $c counted in no class"
		done
		return
	fi
	d=$(( $(get "$OUT/a" "$fam" "$ct" "$want" out_bytes) - $(get "$OUT/b" "$fam" "$ct" "$want" out_bytes) ))
	assert_near "$d" "$rx" "$SLACK_BYTES" "ct$ct -> $addr: class $want out bytes = $dev rx - 14/packet"
	d=$(( $(get "$OUT/a" "$fam" "$ct" "$want" in_bytes) - $(get "$OUT/b" "$fam" "$ct" "$want" in_bytes) ))
	assert_near "$d" "$tx" "$SLACK_BYTES" "ct$ct -> $addr: class $want in bytes = $dev tx - 14/packet"
	for c in 1 2; do
		[ "$c" = "$want" ] && continue
		d=$(( $(get "$OUT/a" "$fam" "$ct" $c out_bytes) - $(get "$OUT/b" "$fam" "$ct" $c out_bytes) ))
		[ "$d" -le "$NOISE" ] || fail "ct$ct -> $addr (class $want): class $c out bytes moved by $d"
	done
}

port=7000
for ct in 101 102; do
	dev=veth$ct
	flow $ct $dev 4 "$C2_4" 2 $((port++))
	flow $ct $dev 4 "$C2B_4" 2 $((port++))
	flow $ct $dev 4 "$HOLE_4" 1 $((port++))
	flow $ct $dev 4 "$LAB_REMOTE4" 1 $((port++))
	flow $ct $dev 4 "$C0_4" 0 $((port++))
	flow $ct $dev 6 "$V6" 0 $((port++))
done
snap "$OUT/end"
assert_eq "$(jq '[.[] | .in_bytes + .out_bytes + .in_packets + .out_packets] | add // 0' "$OUT/end.6")" 0 \
	"nothing of IPv6 was counted, neighbour discovery included"

check "teardown" ctnode teardown
e2e_done
