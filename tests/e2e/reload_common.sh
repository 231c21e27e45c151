# reload_common.sh - the firewall reload e2e tests of both backends
# (reload_nft_test.sh, reload_ipt_test.sh): ctverify collect at its
# default interval (60 s) in ct101; the firewall's own reload deletes our
# rules while nothing flows; collect puts them back within 1 s, records
# exactly one gap at most 1 s wide, and after a snapshot the store's
# per-service totals equal the growth of the kernel's own counters (nft -j
# or iptables-legacy-save -c) before the reload plus after it.
# Source after common.sh and lab.sh; the test sets BACKEND (nft|iptables)
# and defines kernel() ("SERVICE in_b in_p out_b out_p" lines from the
# kernel), reload() (the firewall's reload) and present() (our rules are
# installed, asked of the stock tools).
export CTVERIFY_STATEDIR="$LAB_TMP/state"
DB="$CTVERIFY_STATEDIR/ctverify.db"
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }
RULES="$LAB_TMP/reload.rules"
cat >"$RULES" <<'EOR'
service web   proto=tcp lport=80
service bulk  proto=tcp rport=5001
EOR
check "rules install ($BACKEND)" ctv rules install --backend "$BACKEND" -f "$RULES"
lab_listing_check ct101

stored() {
	ctv report --db "$DB" --by total --format json |
		jq -r '.[] | [.service, .in_bytes, .in_packets, .out_bytes, .out_packets] | map(tostring) | join(" ")'
}
declare -A EXPECT=()
add_into() { # VAR SIGN LINES
	local -n acc=$1
	local sign=$2 s a b c d
	while read -r s a b c d; do
		[ -n "$s" ] || continue
		need_int "counters of $s" "$a" "$b" "$c" "$d" || continue
		acc[$s.ib]=$(( ${acc[$s.ib]:-0} + sign * a )); acc[$s.ip]=$(( ${acc[$s.ip]:-0} + sign * b ))
		acc[$s.ob]=$(( ${acc[$s.ob]:-0} + sign * c )); acc[$s.op]=$(( ${acc[$s.op]:-0} + sign * d ))
	done <<<"$3"
}
snapshots() {
	sqlite3 "file:$DB?mode=ro" "SELECT (SELECT count(*) FROM interval) + (SELECT count(*) FROM state)" 2>/dev/null || echo 0
}
wait_snapshots() { # generous: the machine may be loaded
	local want=$(( $(snapshots) + $1 )) i
	for i in $(seq 1 300); do
		[ "$(snapshots)" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "collect recorded no snapshot in 30 s"
}
traffic() {
	lab_tcp remote ct101 "$LAB_CT101_4" 80 30000 120000 &&
		lab_tcp remote ct101 "$LAB_CT101_6" 80 20000 50000 &&
		lab_tcp ct101 remote "$LAB_REMOTE4" 5001 200000 1000 &&
		lab_tcp ct101 remote "$LAB_REMOTE6" 5001 70000 1000 &&
		lab_tcp ct101 ct101 127.0.0.1 7001 10000 10000
}
now_ms() { date +%s%3N; }

# Collect at its default interval: the baseline is taken at start; the
# next boundary is up to 60 s away, so everything below is the guard's.
# Stray packets (IPv6 listener reports) may move a counter between K0 and
# the baseline: then start again.
for try in 1 2 3 4 5; do
	K0=$(kernel)
	ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" \
		>>"$LAB_TMP/collect.out" 2>>"$LAB_TMP/collect.err" &
	COLLECT=$!
	wait_snapshots 1
	[ "$(kernel)" = "$K0" ] && break
	kill -TERM "$COLLECT"; wait "$COLLECT"
	rm -f "$DB" "$DB-wal" "$DB-shm"
	sleep 1
done
add_into EXPECT -1 "$K0"
check "traffic before the reload" traffic
# The guard reads our counters every half second: let it read them after
# the traffic, then the reload finds nothing in flight.
sleep 1.2
K1=$(kernel)
add_into EXPECT 1 "$K1"
t0=$(now_ms)
check "the firewall reload ($BACKEND)" reload
back=""
while [ $(( $(now_ms) - t0 )) -lt 5000 ]; do
	if present; then back=$(( $(now_ms) - t0 )); break; fi
	sleep 0.02
done
need_int "our rules came back" "$back" && assert_le "$back" 1000 "rules back within 1 s of the reload (took ${back} ms)"
lab_listing_check ct101
check "traffic after the reload" traffic
# The reinstalled counters started from zero: all they hold is growth.
add_into EXPECT 1 "$(kernel)"
check "ctverify snapshot" ctv snapshot --db "$DB"

read -r n w <<<"$(sqlite3 -separator ' ' "file:$DB?mode=ro" "SELECT count(*), coalesce(max(to_ms - from_ms), -1) FROM event WHERE kind = 'gap'")"
assert_eq "$n" 1 "exactly one gap event for the reload"
need_int "gap width" "$w" && assert_le "$w" 1000 "the gap is at most 1 s wide (${w} ms)"
assert_ge "$w" 0 "the gap has a width"
grep -q 'reinstalled them' "$LAB_TMP/collect.err" && ok "collect says it reinstalled our rules" ||
	fail "collect did not report the reinstall: $(cat "$LAB_TMP/collect.err")"

declare -A got=()
add_into got 1 "$(stored)"
for s in local web bulk; do
	for f in ib ip ob op; do
		assert_eq "${got[$s.$f]:-0}" "${EXPECT[$s.$f]:-0}" "$s $f: store = kernel growth before and after the reload"
	done
done
assert_ge "${got[web.ib]:-0}" 100000 "web traffic was counted"
for f in ib ob; do
	assert_near "${got[other.$f]:-0}" "${EXPECT[other.$f]:-0}" 2000 "other $f: store = kernel growth (stray packets may fall in the gap)"
done

# Phase 2 (where the test defines reload2: part of our rules deleted;
# RELOAD2_KEEPS=1 when the counters stay): collect puts the rules back, a
# second gap, the store still = the kernel's growth.
if declare -F reload2 >/dev/null; then
	declare -A EXPECT=()
	add_into EXPECT 1 "$(stored)"
	add_into EXPECT -1 "$(kernel)"
	check "traffic before the second reload" traffic
	sleep 1.2
	add_into EXPECT 1 "$(kernel)"
	t0=$(now_ms)
	check "the second reload: $RELOAD2" reload2
	back=""
	while [ $(( $(now_ms) - t0 )) -lt 5000 ]; do
		if present; then back=$(( $(now_ms) - t0 )); break; fi
		sleep 0.02
	done
	need_int "our rules came back after the second reload" "$back" &&
		assert_le "$back" 1000 "rules back within 1 s of the second reload (took ${back} ms)"
	lab_listing_check ct101
	if [ "${RELOAD2_KEEPS:-0}" = 1 ]; then
		# The counters were kept (only rules went): the growth since
		# before the reload is what the store adds.
		add_into EXPECT -1 "$(kernel)"
	fi
	check "traffic after the second reload" traffic
	add_into EXPECT 1 "$(kernel)"
	check "ctverify snapshot" ctv snapshot --db "$DB"
	read -r n w <<<"$(sqlite3 -separator ' ' "file:$DB?mode=ro" "SELECT count(*), coalesce(max(to_ms - from_ms), -1) FROM event WHERE kind = 'gap'")"
	assert_eq "$n" 2 "the second reload is one more gap event"
	assert_le "${w:-99999}" 1000 "no gap wider than 1 s (${w} ms)"
	declare -A got=()
	add_into got 1 "$(stored)"
	for s in local web bulk; do
		for f in ib ip ob op; do
			assert_eq "${got[$s.$f]:-0}" "${EXPECT[$s.$f]:-0}" "after the second reload: $s $f: store = kernel growth"
		done
	done
fi

# 'ctverify rules remove' is the administrator's: collect does not undo it.
check "rules remove while collect runs" ctv rules remove
sleep 1.5
present && fail "collect put back the rules 'rules remove' removed" ||
	ok "rules removed by 'ctverify rules remove' stay removed under collect"
kill -TERM "$COLLECT"; wait "$COLLECT"
assert_eq "$?" 1 "collect exits 1 on SIGTERM: its last snapshot found no rules (the result is the last snapshot's)"
