#!/usr/bin/env bash
# ctnode's kernel accounting in the lab: per container, network class and
# direction, checked against the host-side veth statistics (ip -s link) and
# known traffic to addresses of each class. ct101 and ct103 are bridged,
# ct102 is routed. ctnode runs only inside the lab's node namespace.
. "$(dirname "$0")/common.sh"
e2e_require_root nft awk
. "$top_srcdir/tests/lab/lab.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }

CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF
ctnode() { lab_exec node "$CTNODE" "$@"; }

# Classes: 1 everywhere, 2 on 198.19/16 (2001:db8:200::/40) with a class-1
# hole and a class-0 network inside.
cat >"$CONF/networks_classes" <<'EOF'
# test classes, Virtuozzo format
1 0.0.0.0/0
1 ::/0
2 198.19.0.0/16
2 2001:db8:200::/40
1 198.19.7.0/24		# a class-1 hole in class 2
1 2001:db8:207::/48
0 198.19.9.0/24		# the node's own: never accounted
0 2001:db8:209::/48
EOF
lab_containers_file "$CONF/containers"
C1_4=$LAB_REMOTE4  C2_4=198.19.1.1      C1H_4=198.19.7.1      C0_4=198.19.9.1
C1_6=$LAB_REMOTE6  C2_6=2001:db8:201::1 C1H_6=2001:db8:207::1 C0_6=2001:db8:209::1
must "class addresses on remote" lab_remote_addr $C2_4/32 $C1H_4/32 $C0_4/32 $C2_6/128 $C1H_6/128 $C0_6/128

NOISE=2000      # bytes of neighbour discovery and the like in an idle class
SLACK_PKTS=12   # packets the kernel may see on a veth that we do not count (ARP, link-local ND)
SLACK_BYTES=1200
OUT=$LAB_TMP/out; mkdir -p "$OUT"

# A foreign nftables table, also on a container device: never touched by us.
must "foreign tables on the node" lab_exec node nft -f - <<'EOF'
table inet foreign {
	set s { type ipv4_addr; elements = { 198.18.99.1 } }
	chain forward_filter { type filter hook forward priority 0; ip daddr @s drop; }
}
table netdev foreign2 {
	chain ing { type filter hook ingress device "veth101" priority 0; meta protocol arp accept; }
}
EOF
foreign() { lab_exec node nft list table inet foreign && lab_exec node nft list table netdev foreign2; }
must "list the foreign tables" foreign >"$OUT/foreign.0"
must "the foreign set is there" grep -q 'elements = { 198.18.99.1 }' "$OUT/foreign.0"
must "the foreign netdev chain is there" grep -q 'meta protocol arp accept' "$OUT/foreign.0"
foreign_same() { foreign >"$OUT/foreign.now"; cmp -s "$OUT/foreign.0" "$OUT/foreign.now"; }

# ---- dry run and bad input change nothing ---------------------------------
ctnode setup --dry-run >"$OUT/dry" 2>&1
assert_eq "$?" 0 "setup --dry-run succeeds"
check "dry run describes the table and the hole" \
	grep -q "198.19.7.0-198.19.7.255 -> class 1" "$OUT/dry"
check "dry run installs nothing" bash -c "! ip netns exec $(lab_ns node) nft list tables | grep -q 'netdev ctnode'"

printf '1 0.0.0.0/0\n1 ::/0\n16 198.19.0.0/16\n' >"$CONF/bad_classes"
ctnode setup --classes "$CONF/bad_classes" >"$OUT/bad" 2>&1
assert_eq "$?" 2 "a bad classes file is an input error"
check "the error names file and line" grep -q "bad_classes:3: class '16'" "$OUT/bad"
check "nothing installed from a bad file" bash -c "! ip netns exec $(lab_ns node) nft list tables | grep -q 'netdev ctnode'"

# ---- setup -----------------------------------------------------------------
check "ctnode setup" ctnode setup
lab_listing_check node
check "the foreign tables are untouched by setup" foreign_same

# stat -a -4|-6 as JSON -> FILE
snap() { ctnode stat -a -4 --format json >"$1.4" && ctnode stat -a -6 --format json >"$1.6"; }
# get FILE FAM CT CLASS FIELD ("no row" if stat has none: a FAIL later)
get() { jq -r --arg ct "$3" --argjson c "$4" "[.[] | select(.ct == \$ct and .class == \$c) | .$5] | if length == 0 then \"no row\" else add end" "$1.$2"; }
# Sum of a field over all classes and families for a container.
total() {
	local a b
	a=$(jq --arg ct "$2" "[.[] | select(.ct == \$ct) | .$3] | if length == 0 then \"no row\" else add end" "$1.4")
	b=$(jq --arg ct "$2" "[.[] | select(.ct == \$ct) | .$3] | if length == 0 then \"no row\" else add end" "$1.6")
	need_int "ct $2 $3 in $(basename "$1")" "$a" "$b" || return 1
	echo $((a + b))
}
# growth FILE_AFTER FILE_BEFORE FAM CT CLASS FIELD -> after - before
growth() { sub "$(get "$1" "$3" "$4" "$5" "$6")" "$(get "$2" "$3" "$4" "$5" "$6")" "ct $4 class $5 IPv$3 $6"; }
# tgrowth FILE_AFTER FILE_BEFORE CT FIELD -> the growth of total
tgrowth() { sub "$(total "$1" "$3" "$4")" "$(total "$2" "$3" "$4")" "ct $3 $4"; }

# class_test CT FAM ADDR CLASS PORT: 200000 bytes out, 50000 back; they land
# in CLASS of FAM only (CLASS 0: nowhere).
class_test() {
	local ct=$1 fam=$2 addr=$3 want=$4 port=$5 f c d field fails
	fails=$(e2e_fails)
	must "stat before ct$ct -> $addr" snap "$OUT/b"
	check "ct$ct sends to $addr" lab_tcp "ct$ct" remote "$addr" "$port" 200000 50000
	must "stat after ct$ct -> $addr" snap "$OUT/a"
	for f in 4 6; do
		for c in 0 1 2; do
			for field in out_bytes in_bytes; do
				d=$(growth "$OUT/a" "$OUT/b" $f "$ct" $c $field) || continue
				if [ "$f" = "$fam" ] && [ "$c" = "$want" ] && [ "$want" != 0 ]; then
					if [ $field = out_bytes ]; then
						assert_ge "$d" 200000 "$ct -> $addr: class $c IPv$f $field"
					else
						assert_ge "$d" 50000 "$ct -> $addr: class $c IPv$f $field"
					fi
				elif [ "$d" -gt "$NOISE" ] || [ "$d" -lt 0 ]; then
					fail "$ct -> $addr (class $want): class $c IPv$f $field moved by $d"
				fi
			done
		done
	done
	[ "$(e2e_fails)" = "$fails" ] && ok "$ct -> $addr lands in class $want only"
}

# veth_l3 DEV rx|tx -> "bytes packets" as L3: frame bytes less 14 per packet.
veth_l3() {
	local b p
	b=$(lab_link_stat node "$1" "$2" bytes); p=$(lab_link_stat node "$1" "$2" packets)
	need_int "$1 $2 counters" "$b" "$p" || return 1
	echo "$((b - 14 * p)) $p"
}

# ---- known traffic per class, checked against the veth statistics ----------
declare -A dev=([101]=veth101 [102]=veth102 [103]=veth103)
snap "$OUT/p0"
for ct in 101 102; do
	read -r vrx0b vrx0p <<<"$(veth_l3 "${dev[$ct]}" rx)"; read -r vtx0b vtx0p <<<"$(veth_l3 "${dev[$ct]}" tx)"
	declare "vrx0b_$ct=$vrx0b" "vrx0p_$ct=$vrx0p" "vtx0b_$ct=$vtx0b" "vtx0p_$ct=$vtx0p"
done
port=6000
for ct in 101 102; do
	class_test $ct 4 $C1_4 1 $((port++))
	class_test $ct 4 $C2_4 2 $((port++))
	class_test $ct 4 $C1H_4 1 $((port++))
	class_test $ct 6 $C1_6 1 $((port++))
	class_test $ct 6 $C2_6 2 $((port++))
	class_test $ct 6 $C1H_6 1 $((port++))
done
snap "$OUT/p1"
# From the container = our "out" = the host veth's rx; to it = "in" = tx.
for ct in 101 102; do
	read -r vrxb vrxp <<<"$(veth_l3 "${dev[$ct]}" rx)"; read -r vtxb vtxp <<<"$(veth_l3 "${dev[$ct]}" tx)"
	b0=vrx0b_$ct; vrxb=$(sub "${vrxb:-}" "${!b0}" "${dev[$ct]} rx bytes")
	b0=vrx0p_$ct; vrxp=$(sub "${vrxp:-}" "${!b0}" "${dev[$ct]} rx packets")
	b0=vtx0b_$ct; vtxb=$(sub "${vtxb:-}" "${!b0}" "${dev[$ct]} tx bytes")
	b0=vtx0p_$ct; vtxp=$(sub "${vtxp:-}" "${!b0}" "${dev[$ct]} tx packets")
	ob=$(tgrowth "$OUT/p1" "$OUT/p0" $ct out_bytes)
	op=$(tgrowth "$OUT/p1" "$OUT/p0" $ct out_packets)
	ib=$(tgrowth "$OUT/p1" "$OUT/p0" $ct in_bytes)
	ip_=$(tgrowth "$OUT/p1" "$OUT/p0" $ct in_packets)
	assert_ge "$ob" 1200000 "ct$ct out bytes cover the 6 x 200000 sent"
	assert_near "$ob" "$vrxb" "$SLACK_BYTES" "ct$ct out bytes = ${dev[$ct]} rx bytes - 14/packet"
	assert_near "$op" "$vrxp" "$SLACK_PKTS" "ct$ct out packets = ${dev[$ct]} rx packets"
	assert_near "$ib" "$vtxb" "$SLACK_BYTES" "ct$ct in bytes = ${dev[$ct]} tx bytes - 14/packet"
	assert_near "$ip_" "$vtxp" "$SLACK_PKTS" "ct$ct in packets = ${dev[$ct]} tx packets"
done

# ---- class 0 is never counted -----------------------------------------------
for ct in 101 102; do
	before=$(lab_link_stat node "${dev[$ct]}" rx bytes)
	class_test $ct 4 $C0_4 0 $((port++))
	class_test $ct 6 $C0_6 0 $((port++))
	after=$(lab_link_stat node "${dev[$ct]}" rx bytes)
	assert_ge "$(sub "$after" "$before" "${dev[$ct]} rx bytes")" 400000 "ct$ct class-0 traffic did cross ${dev[$ct]}"
done

# ---- neighbours on the bridge: counted on both sides ------------------------
snap "$OUT/n0"
read -r t0b t0p <<<"$(veth_l3 veth103 tx)"
check "ct101 -> ct103 (IPv4)" lab_tcp ct101 ct103 "$LAB_CT103_4" $((port++)) 100000
check "ct101 -> ct103 (IPv6)" lab_tcp ct101 ct103 "$LAB_CT103_6" $((port++)) 100000
snap "$OUT/n1"
read -r t1b t1p <<<"$(veth_l3 veth103 tx)"
for f in 4 6; do
	assert_ge "$(growth "$OUT/n1" "$OUT/n0" $f 101 1 out_bytes)" 100000 \
		"neighbour traffic counted as ct101 out, class 1, IPv$f"
	assert_ge "$(growth "$OUT/n1" "$OUT/n0" $f 103 1 in_bytes)" 100000 \
		"neighbour traffic counted as ct103 in, class 1, IPv$f"
done
assert_near "$(tgrowth "$OUT/n1" "$OUT/n0" 103 in_bytes)" "$(sub "${t1b:-}" "${t0b:-}" "veth103 tx bytes")" \
	"$SLACK_BYTES" "ct103 in bytes = veth103 tx bytes - 14/packet"

# ---- stat: the vznetstat layout -----------------------------------------------
ctnode stat >"$OUT/stat"
check "stat header is the vznetstat one" awk 'NR == 1 { exit !($1 == "CTID" && $2 == "Net.Class" &&
	$3 == "Input(bytes)" && $4 == "Input(pkts)" && $5 == "Output(bytes)" && $6 == "Output(pkts)" && NF == 6) }' "$OUT/stat"
check "stat rows have six numeric columns" awk 'NR > 1 { if (NF != 6) exit 1; for (i = 2; i <= 6; i++) if ($i !~ /^[0-9]+$/) exit 1; n++ }
	END { exit !(n == 6) }' "$OUT/stat"
check "stat rows match the JSON" bash -c "
	ip netns exec $(lab_ns node) env CTNODE_CONFDIR=$CONF $CTNODE stat --format json |
	jq -r '.[] | \"\(.ct) \(.class) \(.in_bytes) \(.in_packets) \(.out_bytes) \(.out_packets)\"' >$OUT/stat.j
	awk 'NR > 1 { print \$1, \$2, \$3, \$4, \$5, \$6 }' $OUT/stat | diff - $OUT/stat.j"
assert_eq "$(ctnode stat -v 101 -c 2 | awk 'NR > 1 { print $1, $2 }')" "101 2" "stat -v 101 -c 2 shows one row"
assert_eq "$(ctnode stat -a | awk 'NR > 1' | wc -l)" 48 "stat -a shows 16 classes for each of 3 containers"
assert_eq "$(ctnode stat -v 102 -v 103 | awk 'NR > 1 { print $1 }' | sort -u | tr '\n' ' ')" "102 103 " "-v repeats"
check "stat -r rounds to K/M/G" bash -c "ip netns exec $(lab_ns node) $CTNODE stat -r -v 101 -c 2 | awk 'NR == 2 { exit !(\$5 ~ /^[0-9.]+[KMG]\$/) }'"
ctnode stat -4 --format json >"$OUT/s4"; ctnode stat -6 --format json >"$OUT/s6"; ctnode stat --format json >"$OUT/s46"
assert_eq "$(jq -s '[.[0][], .[1][]] | group_by(.ct, .class) | map({ct: .[0].ct, class: .[0].class, in_bytes: (map(.in_bytes) | add)})' "$OUT/s4" "$OUT/s6" | jq -c .)" \
	"$(jq -c 'map({ct, class, in_bytes})' "$OUT/s46")" "stat -4 plus stat -6 is stat"
ctnode stat -c 16 >/dev/null 2>&1; assert_eq "$?" 2 "stat -c 16 is a usage error"

# ---- metrics: a strict check of the Prometheus text format ------------------
ctnode metrics >"$OUT/metrics"
check "metrics follow the text exposition format" awk '
	/^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ || NF < 4) exit 1; help[$3] = 1; next }
	/^# TYPE / { if (!($3 in help) || $4 != "counter" || NF != 4 || ($3 in type)) exit 1; type[$3] = 1; next }
	/^#/ { exit 1 }
	{
		if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) exit 1
		name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
		if (!(name in type) || name !~ /_total$/) exit 1
		if (!match(rest, /^\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\} [0-9]+$/)) exit 1
		series = name substr(rest, 1, index(rest, "}"))
		if (series in seen) exit 1
		seen[series] = 1; n++
	}
	END { exit !(n > 0 && length(type) == 2) }' "$OUT/metrics"
m=$(awk -F'[{}]' '/^ctnode_bytes_total.*ct="101",class="2",direction="out"/ { split($3, v, " "); s += v[1] } END { print s }' "$OUT/metrics")
assert_eq "$m" "$(jq '[.[] | select(.ct == "101" and .class == 2) | .out_bytes] | add' "$OUT/s46")" \
	"metrics agree with stat (ct101 class 2 out bytes)"
if command -v promtool >/dev/null; then
	check "promtool check metrics" bash -c "promtool check metrics <$OUT/metrics"
fi

# ---- reload keeps counts; changes take effect ---------------------------------
ctnode stat --format json >"$OUT/r0"
cp "$CONF/networks_classes" "$CONF/classes2"
printf '3 198.19.3.0/24\n3 2001:db8:203::/48\n' >>"$CONF/classes2"
cp "$CONF/containers" "$CONF/containers2"
echo "104 ip 198.18.20.104 dev veth104" >>"$CONF/containers2"
check "setup again with another class and container" ctnode setup --classes "$CONF/classes2" --containers "$CONF/containers2"
lab_listing_check node
ctnode stat --format json >"$OUT/r1"
kept=$(jq -n --slurpfile a "$OUT/r0" --slurpfile b "$OUT/r1" --argjson noise $NOISE '
	[$a[0][] as $o | ($b[0][] | select(.ct == $o.ct and .class == $o.class)) as $n |
	 select($n.out_bytes < $o.out_bytes or $n.out_bytes > $o.out_bytes + $noise or
	        $n.in_bytes < $o.in_bytes or $n.in_bytes > $o.in_bytes + $noise)] | length')
assert_eq "$kept" 0 "every unchanged (ct, class) kept its counts across the reload"
assert_eq "$(jq '[.[] | select(.ct == "104")] | length' "$OUT/r1")" 3 "the new container has counters"
assert_eq "$(jq '[.[] | select(.class == 3)] | length' "$OUT/r1")" 4 "the new class has counters"
must "a class-3 address on remote" lab_remote_addr 198.19.3.1/32
snap "$OUT/c3a"
check "ct101 sends to the new class" lab_tcp ct101 remote 198.19.3.1 $((port++)) 100000
snap "$OUT/c3b"
assert_ge "$(growth "$OUT/c3b" "$OUT/c3a" 4 101 3 out_bytes)" 100000 "traffic lands in the new class 3"
check "the foreign tables are untouched by a reload" foreign_same

lab_exec node nft -j list table netdev ctnode | jq -c '[.nftables[] | select(.set or .chain or .rule or .map)]' >"$OUT/struct0"
must "the installed table has chains to compare" grep -q "\"chain\"" "$OUT/struct0"
ctnode setup --containers "$CONF/bad_containers" >"$OUT/bad2" 2>&1
assert_eq "$?" 2 "a missing containers file is an input error"
printf '101 veth veth101\n105 veth veth101\n' >"$CONF/bad_containers"
ctnode setup --classes "$CONF/classes2" --containers "$CONF/bad_containers" >"$OUT/bad2" 2>&1
assert_eq "$?" 2 "a duplicate interface is an input error"
check "the error names file and line" grep -q "bad_containers:2: interface veth101 is already container 101's" "$OUT/bad2"
lab_exec node nft -j list table netdev ctnode | jq -c '[.nftables[] | select(.set or .chain or .rule or .map)]' >"$OUT/struct1"
check "a refused setup leaves the installed table as it was" cmp -s "$OUT/struct0" "$OUT/struct1"

check "setup back to the first files" ctnode setup
lab_listing_check node
ctnode stat --format json >"$OUT/r2"
assert_eq "$(jq '[.[] | select(.class == 3 or .ct == "104")] | length' "$OUT/r2")" 0 "removed class and container are gone"
assert_ge "$(jq '[.[] | select(.ct == "101" and .class == 2) | .out_bytes] | add' "$OUT/r2")" \
	"$(jq '[.[] | select(.ct == "101" and .class == 2) | .out_bytes] | add' "$OUT/r0")" "class 2 still has its counts"

# ---- a counter our names do not explain is read too (the one dump) --------
# stat reads the counters by the names setup gives the containers the maps
# name; the table's use count shows one more object, so it reads them all.
must "a counter of a container the maps do not name" \
	lab_exec node nft add counter netdev ctnode ct999_c2_out4 packets 7 bytes 700
nftx=$(lab_exec node nft -j list counter netdev ctnode ct999_c2_out4 | jq -c '.nftables[] | select(.counter) | .counter | [.packets, .bytes]')
assert_eq "$nftx" "[7,700]" "nft shows the added counter"
assert_eq "$(ctnode stat -v 999 --format json | jq -c '.[] | [.class, .out_packets, .out_bytes, .in_bytes]')" \
	"[2,7,700,0]" "stat shows it as nft does"
assert_eq "$(ctnode stat --format json | jq '[.[] | .ct] | unique | length')" 4 \
	"and the three containers beside it"
check "setup drops the counter it does not want" ctnode setup
assert_eq "$(lab_exec node nft -j list counters table netdev ctnode | jq '[.nftables[] | select(.counter.name == "ct999_c2_out4")] | length')" \
	0 "nft no longer has it"
assert_eq "$(ctnode stat --format json | jq '[.[] | .ct] | unique | join(" ")')" '"101 102 103"' \
	"stat shows the three containers again"

# ---- more devices than one netdev chain takes (255): chains in chunks ----
{ cat "$CONF/containers"; for i in $(seq 1 300); do echo "$((5000 + i)) veth ctvx$i"; done; } >"$CONF/containers3"
check "setup with 303 containers" ctnode setup --containers "$CONF/containers3"
lab_listing_check node
check "the base chains come in chunks" bash -c "ip netns exec $(lab_ns node) nft list chains netdev | grep -q 'chain from_ct_1 '"
snap "$OUT/k0"
check "ct101 sends with 303 containers" lab_tcp ct101 remote "$C2_4" $((port++)) 100000
snap "$OUT/k1"
assert_ge "$(growth "$OUT/k1" "$OUT/k0" 4 101 2 out_bytes)" 100000 \
	"counted with the devices spread over chunks"
check "setup back to three containers" ctnode setup
lab_listing_check node
check "the extra chunk is gone" bash -c "! ip netns exec $(lab_ns node) nft list chains netdev | grep -q 'from_ct_1 '"

# ---- a restarted container (its veth deleted and made again) is counted ----
# without another setup: the hooks follow the device name (kernel 6.16+).
must "ct101's veth deleted" lab_exec node ip link del veth101
must "ct101's veth made again" lab_link node veth101 ct101 eth0
must "the new veth on the bridge" lab_exec node ip link set veth101 master br0
must "ct101's address again" lab_addr ct101 eth0 "$LAB_CT101_4/24"
must "ct101's route again" lab_route ct101 default via 198.18.10.1
snap "$OUT/x0"
check "the restarted ct101 sends" lab_tcp ct101 remote "$C2_4" $((port++)) 100000
snap "$OUT/x1"
assert_ge "$(growth "$OUT/x1" "$OUT/x0" 4 101 2 out_bytes)" 100000 \
	"a restarted container's new veth is counted without setup"

# ---- teardown ------------------------------------------------------------------
check "teardown" ctnode teardown
check "the table is gone" bash -c "! ip netns exec $(lab_ns node) nft list tables | grep -q 'netdev ctnode'"
check "teardown again is fine" ctnode teardown
ctnode stat >/dev/null 2>&1; assert_eq "$?" 1 "stat without accounting fails"
check "the foreign tables are untouched by teardown" foreign_same

e2e_done
