#!/usr/bin/env bash
# Netlink faults, privileges and isolation (docs/RELIABILITY.md):
# - foreign nft tables, rules and marks and foreign iptables-legacy rules
#   and marks stay byte-identical through rules install, reinstall and
#   remove, with both backends;
# - a batch the kernel refuses half-way (CTV_TEST_BAD_ELEMENT=1 makes one
#   element invalid) leaves the previous state intact: the whole ruleset
#   listing and the saved spec byte-identical, no half-installed table;
#   the same for ctnode setup;
# - two ctnode setup at the same moment with different containers: both
#   finish and the table is exactly one of the two, never a mix;
# - without CAP_NET_ADMIN every command says which capability is missing;
# - a containers file naming one interface for two containers is refused
#   with FILE:LINE.
. "$(dirname "$0")/common.sh"
e2e_require_root nft iptables-legacy-save ip6tables-legacy-save setpriv sha256sum
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
fault_env

# Foreign rules and marks, nft and iptables-legacy, IPv4 and IPv6.
must "a foreign nft table" lab_exec ct101 nft -f - <<'EOF'
table inet foreign {
	counter ssh { }
	chain input {
		type filter hook input priority 10; policy accept;
		tcp dport 22 counter name "ssh" accept
		meta mark set meta mark | 0x00000100
	}
	chain output {
		type filter hook output priority -5; policy accept;
		ct mark set 0x00000007
		ip6 daddr 2001:db8::/32 meta mark set 0x00010000
	}
}
EOF
must "foreign iptables rules" lab_exec ct101 sh -e -c '
	iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT
	iptables-legacy -t mangle -A OUTPUT -p udp -j MARK --set-xmark 0x100/0xff00
	iptables-legacy -t mangle -N FOREIGN
	iptables-legacy -t mangle -A FOREIGN -j CONNMARK --save-mark
	iptables-legacy -t mangle -A PREROUTING -j FOREIGN
	ip6tables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT
	ip6tables-legacy -t mangle -A OUTPUT -j MARK --set-mark 0x5'
# The foreign parts: the foreign nft table without counters, the legacy
# tables without counters and without our own CTV- chains and jumps.
foreign() { _foreign | sha256sum; }
_foreign() {
	lab_exec ct101 nft -s list table inet foreign
	lab_exec ct101 iptables-legacy-save | grep -v '^#' | grep -v 'CTV-' | sed 's/ \[[0-9]*:[0-9]*\]$//'
	lab_exec ct101 ip6tables-legacy-save | grep -v '^#' | grep -v 'CTV-' | sed 's/ \[[0-9]*:[0-9]*\]$//'
}
F0=$(foreign)
assert_ge "$(_foreign | grep -c 'mark')" 6 "the foreign marks are in the listing"
cat >"$LAB_TMP/a.rules" <<'EOF'
service web proto=tcp lport=80
service dns proto=udp rport=53
EOF
cat >"$LAB_TMP/b.rules" <<'EOF'
service web proto=tcp lport=80,443
service bulk proto=tcp rport=5001 peer=198.18.1.0/24,2001:db8:1::/64
EOF
for be in nft iptables; do
	check "$be: rules install" ctv rules install --backend "$be" -f "$LAB_TMP/a.rules"
	lab_listing_check ct101
	assert_eq "$(foreign)" "$F0" "$be: foreign rules and marks byte-identical after install"
	check "$be: rules reinstall (another spec)" ctv rules install --backend "$be" -f "$LAB_TMP/b.rules"
	lab_listing_check ct101
	assert_eq "$(foreign)" "$F0" "$be: foreign rules and marks byte-identical after reinstall"
	check "$be: rules remove" ctv rules remove
	assert_eq "$(foreign)" "$F0" "$be: foreign rules and marks byte-identical after remove"
done
lab_exec ct101 nft list tables | grep -q ctverify && fail "our table is left after remove" || ok "no table of ours left after remove"

# A batch refused half-way: the state before is intact on both sides.
check "nft: rules install" ctv rules install --backend nft -f "$LAB_TMP/a.rules"
lab_listing_check ct101
L0=$(lab_exec ct101 nft -s list ruleset | sha256sum) S0=$(sha256sum <"$CTVERIFY_STATEDIR/installed.rules")
CTV_TEST_BAD_ELEMENT=1 lab_exec ct101 "$CTVERIFY" rules install --backend nft -f "$LAB_TMP/b.rules" >/dev/null 2>"$LAB_TMP/bad.err"
assert_eq "$?" 1 "a refused batch makes rules install exit 1"
grep -q 'nftables refused .*(nothing was changed)' "$LAB_TMP/bad.err" &&
	ok "the refusal is named: $(cat "$LAB_TMP/bad.err")" || fail "refused batch said: $(cat "$LAB_TMP/bad.err")"
assert_eq "$(lab_exec ct101 nft -s list ruleset | sha256sum)" "$L0" "the whole ruleset is byte-identical after the refused batch"
assert_eq "$(sha256sum <"$CTVERIFY_STATEDIR/installed.rules")" "$S0" "the saved spec is byte-identical"
check "rules check: the installed rules are still the saved spec" ctv rules check
check "rules remove" ctv rules remove
CTV_TEST_BAD_ELEMENT=1 lab_exec ct101 "$CTVERIFY" rules install --backend nft -f "$LAB_TMP/b.rules" >/dev/null 2>&1
assert_eq "$?" 1 "a refused first install exits 1"
lab_exec ct101 nft list tables | grep -q ctverify && fail "a refused first install left a table" ||
	ok "a refused first install leaves no table"
[ -e "$CTVERIFY_STATEDIR/installed.rules" ] && fail "a refused first install saved a spec" ||
	ok "a refused first install saves no spec"
assert_eq "$(foreign)" "$F0" "foreign rules byte-identical after the refused batches"

printf '1 0.0.0.0/0\n1 ::/0\n2 198.19.0.0/16\n' >"$CTNODE_CONFDIR/networks_classes"
lab_containers_file "$CTNODE_CONFDIR/containers"
check "ctnode setup" ctn setup
lab_listing_check node
N0=$(lab_exec node nft -s list ruleset | sha256sum)
printf '101 veth veth101\n103 veth veth103\n' >"$LAB_TMP/containers.two"
CTV_TEST_BAD_ELEMENT=1 lab_exec node "$CTNODE" setup --containers "$LAB_TMP/containers.two" >/dev/null 2>"$LAB_TMP/nbad.err"
assert_eq "$?" 1 "a refused batch makes ctnode setup exit 1"
grep -q 'nftables refused' "$LAB_TMP/nbad.err" && ok "ctnode names the refusal: $(cat "$LAB_TMP/nbad.err")" ||
	fail "ctnode refused batch said: $(cat "$LAB_TMP/nbad.err")"
assert_eq "$(lab_exec node nft -s list ruleset | sha256sum)" "$N0" "the node's ruleset is byte-identical after the refused setup"
check "ctnode teardown" ctn teardown
CTV_TEST_BAD_ELEMENT=1 lab_exec node "$CTNODE" setup >/dev/null 2>&1
assert_eq "$?" 1 "a refused first setup exits 1"
lab_exec node nft list tables | grep -q ctnode && fail "a refused first setup left a table" || ok "a refused first setup leaves no table"

# Two setups at the same moment, different containers: exactly one of them.
check "setup with two containers" ctn setup --containers "$LAB_TMP/containers.two"
LTWO=$(lab_exec node nft -s list table netdev ctnode | sha256sum)
check "setup with three containers" ctn setup
LTHREE=$(lab_exec node nft -s list table netdev ctnode | sha256sum)
[ "$LTWO" != "$LTHREE" ] && ok "the two tables differ" || fail "the two setups give the same table"
mixed=0
for round in 1 2 3 4 5 6; do
	ctn teardown
	( ctn setup --containers "$LAB_TMP/containers.two" >/dev/null 2>"$LAB_TMP/s1.err"; echo $? >"$LAB_TMP/s1.rc" ) &
	a=$!
	( ctn setup >/dev/null 2>"$LAB_TMP/s2.err"; echo $? >"$LAB_TMP/s2.rc" ) &
	b=$!
	wait "$a" "$b"
	got=$(lab_exec node nft -s list table netdev ctnode | sha256sum)
	[ "$got" = "$LTWO" ] || [ "$got" = "$LTHREE" ] || mixed=$((mixed + 1))
	for s in s1 s2; do
		[ "$(cat "$LAB_TMP/$s.rc")" = 0 ] || grep -q . "$LAB_TMP/$s.err" ||
			fail "round $round: a setup failed without saying why"
	done
done
assert_eq "$mixed" 0 "6 rounds of two setups at once: the table is always exactly one of them"
lab_listing_check node

# Without CAP_NET_ADMIN: the capability is named.
chmod 755 "$LAB_TMP"
chmod 644 "$LAB_TMP/a.rules"
check "nft: rules install (for the unprivileged reads)" ctv rules install --backend nft -f "$LAB_TMP/a.rules"
nobody() { local r=$1; shift; lab_exec "$r" setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }
unprivileged() { # ROLE PROGRAM COMMAND...: fails naming CAP_NET_ADMIN
	local r=$1 prog=$2 rc
	shift 2
	nobody "$r" "$prog" "$@" >/dev/null 2>"$LAB_TMP/np.err"
	rc=$?
	[ "$rc" != 0 ] && grep -q 'CAP_NET_ADMIN' "$LAB_TMP/np.err" &&
		ok "unprivileged $(basename "$prog") $*: exit $rc, $(head -1 "$LAB_TMP/np.err")" ||
		fail "unprivileged $(basename "$prog") $*: exit $rc, $(cat "$LAB_TMP/np.err")"
}
for c in "rules show" "quick" "metrics" "rules remove" "rules install -f $LAB_TMP/a.rules"; do
	# shellcheck disable=SC2086
	unprivileged ct101 "$CTVERIFY" $c
done
for c in setup stat metrics teardown; do
	unprivileged node "$CTNODE" "$c"
done
# rules check reads the saved spec first, which is 0600.
nobody ct101 "$CTVERIFY" rules check >/dev/null 2>"$LAB_TMP/np.err"
grep -q "installed.rules: Permission denied" "$LAB_TMP/np.err" &&
	ok "unprivileged rules check: the 0600 spec is named: $(cat "$LAB_TMP/np.err")" ||
	fail "unprivileged rules check said: $(cat "$LAB_TMP/np.err")"
check "the rules are still installed" ctv rules check

# An interface that does not exist now (a stopped container): installed,
# with a warning naming FILE:LINE.
printf '101 veth veth101\n# stopped:\n104 veth veth104\n' >"$LAB_TMP/containers.stopped"
ctn setup --containers "$LAB_TMP/containers.stopped" >/dev/null 2>"$LAB_TMP/stopped.err"
assert_eq "$?" 0 "a containers file naming a missing interface installs"
grep -q "warning: $LAB_TMP/containers.stopped:3: interface veth104 of container 104 does not exist now" "$LAB_TMP/stopped.err" &&
	ok "the missing interface is warned about with FILE:LINE" || fail "missing interface said: $(cat "$LAB_TMP/stopped.err")"
lab_listing_check node
check "setup back to the three containers" ctn setup

# One interface for two containers: refused with FILE:LINE, nothing changed.
N1=$(lab_exec node nft -s list ruleset | sha256sum)
printf '101 veth veth101\n102 veth veth101\n' >"$LAB_TMP/containers.dup"
ctn setup --containers "$LAB_TMP/containers.dup" >/dev/null 2>"$LAB_TMP/dup.err"
assert_eq "$?" 2 "one interface for two containers is an input error"
grep -q "containers.dup:2: interface veth101 is already container 101's (line 1)" "$LAB_TMP/dup.err" &&
	ok "refused with FILE:LINE" || fail "duplicate interface said: $(cat "$LAB_TMP/dup.err")"
assert_eq "$(lab_exec node nft -s list ruleset | sha256sum)" "$N1" "nothing changed"

e2e_done
