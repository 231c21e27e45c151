#!/usr/bin/env bash
# What admins do with the firewall: save it with 'nft list ruleset >
# /etc/nftables.conf' (or iptables-save) and load it at boot. With every
# kind of rule of ours installed (ctverify's nft and iptables backends,
# ctnode with bridged and routed containers, several classes, IPv4 and IPv6),
# the listings load back with the stock tools. And an upgrade from the
# names of earlier versions (ctnode's "101:1:in:4" counters, ctverify's
# chain "mark", which nft cannot read back) moves every count to the new
# names exactly.
. "$(dirname "$0")/common.sh"
e2e_require_root nft iptables-legacy-save iptables-legacy-restore ip6tables-legacy-restore
. "$top_srcdir/tests/lab/lab.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
must "peer addresses on remote" lab_remote_addr 198.19.7.1/32 2001:db8:77::1/128 198.19.1.1/32 2001:db8:201::1/128
OUT=$LAB_TMP/out; mkdir -p "$OUT"

# 'ip netns exec' mounts a fresh /sys without cgroups; a container has its
# cgroup v2 tree at /sys/fs/cgroup, so give it one when a cgroup is used.
CGREL=
in_ct() { # ROLE STATEDIR CMD...
	local r=$1 st=$2
	shift 2
	if [ -n "$CGREL" ]; then
		CTVERIFY_STATEDIR=$st lab_exec "$r" sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$@"
	else
		CTVERIFY_STATEDIR=$st lab_exec "$r" "$@"
	fi
}
nftctv() { in_ct ct101 "$LAB_TMP/state-nft" "$CTVERIFY" "$@"; }
iptctv() { in_ct ct103 "$LAB_TMP/state-ipt" "$CTVERIFY" "$@"; }
ctnode() { lab_exec node "$CTNODE" "$@"; }

# Every option of the rules language, names with digits, dots and dashes.
RULES="$LAB_TMP/every.rules"
cat >"$RULES" <<'EOF'
service web        proto=tcp lport=80,443,8080
service ssh-ish    proto=tcp lport=2000-2999 rport=1024-65535
service dns-out    proto=udp rport=53
service 9lives.x-y proto=any lport=5000-5010
service ping       proto=icmp
service nobody     user=65534
service staff      group=65534 proto=tcp rport=443
service backup     peer=198.19.7.0/24,2001:db8:77::/48
service mixed      proto=udp lport=4000 peer=198.19.8.0/24,2001:db8:88::/64
service high       proto=tcp lport=10000-30000
EOF
CGROOT=$(awk '$(NF-2) == "cgroup2" || $9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CGREL=ctv-e2e-$$
if [ -n "$CGROOT" ] && mkdir "$CGROOT/$CGREL" 2>/dev/null; then
	LAB_ON_EXIT="rmdir '$CGROOT/$CGREL' 2>/dev/null"
	echo "service app cgroup=$CGREL" >>"$RULES"
else
	CGREL=
	e2e_skip_part "no cgroup v2 to create a test cgroup in: the cgroup= service"
fi

# ---- every rule kind, both backends and the node ---------------------------
check "nft backend: install every rule kind in ct101" nftctv rules install --backend nft -f "$RULES"
lab_listing_check ct101
check "iptables backend: install every rule kind in ct103" iptctv rules install --backend iptables -f "$RULES"
lab_listing_check ct103

CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF
cat >"$CONF/networks_classes" <<'EOF'
1 0.0.0.0/0
1 ::/0
2 198.19.0.0/16
2 2001:db8:200::/40
3 198.19.1.0/24
1 198.19.7.0/24
0 198.19.9.0/24
0 2001:db8:209::/48
EOF
lab_containers_file "$CONF/containers"
check "ctnode setup: bridged and routed containers, three classes, IPv4 and IPv6" ctnode setup
lab_listing_check node
# Some traffic, so that the counters have something to move.
for a in "$LAB_REMOTE4" "$LAB_REMOTE6" 198.19.1.1 2001:db8:201::1 198.19.7.1; do
	check "ct101 and ct102 ping $a" eval "lab_exec ct101 ping -c3 -i0.2 -q $a >/dev/null && lab_exec ct102 ping -c3 -i0.2 -q $a >/dev/null"
done
names=$(lab_nft_json node | jq -r '[.nftables[] | select(.counter.table? == "ctnode") | .counter.name] | sort | join(" ")')
case " $names " in
*" ct101_c1_in4 "*" ct102_c3_out4 "*" ct103_c2_out6 "*) ok "ctnode's counters are named ct<CTID>_c<class>_<in|out><4|6>" ;;
*) fail "ctnode's counter names: $names" ;;
esac

# The upgrades are checked to the packet, so they wait until neighbour
# discovery is quiet: an entry the pings left in DELAY sends a unicast
# probe 5 s later (one packet each way, counted on both sides), while
# REACHABLE and STALE entries send nothing without traffic.
nd_quiet() {
	local i r busy
	for i in $(seq 1 100); do
		busy=
		for r in ct101 ct102 ct103 node; do
			lab_exec "$r" ip -6 neigh show | grep -qE 'DELAY|PROBE|INCOMPLETE' && busy=$r
		done
		[ -z "$busy" ] && return 0
		sleep 0.2
	done
	echo "neighbour discovery still busy in $busy after 20 s" >&2
	return 1
}

# ---- upgrade of the node: the names of earlier versions --------------------
# The table as an earlier ctnode left it: the same objects, counters named
# "CT:CLASS:DIR:FAMILY", with counts. nft cannot read such names back from
# its text listing, but it can from JSON, which is how the old state is made.
old_names='walk(if type == "string" then (capture("^ct(?<ct>.+)_c(?<c>[0-9]+)_(?<d>in|out)(?<f>[46])$") // null) as $m |
	if $m then "\($m.ct):\($m.c):\($m.d):\($m.f)" else . end else . end)'
must "list the node table" eval 'lab_exec node nft -j list table netdev ctnode >"$OUT/new-node.json"'
jq "$old_names"' | .nftables |= map(if .counter then .counter.packets += 1000 | .counter.bytes += 1000000 else . end)' "$OUT/new-node.json" >"$OUT/old-node.json"
# nft 1.0.6 neither lists a base chain's devices in JSON (when there are
# several) nor reads them there: the base chains go in as text, between
# everything else and their rules, with the devices of the text listing.
base='[.nftables[] | select(.chain.hook?) | .chain.name] as $b'
# Referenced objects first: table, counters, chains, maps, rules.
jq "$base"' | .nftables |= (map(select((.chain.hook? | not) and ((.rule.chain? // "") as $c | $b | index([$c]) | not))) |
	sort_by(if .table then 0 elif .counter then 1 elif .chain then 2 elif .map or .set then 3 else 4 end))' \
	"$OUT/old-node.json" >"$OUT/old-node.1.json"
for c in $(jq -r '.nftables[] | select(.chain.hook?) | .chain.name' "$OUT/new-node.json"); do
	lab_exec node nft list chain netdev ctnode "$c" | grep -E '^\s*type filter hook' |
		sed "s/^\s*/add chain netdev ctnode $c { /; s/\$/ }/"
done >"$OUT/old-node.2.nft"
jq "$base"' | .nftables |= map(select((.rule.chain? // "") as $c | $b | index([$c])))' "$OUT/old-node.json" >"$OUT/old-node.3.json"
must "delete the node table" lab_exec node nft delete table netdev ctnode
must "load the node table with the old names" lab_exec node nft -j -f "$OUT/old-node.1.json"
must "load its base chains" lab_exec node nft -f "$OUT/old-node.2.nft"
must "load their rules" lab_exec node nft -j -f "$OUT/old-node.3.json"
# Structure without counters or handles, as a sorted list of objects.
shape() { jq -c '[.nftables[] | select((.metainfo or .counter) | not) | del(.. | .handle?)] | map(tostring) | sort'; }
same_shape() { [ "$(lab_exec node nft -j list table netdev ctnode | shape)" = "$(jq "$old_names" "$OUT/new-node.json" | shape)" ]; }
check "the old-style table has the chains, maps, elements and rules of the new one, with the old names" same_shape
must "neighbour discovery is quiet" nd_quiet
old=$(lab_nft_json node | jq -r '[.nftables[] | select(.counter.table? == "ctnode") | .counter | "\(.name) \(.packets) \(.bytes)"] | sort | .[]')
n_old=$(grep -c ':' <<<"$old")
assert_ge "$n_old" 24 "old-style counters with counts loaded"
case $old in *"101:1:in:4 "*) ok "they carry the old names" ;; *) fail "old counters: $old" ;; esac
check "ctnode setup over the old names" ctnode setup
new=$(lab_nft_json node | jq -r '[.nftables[] | select(.counter.table? == "ctnode") | .counter |
	(.name | capture("^ct(?<ct>.+)_c(?<c>[0-9]+)_(?<d>in|out)(?<f>[46])$") // null) as $m |
	if $m then "\($m.ct):\($m.c):\($m.d):\($m.f) \(.packets) \(.bytes)" else "unparsed \(.name)" end] | sort | .[]')
if [ "$new" = "$old" ]; then ok "all $n_old counts moved to their new names, exactly (as nft listed the old ones)"
else fail "counts after the upgrade differ:$(diff <(echo "$old") <(echo "$new") | grep '^[<>]' | tr '\n' ' ')"; fi
assert_eq "$(lab_nft_json node | jq '[.nftables[] | select(.counter.table? == "ctnode") | .counter.name | select(contains(":"))] | length')" 0 \
	"no counter with an old name is left"
lab_listing_check node
check "ctnode stat reads the moved counts" eval 'ctnode stat --format json | jq -e "[.[] | select(.ct == \"101\" and .class == 1)][0].out_packets >= 1000" >/dev/null'

# ---- upgrade of the container: chain "mark" -------------------------------
# The table as an earlier ctverify left it: the owner chain named "mark",
# counters with counts. nft reads neither that name from text nor a socket
# cgroupv2 match from JSON (1.0.6), so: text with another name, then a JSON
# rename.
cg='mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null; exec "$@"'
lab_exec ct101 sh -c "$cg" sh nft list table inet ctverify |
	awk '/^\t\tpackets [0-9]+ bytes [0-9]+$/ { printf "\t\tpackets %d bytes %d\n", $2 + 1000, $4 + 1000000; next }
	     { sub(/chain owner_mark /, "chain old_mark_tmp "); print }' >"$OUT/old-ct.nft"
must "the owner chain is there to rename" grep -q 'chain old_mark_tmp ' "$OUT/old-ct.nft"
must "delete ct101's table" lab_exec ct101 nft delete table inet ctverify
must "load ct101's table with counts" lab_exec ct101 sh -c "$cg" sh nft -f "$OUT/old-ct.nft"
must "rename its owner chain to mark, as earlier versions named it" lab_exec ct101 nft -j -f - \
	<<<'{"nftables": [{"rename": {"chain": {"family": "inet", "table": "ctverify", "name": "old_mark_tmp", "newname": "mark"}}}]}'
if lab_exec ct101 sh -c "$cg" sh nft list ruleset | lab_exec ct101 nft -c -f - >/dev/null 2>&1; then
	fail "nft reads chain 'mark' back (the old state is not the field's)"
else ok "the old listing is the one nft refuses"; fi
ctr() { lab_nft_json ct101 | jq -r '[.nftables[] | select(.counter.table? == "ctverify") | .counter | "\(.name) \(.packets) \(.bytes)"] | sort | .[]'; }
must "neighbour discovery is quiet" nd_quiet
old=$(ctr)
assert_ge "$(grep -c . <<<"$old")" 24 "old-style ctverify counters with counts loaded"
check "rules install over the old names" nftctv rules install --backend nft -f "$RULES"
new=$(ctr)
if [ "$new" = "$old" ]; then ok "all $(grep -c . <<<"$old") ctverify counts kept, exactly"
else fail "ctverify counts after the upgrade differ:$(diff <(echo "$old") <(echo "$new") | grep '^[<>]' | tr '\n' ' ')"; fi
chains=$(lab_nft_json ct101 | jq -r '[.nftables[] | select(.chain.table? == "ctverify") | .chain.name] | sort | join(" ")')
assert_eq "$chains" "in out owner_mark" "the chains are in, out, owner_mark"
check "rules check after the upgrade" nftctv rules check
lab_listing_check ct101

check "ctverify rules remove (nft)" nftctv rules remove
check "ctverify rules remove (iptables)" iptctv rules remove
check "ctnode teardown" ctnode teardown
lab_listing_check ct101
lab_listing_check node
e2e_done
