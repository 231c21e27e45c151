#!/usr/bin/env bash
# ctverify quick under --backend auto (the default) reads both firewalls
# (issue 10, case 5): legacy iptables' filter INPUT/OUTPUT policy and rule
# counters (IPv4 and IPv6, through libiptc) and nftables' base chains that
# start with an unconditional counter. In the lab: ct102 with neither says
# there is nothing to estimate from; ct101 with only legacy policy counters
# (the seed's case: ':INPUT ACCEPT [357117:39056474]', no rules), ct102 with
# only an nft table, ct103 with both (each shown, labelled). Every figure is
# compared with iptables-legacy-save -c / ip6tables-legacy-save -c or
# nft -j list ruleset, read right after.
. "$(dirname "$0")/common.sh"
e2e_require_root iptables-legacy iptables-legacy-save ip6tables-legacy ip6tables-legacy-save nft
. "$top_srcdir/tests/lab/lab.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
export CTVERIFY_STATEDIR="$LAB_TMP/state"

quick() { local r=$1; shift; lab_exec "$r" "$CTVERIFY" quick "$@"; }
# fig OUTPUT LABEL received|sent -> the bytes of that line; LABEL "" for a
# single, unlabelled source, else the block under "LABEL:".
fig() {
	awk -v l="$2" -v w="$3" '
		BEGIN { on = l == "" }
		l != "" && $0 == l ":" { on = 1; next }
		/^[a-z].*:$/ { on = 0 }
		on && index($0, w ":") == 1 { sub(/.*\(/, ""); sub(/ bytes.*/, ""); print; exit }' <<<"$1"
}
# legacy ROLE INPUT|OUTPUT -> bytes that ended in the filter chain, IPv4 +
# IPv6, from the save files: the policy counter plus the ACCEPT rules.
legacy() {
	{ lab_exec "$1" iptables-legacy-save -c -t filter; lab_exec "$1" ip6tables-legacy-save -c -t filter; } |
		awk -v c="$2" '
			function b(f) { gsub(/[\[\]]/, "", f); split(f, a, ":"); return a[2] }
			$1 == ":" c { s += b($3) }
			$2 == "-A" && $3 == c && / -j ACCEPT/ { s += b($1) }
			END { print s + 0 }'
}
# nftc ROLE input|output -> the counter at the top of table inet fw's chain.
nftc() {
	lab_nft_json "$1" | jq -r --arg c "$2" \
		'[.nftables[] | select(.rule and .rule.table == "fw" and .rule.chain == $c)][0].rule.expr[0].counter.bytes'
}
nft_fw() {
	lab_exec "$1" nft -f - <<'NFT'
table inet fw {
	chain input { type filter hook input priority 0; policy accept; counter; }
	chain output { type filter hook output priority 0; policy accept; counter; }
}
NFT
}

# single WHAT OUT RC SOURCE OTHER IN OUT MIN_IN: quick's output OUT (exit RC)
# shows one source, unlabelled, whose line starts with SOURCE, no block
# labelled OTHER, its figures IN and OUT (the independent counters, +-600
# B of neighbour discovery) and at least MIN_IN received.
single() {
	assert_eq "$3" 0 "$1: quick (auto) reads it"
	case $2 in *"source:   $4"*) ok "$1: the source is $4";; *) fail "$1: quick said: $2";; esac
	case $2 in *"$5:"*) fail "$1, yet a block labelled $5: $2";; *) ok "$1: one source, unlabelled";; esac
	assert_near "$(fig "$2" "" received)" "$6" 600 "$1: received = the independent counter"
	assert_near "$(fig "$2" "" sent)" "$7" 600 "$1: sent = the independent counter"
	assert_ge "$(fig "$2" "" received)" "$8" "$1: the bytes sent to the container are in"
}

# Neither firewall: nothing to estimate from, both named.
out=$(quick ct102); rc=$?
assert_eq "$rc" 1 "no firewall at all: quick exits 1"
case $out in *"legacy iptables: no filter table"*) ok "it says legacy iptables has no filter table";; *) fail "quick said: $out";; esac
case $out in *"nftables: no filter chains"*"There are no existing counters to estimate from"*) ok "it says nftables has no chains and there is nothing to estimate from";; *) fail "quick said: $out";; esac

# Legacy only, policy counters and no rules (in_use() sees no rule, so the
# old auto picked nft and found nothing).
must "ct101: legacy filter tables, policies only" lab_exec ct101 iptables-legacy -P INPUT ACCEPT
must "ct101: IPv6 legacy filter table" lab_exec ct101 ip6tables-legacy -P INPUT ACCEPT
lab_listing_check ct101
must "traffic to ct101 (300000 B in, 100000 B back)" lab_tcp remote ct101 "$LAB_CT101_4" 5001 300000 100000
must "IPv6 traffic to ct101" lab_tcp remote ct101 "$LAB_CT101_6" 5002 50000 20000
out=$(quick ct101); rc=$?
lin=$(legacy ct101 INPUT); lout=$(legacy ct101 OUTPUT)
single "legacy only (iptables-legacy-save -c + ip6tables)" "$out" "$rc" "legacy iptables (iptables, ip6tables)" nftables "$lin" "$lout" 350000
assert_ge "$(fig "$out" "" sent)" 120000 "legacy only: the 120000 B of replies are out"
out=$(quick ct101 --backend nft); rc=$?
assert_eq "$rc" 1 "the same container under --backend nft: nothing (what auto used to say)"

# nftables only.
must "ct102: an nft table counting at input and output" nft_fw ct102
lab_listing_check ct102
must "traffic to ct102" lab_tcp remote ct102 "$LAB_CT102_4" 5003 200000 70000
out=$(quick ct102); rc=$?
nin=$(nftc ct102 input); nout=$(nftc ct102 output)
single "nft only (nft -j)" "$out" "$rc" "nftables: the unconditional counter rule at the top of inet fw input, inet fw output" "legacy iptables" "$nin" "$nout" 200000

# Both: legacy ACCEPT rules and the nft table, each shown under its label.
must "ct103: legacy -A INPUT -j ACCEPT" lab_exec ct103 iptables-legacy -A INPUT -j ACCEPT
must "ct103: legacy -A OUTPUT -j ACCEPT" lab_exec ct103 iptables-legacy -A OUTPUT -j ACCEPT
must "ct103: IPv6 legacy filter table" lab_exec ct103 ip6tables-legacy -P INPUT ACCEPT
must "ct103: the nft table" nft_fw ct103
lab_listing_check ct103
must "traffic to ct103" lab_tcp remote ct103 "$LAB_CT103_4" 5004 250000 90000
out=$(quick ct103); rc=$?
lin=$(legacy ct103 INPUT); lout=$(legacy ct103 OUTPUT)
nin=$(nftc ct103 input); nout=$(nftc ct103 output)
assert_eq "$rc" 0 "both: quick (auto) reads both"
case $out in *$'\nlegacy iptables:\nreceived:'*) ok "a labelled legacy iptables block";; *) fail "no legacy block: $out";; esac
case $out in *$'\nnftables:\nreceived:'*) ok "a labelled nftables block";; *) fail "no nftables block: $out";; esac
case $out in *"do not add them"*) ok "it says the two are not to be added";; *) fail "quick said: $out";; esac
assert_near "$(fig "$out" "legacy iptables" received)" "$lin" 600 "both: legacy received = INPUT policy + ACCEPT rule (iptables-legacy-save -c)"
assert_near "$(fig "$out" "legacy iptables" sent)" "$lout" 600 "both: legacy sent = OUTPUT policy + ACCEPT rule"
assert_near "$(fig "$out" "nftables" received)" "$nin" 600 "both: nft received = inet fw input (nft -j)"
assert_near "$(fig "$out" "nftables" sent)" "$nout" 600 "both: nft sent = inet fw output (nft -j)"
assert_ge "$(fig "$out" "legacy iptables" received)" 250000 "both: legacy saw the 250000 B"
assert_ge "$(fig "$out" "nftables" received)" 250000 "both: nft saw the 250000 B"
out=$(quick ct103 --backend iptables); rc=$?
assert_eq "$rc" 0 "--backend iptables reads legacy alone"
case $out in *"nftables"*) fail "--backend iptables showed nftables: $out";; *) ok "--backend iptables shows legacy only";; esac

e2e_done
