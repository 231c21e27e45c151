#!/usr/bin/env bash
# The node's classes mirrored in the container (rules install --classes),
# both backends, IPv4 and IPv6, in ct101 of the lab: traffic to a class-0,
# a class-1 and a class-2 peer and over loopback lands in each class
# bucket within 1% of what the peers' own nft counters (in the remote
# namespace, not ours) saw; loopback is in no class; the services still
# count every packet; the history gets the class series (report
# --by-class, metrics); installing from a statement's "networks" gives
# the same buckets and the same kernel maps, and keeps the counts.
. "$(dirname "$0")/common.sh"
e2e_require_root nft iptables-legacy-save
. "$top_srcdir/tests/lab/lab.sh"
. "$(dirname "$0")/rules_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
export CTVERIFY_STATEDIR="$LAB_TMP/state-ct101"
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }

# Peers, all on remote: class 0 (v4, v6), class 1 (remote's own
# addresses: 0.0.0.0/0 and ::/0), class 2 (v4, v6).
P0_4=198.18.60.1;  P0_6=2001:db8:60::1
P1_4=$LAB_REMOTE4; P1_6=$LAB_REMOTE6
P2_4=198.19.0.1;   P2_6=2001:db8:62::1
must "peer addresses on remote" lab_remote_addr $P0_4/32 $P0_6/128 $P2_4/32 $P2_6/128

CLASSES="$LAB_TMP/networks_classes"
cat >"$CLASSES" <<'EOF'
# the node's classes, as in issue 11
0 198.18.60.0/24
0 2001:db8:60::/48
1 0.0.0.0/0
1 ::/0
2 198.19.0.0/16
2 2001:db8:62::/48
EOF
# The same classes as a statement carries them (contract: "networks").
STATEMENT="$LAB_TMP/statement.json"
jq -n '{format: "ctverify-statement/1", source: "ctnode", ct: "101", from: 0, to: 1,
	totals: {in_bytes: 0, out_bytes: 0},
	networks: [{class: 0, cidr: "198.18.60.0/24"}, {class: 0, cidr: "2001:db8:60::/48"},
		   {class: 1, cidr: "0.0.0.0/0"}, {class: 1, cidr: "::/0"},
		   {class: 2, cidr: "198.19.0.0/16"}, {class: 2, cidr: "2001:db8:62::/48"}]}' >"$STATEMENT"

RULES="$LAB_TMP/test.rules"
printf '%s\n' "service web proto=tcp lport=80" "service bulk proto=tcp rport=5000-5999" >"$RULES"
BUCKETS="local web bulk other"

# The truth: remote's own counters per class and direction (in = towards
# ct101), at remote's input and output hooks, L3 bytes like ours.
# truth_rules HOOK: remote's rules for one hook: input sees what ct101
# sent (out), output what it receives (in).
truth_rules() {
	local c a4 a6
	for c in 0 1 2; do
		eval "a4=\$P${c}_4 a6=\$P${c}_6"
		if [ "$1" = input ]; then
			echo "ip saddr $LAB_CT101_4 ip daddr $a4 counter name c${c}_out"
			echo "ip6 saddr $LAB_CT101_6 ip6 daddr $a6 counter name c${c}_out"
		else
			echo "ip daddr $LAB_CT101_4 ip saddr $a4 counter name c${c}_in"
			echo "ip6 daddr $LAB_CT101_6 ip6 saddr $a6 counter name c${c}_in"
		fi
	done
}
must "truth counters on remote" lab_exec remote nft -f - <<EOF
table inet truth {
	counter c0_in {}
	counter c0_out {}
	counter c1_in {}
	counter c1_out {}
	counter c2_in {}
	counter c2_out {}
	chain input {
		type filter hook input priority 0; policy accept;
$(truth_rules input)
	}
	chain output {
		type filter hook output priority 0; policy accept;
$(truth_rules output)
	}
}
EOF
# truth NAME -> the byte count of remote's counter NAME.
truth() {
	lab_exec remote nft -j list counter inet truth "$1" | jq -r '.nftables[] | select(.counter) | .counter.bytes'
}
# class_val JSON CLASS FIELD -> the class bucket's field (must exist once).
class_val() {
	local v
	v=$(jq -r --argjson c "$2" "[.[] | select(.class == \$c) | .$3] | if length == 1 then .[0] else \"\(length) buckets of class \(\$c)\" end" <<<"$1" 2>&1)
	need_int "rules show: class $2 $3" "$v" || return 1
	echo "$v"
}

# run BACKEND PORTBASE: the whole scenario with one backend.
run() {
	local be=$1 port=$2 base now t0 t1 c d want got lo0 lo1 maps1 maps2 names1 names2 rep met out rc
	must "$be: install with --classes" ctv rules install -f "$RULES" --classes "$CLASSES" --backend "$be"
	lab_listing_check ct101
	check "$be: rules check with the class mirror" ctv rules check
	base=$(show)
	assert_eq "$(jq -c '[.[] | select(.class != null) | .name]' <<<"$base")" '["class:0","class:1","class:2"]' \
		"$be: rules show lists the class buckets after the services"
	assert_eq "$(jq -r '.[3].name' <<<"$base")" other "$be: other is the last service bucket"
	must "$be: snapshot before" ctv snapshot --db "$LAB_TMP/$be.db"
	for c in 0 1 2; do for d in in out; do eval "t0_${c}_$d=\$(truth c${c}_$d)"; done; done
	lo0=$(lab_link_stat ct101 lo rx bytes)

	check "$be: class 0 v4" lab_tcp ct101 remote $P0_4 $((port + 1)) 300000 100000
	check "$be: class 0 v6" lab_tcp ct101 remote $P0_6 $((port + 2)) 100000 50000
	check "$be: class 1 v4" lab_tcp ct101 remote $P1_4 $((port + 3)) 200000 300000
	check "$be: class 1 v6" lab_tcp ct101 remote $P1_6 $((port + 4)) 150000 20000
	check "$be: class 2 v4" lab_tcp ct101 remote $P2_4 $((port + 5)) 500000 200000
	check "$be: class 2 v6" lab_tcp ct101 remote $P2_6 80 400000 100000
	check "$be: loopback" lab_tcp ct101 ct101 127.0.0.1 $((port + 7)) 2000000 1000000

	now=$(show)
	must "$be: snapshot after" ctv snapshot --db "$LAB_TMP/$be.db"
	# The container's statement carries the classes the mirror was
	# installed with: the classes file's lines, class and network, in
	# its order.
	assert_eq "$(ctv export --db "$LAB_TMP/$be.db" | jq -r '.networks[] | "\(.class) \(.cidr)"')" \
		"$(grep -v '^#' "$CLASSES" | awk 'NF { print $1, $2 }')" \
		"$be: export writes the mirrored classes file as networks, in file order"
	lo1=$(lab_link_stat ct101 lo rx bytes)
	for c in 0 1 2; do
		for d in in out; do
			eval "t1=\$(truth c${c}_$d); t0=\$t0_${c}_$d"
			want=$(sub "$t1" "$t0" "$be: class $c $d truth")
			got=$(sub "$(class_val "$now" "$c" "${d}_bytes")" "$(class_val "$base" "$c" "${d}_bytes")" \
				"$be: class $c $d bucket")
			assert_ge "$want" 100000 "$be: class $c $d: the peers saw the traffic"
			assert_within "$got" "$want" 1 "$be: class $c $d bytes within 1% of the peers' own count"
			eval "got_${c}_$d=\$got"
		done
	done
	# Loopback: counted as local, in no class (the class buckets grew by
	# what the peers saw, not by the 3 MB on lo).
	assert_ge "$(sub "$(val "$now" local in_bytes)" "$(val "$base" local in_bytes)" "local in")" \
		"$(( (lo1 - lo0) / 2 ))" "$be: loopback traffic is counted in local"
	assert_ge "$(sub "$lo1" "$lo0" "lo rx")" 3000000 "$be: 3 MB went over loopback"
	# Every non-loopback packet once in the services too: the service
	# buckets but local grew like the class buckets together.
	want=$((got_0_out + got_1_out + got_2_out))
	got=$(sub "$(sum "$now" out_bytes local)" "$(sum "$base" out_bytes local)" "$be: services out")
	assert_within "$got" "$want" 1 "$be: the services count the same packets as the classes"

	# History: the class series, apart from the services' totals.
	rep=$(ctv report --db "$LAB_TMP/$be.db" --by-class --by total --format json)
	assert_eq "$(jq -c '[.[].class]' <<<"$rep")" '[0,1,2]' "$be: report --by-class has one row per class"
	assert_within "$(jq -r '.[] | select(.class == 2) | .out_bytes' <<<"$rep")" "$got_2_out" 1 \
		"$be: report --by-class class 2 out within 1% of the bucket"
	rep=$(ctv report --db "$LAB_TMP/$be.db" --by total --format json)
	assert_empty "$(jq -r '.[] | select(.service | startswith("class")) | .service' <<<"$rep")" \
		"$be: the service report leaves the class series out"
	met=$(ctv metrics)
	assert_ge "$(sed -n 's/^ctverify_class_bytes_total{class="2",direction="out"} //p' <<<"$met")" \
		"$(class_val "$now" 2 out_bytes)" "$be: metrics show the class 2 out bytes"

	# The same classes from a statement's "networks": the same buckets,
	# the same kernel objects, the counts kept.
	if [ "$be" = nft ]; then
		maps1=$(lab_exec ct101 nft list map inet ctverify class4_in; lab_exec ct101 nft list map inet ctverify class6_out)
	else
		maps1=$(lab_exec ct101 iptables-legacy-save -t mangle | grep -e '-A CTV-K' ; lab_exec ct101 ip6tables-legacy-save -t mangle | grep -e '-A CTV-K')
	fi
	names1=$(show | jq -c '[.[].name]')
	must "$be: install from the statement's networks" \
		ctv rules install -f "$RULES" --classes "$STATEMENT" --backend "$be"
	lab_listing_check ct101
	check "$be: rules check after installing from the statement" ctv rules check
	if [ "$be" = nft ]; then
		maps2=$(lab_exec ct101 nft list map inet ctverify class4_in; lab_exec ct101 nft list map inet ctverify class6_out)
	else
		maps2=$(lab_exec ct101 iptables-legacy-save -t mangle | grep -e '-A CTV-K' ; lab_exec ct101 ip6tables-legacy-save -t mangle | grep -e '-A CTV-K')
	fi
	assert_eq "$maps2" "$maps1" "$be: the statement's networks give the same kernel classifier"
	names2=$(show | jq -c '[.[].name]')
	assert_eq "$names2" "$names1" "$be: the statement's networks give the same buckets"
	assert_eq "$(ctv export --db "$LAB_TMP/$be.db" | jq -c .networks)" "$(jq -c .networks "$STATEMENT")" \
		"$be: export writes the statement's networks back as given"
	assert_ge "$(class_val "$(show)" 2 out_bytes)" "$(class_val "$now" 2 out_bytes)" \
		"$be: reinstalling keeps the class counts"

	# rules check sees a change in the class classifier.
	if [ "$be" = nft ]; then
		must "$be: a class map element deleted" lab_exec ct101 nft delete element inet ctverify class4_in "{ 198.19.0.0/16 }"
	else
		must "$be: a class tree rule deleted" lab_exec ct101 iptables-legacy -t mangle -D CTV-KIN 1
	fi
	out=$(ctv rules check); rc=$?
	assert_eq "$rc" 1 "$be: rules check finds the changed class classifier"
	check "$be: rules check names it" grep -Eq 'class4_in|CTV-KIN' <<<"$out"
	# The saved spec holds the classes: a snapshot's repair puts them back.
	if [ "$be" = nft ]; then
		must "$be: our table deleted" lab_exec ct101 nft delete table inet ctverify
	else
		must "$be: the mangle tables flushed" lab_exec ct101 sh -c \
			'iptables-legacy -t mangle -F && iptables-legacy -t mangle -X &&
			 ip6tables-legacy -t mangle -F && ip6tables-legacy -t mangle -X'
	fi
	ctv snapshot --db "$LAB_TMP/$be.db" >/dev/null 2>&1
	check "$be: the repair reinstalled the class mirror too" ctv rules check
	assert_eq "$(show | jq -c '[.[] | select(.class != null) | .name]')" '["class:0","class:1","class:2"]' \
		"$be: the class buckets are back after the repair"
	lab_listing_check ct101
	must "$be: remove" ctv rules remove
	if [ "$be" = nft ]; then
		assert_empty "$(lab_exec ct101 nft list tables | grep ctverify)" "$be: remove leaves no table"
	else
		assert_empty "$(lab_exec ct101 iptables-legacy-save -t mangle | grep CTV; lab_exec ct101 ip6tables-legacy-save -t mangle | grep CTV)" \
			"$be: remove leaves no chain of ours"
	fi
}

run nft 5100
run iptables 5200

# Bad input: a clear error naming the place, nothing installed.
printf '1 0.0.0.0/0\n2 198.19.0.0\n' >"$LAB_TMP/bad.classes"
out=$(ctv rules install -f "$RULES" --classes "$LAB_TMP/bad.classes" --backend nft 2>&1); rc=$?
assert_eq "$rc" 2 "a bad classes file is a usage error"
check "the error names FILE:LINE" grep -q "bad.classes:2:" <<<"$out"
assert_empty "$(lab_exec ct101 nft list tables | grep ctverify)" "nothing is installed from a bad classes file"
jq 'del(.networks)' "$STATEMENT" >"$LAB_TMP/nonet.json"
out=$(ctv rules install -f "$RULES" --classes "$LAB_TMP/nonet.json" --backend nft 2>&1); rc=$?
assert_eq "$rc" 2 "a statement without networks is a usage error"
check "the error says the statement has no networks" grep -q 'no "networks"' <<<"$out"
e2e_done
