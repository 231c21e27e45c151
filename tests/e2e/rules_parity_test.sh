#!/usr/bin/env bash
# Both backends give the same per-service numbers for the same traffic. The
# strongest form: both installed at once in ct101 (each with its own state
# directory), so they count the very same packets at the same hooks; the
# spec mixes ports, port ranges, eleven peer networks, a socket owner and
# 150 generated port services, so the nft maps and the iptables chain tree are
# both exercised. IPv4 and IPv6.
. "$(dirname "$0")/common.sh"
e2e_require_root nft iptables-legacy-save setpriv
. "$top_srcdir/tests/lab/lab.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
must "peer addresses on remote" lab_remote_addr 198.19.7.1/32 2001:db8:77::1/128 198.19.8.33/32 2001:db8:88:2::5/128 198.19.8.200/32

nftctv() { CTVERIFY_STATEDIR="$LAB_TMP/state-nft" lab_exec ct101 "$CTVERIFY" "$@"; }
iptctv() { CTVERIFY_STATEDIR="$LAB_TMP/state-ipt" lab_exec ct101 "$CTVERIFY" "$@"; }

RULES="$LAB_TMP/parity.rules"
{
	echo "service web      proto=tcp lport=80,443"
	echo "service nobody   user=65534"
	echo "service dns-out  proto=udp rport=53"
	echo "service backup   peer=198.19.7.0/24,2001:db8:77::/48"
	echo "service range    proto=any lport=20000-20099"
	# Ten peer networks: the iptables tree splits them with iprange.
	for i in $(seq 0 9); do echo "service peer$i peer=198.19.8.$((16 * i))/28,2001:db8:88:$i::/64"; done
	for i in $(seq 0 149); do echo "service gen$i proto=tcp lport=$((30000 + 2 * i))"; done
	echo "service high     rport=40000-40999"
} >"$RULES"

check "install with nft" nftctv rules install --backend nft -f "$RULES"
check "install with iptables alongside" iptctv rules install --backend iptables -f "$RULES"
lab_listing_check ct101
check "nft rules check" nftctv rules check
check "iptables rules check" iptctv rules check

check "web over IPv4" lab_tcp remote ct101 "$LAB_CT101_4" 80 100000 300000
check "web over IPv6" lab_tcp remote ct101 "$LAB_CT101_6" 443 100000 300000
LAB_AS=65534 check "a non-root user over IPv4" lab_tcp ct101 remote "$LAB_REMOTE4" 5001 200000 50000
LAB_AS=65534 check "a non-root user over IPv6" lab_tcp ct101 remote "$LAB_REMOTE6" 5002 200000 50000
check "dns over UDP/IPv4" lab_udp ct101 remote "$LAB_REMOTE4" 53 20000 500 echo
check "dns over UDP/IPv6" lab_udp ct101 remote "$LAB_REMOTE6" 53 20000 500 echo
check "a peer network" lab_tcp ct101 remote 198.19.7.1 6001 30000 30000
check "a port range over UDP/IPv6" lab_udp remote ct101 "$LAB_CT101_6" 20050 10000 400 echo
check "a generated service (port 30000)" lab_tcp remote ct101 "$LAB_CT101_4" 30000 5000 7000
check "a generated service (port 30298)" lab_tcp remote ct101 "$LAB_CT101_6" 30298 6000 8000
check "a port between generated ones (30001)" lab_tcp remote ct101 "$LAB_CT101_4" 30001 3000 3000
check "a peer port range" lab_tcp ct101 remote "$LAB_REMOTE4" 40500 9000 9000
check "peer network 2 over IPv4" lab_tcp ct101 remote 198.19.8.33 6101 11000 12000
check "peer network 2 over IPv6" lab_tcp ct101 remote 2001:db8:88:2::5 6102 13000 14000
check "an address after the last peer network" lab_tcp ct101 remote 198.19.8.200 6103 15000 16000
check "loopback" lab_tcp ct101 ct101 127.0.0.1 7001 50000 50000
check "unmatched" lab_tcp ct101 remote "$LAB_REMOTE6" 6003 40000 40000

a=$(nftctv rules show --format json)
b=$(iptctv rules show --format json)
assert_eq "$(jq length <<<"$a")" 168 "nft shows local, 166 services, other"
if [ "$(jq -c '[.[].name]' <<<"$a")" = "$(jq -c '[.[].name]' <<<"$b")" ]; then ok "both list the same buckets in the same order"
else fail "the backends list different buckets"; fi
# Every field of every bucket, as "name field nft iptables" lines.
pairs=$(jq -nr --argjson a "$a" --argjson b "$b" '
	($b | map({key: .name, value: .}) | from_entries) as $ib |
	$a[] | . as $x | ["in_bytes", "in_packets", "out_bytes", "out_packets"][] as $f |
	"\($x.name) \($f) \($x[$f]) \($ib[$x.name][$f] // -1)"')
moved=0 differ=0
while read -r name f x y; do
	need_int "$name $f (nft, iptables)" "$x" "$y" || { differ=$((differ + 1)); continue; }
	[ "$x" -gt 0 ] && moved=$((moved + 1))

	if [ "$name" = other ]; then
		# Neighbour discovery may slip in between the two reads.
		case $f in *bytes) slack=300;; *) slack=3;; esac
		assert_near "$y" "$x" "$slack" "$name $f: iptables vs nft"
	elif [ "$x" != "$y" ]; then
		fail "$name $f: nft $x, iptables $y"
		differ=$((differ + 1))
	fi
done <<<"$pairs"
assert_ge "$moved" 36 "enough buckets and fields moved to compare"
assert_eq "$differ" 0 "service buckets that differ between the backends"
for name in web nobody dns-out backup range peer2 gen0 gen149 high local other; do
	assert_ge "$(jq -r --arg n "$name" '.[] | select(.name == $n) | .in_bytes' <<<"$b")" 1 "$name counted something"
done
assert_eq "$(jq -r '.[] | select(.name == "gen1") | .in_bytes' <<<"$b")" 0 "gen1 saw nothing"
assert_eq "$(jq -r '.[] | select(.name == "peer3") | .in_bytes' <<<"$b")" 0 "peer3 saw nothing"
assert_ge "$(jq -r '.[] | select(.name == "peer2") | .in_bytes' <<<"$b")" 25000 "peer2 saw both families"

check "remove iptables" iptctv rules remove
check "remove nft" nftctv rules remove
e2e_done
