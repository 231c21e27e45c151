# rules_common.sh - what the rules e2e tests of both backends share: read
# the buckets of 'rules show', drive traffic into one bucket and check the
# others, and compare the buckets' sums with the interfaces' counters.
# Source after common.sh and lab.sh; the test defines ctv() (ctverify in
# ct101) and BUCKETS (every bucket name of its rules file).

show() { ctv rules show --format json; }
# val JSON BUCKET FIELD -> the bucket's field; a bucket or field that is
# missing, or not a number, is a FAIL naming it, and prints nothing.
val() {
	local v
	v=$(jq -r --arg b "$2" "[.[] | select(.name == \$b) | .$3] | if length == 1 then .[0] else \"\(length) buckets named \" + \$b end" <<<"$1" 2>&1)
	need_int "rules show: bucket '$2' field $3" "$v" || return 1
	echo "$v"
}

# step WHAT BUCKET MIN_IN MIN_OUT CMD...: CMD moves at least MIN bytes in
# BUCKET, nothing in any other service bucket, and (almost) nothing in
# other (neighbour discovery may land there).
step() {
	local what=$1 bucket=$2 min_in=$3 min_out=$4 before after b din dout
	shift 4
	before=$(show)
	check "$what: traffic" "$@"
	after=$(show)
	for b in $BUCKETS; do
		din=$(sub "$(val "$after" "$b" in_bytes)" "$(val "$before" "$b" in_bytes)" "$what: $b in bytes")
		dout=$(sub "$(val "$after" "$b" out_bytes)" "$(val "$before" "$b" out_bytes)" "$what: $b out bytes")
		if [ "$b" = "$bucket" ]; then
			assert_ge "$din" "$min_in" "$what: $b in bytes"
			assert_ge "$dout" "$min_out" "$what: $b out bytes"
		elif [ "$b" = other ]; then
			assert_ge 1000 "$din" "$what: other in bytes stay small"
			assert_ge 1000 "$dout" "$what: other out bytes stay small"
		else
			assert_eq "$din/$dout" 0/0 "$what: $b in/out bytes unchanged"
		fi
	done
}

# link_base: the interface counters of ct101 before the traffic (l0_*,
# lo0_*), read from the kernel, not from us.
link_base() {
	l0_rx=$(lab_link_stat ct101 eth0 rx bytes); l0_rxp=$(lab_link_stat ct101 eth0 rx packets)
	l0_tx=$(lab_link_stat ct101 eth0 tx bytes); l0_txp=$(lab_link_stat ct101 eth0 tx packets)
	lo0_rx=$(lab_link_stat ct101 lo rx bytes); lo0_rxp=$(lab_link_stat ct101 lo rx packets)
}

# link_deltas: eth0's growth since link_base as L3 bytes (L2 frames less
# 14 bytes of Ethernet header each): rx, tx, rxp, txp; lo's packets: lorxp.
link_deltas() {
	rxp=$(sub "$(lab_link_stat ct101 eth0 rx packets)" "$l0_rxp" "eth0 rx packets")
	txp=$(sub "$(lab_link_stat ct101 eth0 tx packets)" "$l0_txp" "eth0 tx packets")
	rx=$(sub "$(lab_link_stat ct101 eth0 rx bytes)" "$((l0_rx + 14 * ${rxp:-0}))" "eth0 rx bytes")
	tx=$(sub "$(lab_link_stat ct101 eth0 tx bytes)" "$((l0_tx + 14 * ${txp:-0}))" "eth0 tx bytes")
	lorxp=$(sub "$(lab_link_stat ct101 lo rx packets)" "$lo0_rxp" "lo rx packets")
}

# sum JSON FIELD [EXCLUDE]: FIELD summed over the buckets.
# Prints nothing (and records a FAIL) if a bucket is missing.
sum() {
	local b t=0 v
	for b in $BUCKETS; do
		[ "$b" = "${3:-}" ] && continue
		v=$(val "$1" "$b" "$2") || return 1
		t=$((t + v))
	done
	echo "$t"
}
# delta FIELD [EXCLUDE]: the growth of sum from $base to $now.
delta() { sub "$(sum "$now" "$1" "${2:-}")" "$(sum "$base" "$1" "${2:-}")" "growth of the buckets' $1"; }

# reinstall_keeps_counts: reinstalling $RULES, and installing it with a
# service added in front, keeps the buckets' counts; buckets come in spec
# order. Leaves $before and $after (rules show before and after).
reinstall_keeps_counts() {
	before=$(show)
	check "reinstall the same rules" ctv rules install -f "$RULES"
	lab_listing_check ct101
	after=$(show)
	assert_ge "$(val "$after" web in_bytes)" "$(val "$before" web in_bytes)" "reinstall keeps web in bytes"
	assert_ge "$(val "$after" local out_bytes)" "$(val "$before" local out_bytes)" "reinstall keeps local out bytes"
	{ echo "service ssh proto=tcp lport=22"; cat "$RULES"; } >"$LAB_TMP/more.rules"
	check "install a changed spec" ctv rules install -f "$LAB_TMP/more.rules"
	lab_listing_check ct101
	after=$(show)
	assert_ge "$(val "$after" web out_bytes)" "$(val "$before" web out_bytes)" "a changed spec keeps web out bytes"
	assert_eq "$(jq -r '.[0].name + " " + .[1].name + " " + .[-1].name' <<<"$after")" "local ssh other" "buckets come in spec order"
}
