#!/usr/bin/env bash
# ctverify rules with the legacy iptables backend, in ct101 of the lab, IPv4
# and IPv6: a foreign rule set stays byte-identical across install and
# remove; "auto" picks iptables when the container uses it; known traffic
# lands in the right bucket; the buckets add up to what the interfaces and
# iptables-legacy-save count; reinstall keeps counts; rules check sees a
# deleted rule, a deleted jump and a flushed table.
. "$(dirname "$0")/common.sh"
e2e_require_root iptables-legacy-save iptables-legacy-restore ip6tables-legacy-restore setpriv
. "$top_srcdir/tests/lab/lab.sh"
. "$(dirname "$0")/rules_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
export CTVERIFY_STATEDIR="$LAB_TMP/state-ct101"
must "peer addresses on remote" lab_remote_addr 198.19.7.1/32 2001:db8:77::1/128

ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }
# The whole legacy rule set of ct101 with counters, without the comment
# lines iptables-save dates.
saved_all() { { lab_ipt_save ct101; lab_ip6t_save ct101; } | grep -v '^#'; }

RULES="$LAB_TMP/test.rules"
cat >"$RULES" <<'EOF'
# The services this test drives, in first-match order.
service web      proto=tcp lport=80
service nobody   user=65534            # outbound connections of a non-root user
service dns-out  proto=udp rport=53
service backup   peer=198.19.7.0/24,2001:db8:77::/48
EOF
BUCKETS="local web nobody dns-out backup other"

# A foreign rule set: rules with counters, policies, user chains, in filter
# and in mangle (where ours go), and a connection-mark bit of its own set
# after ours in mangle OUTPUT: ours must not clobber it.
must "a foreign IPv4 rule set" lab_exec ct101 iptables-legacy-restore -c <<'EOF'
*filter
:INPUT ACCEPT [1234:567890]
:FORWARD DROP [5:300]
:OUTPUT ACCEPT [4321:98765]
:FOREIGN-IN - [0:0]
[10:1000] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
[0:0] -A INPUT -s 198.19.99.0/24 -j DROP
[7:700] -A INPUT -j FOREIGN-IN
[3:120] -A FOREIGN-IN -p icmp -j ACCEPT
COMMIT
*mangle
:PREROUTING ACCEPT [100:20000]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [50:5000]
:POSTROUTING ACCEPT [60:6000]
:FOREIGN-MARK - [0:0]
[42:4200] -A PREROUTING -p udp -m udp --dport 9999 -j MARK --set-xmark 0x5/0xff
[0:0] -A INPUT -m connmark --mark 0x10001/0x10001
[0:0] -A OUTPUT -j FOREIGN-MARK
[9:900] -A FOREIGN-MARK -j CONNMARK --set-xmark 0x1/0x1
COMMIT
EOF
must "a foreign IPv6 rule set" lab_exec ct101 ip6tables-legacy-restore -c <<'EOF'
*filter
:INPUT ACCEPT [11:1100]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [22:2200]
[5:500] -A INPUT -p ipv6-icmp -j ACCEPT
COMMIT
*mangle
:PREROUTING ACCEPT [33:3300]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [44:4400]
[1:80] -A POSTROUTING -p tcp -m tcp --sport 9 -j RETURN
COMMIT
EOF

# Install and remove leave the foreign rule set byte-identical (nothing
# sends in between, so even the policy counters stay). The neighbours'
# IGMP/MLD reports after the links came up must be over first.
settle() {
	local i last=-1 now
	for i in $(seq 1 20); do
		now="$(lab_link_stat ct101 eth0 rx packets) $(lab_link_stat ct101 eth0 tx packets)"
		need_int "settle: eth0 packet counters" $now || return 1
		[ "$now" = "$last" ] && return 0
		last=$now
		sleep 1
	done
}
settle
before=$(saved_all)

# quick: the policy counters plus the rules that end packets there, both
# families, from the foreign set's counters above (a few IGMP/MLD packets
# may have arrived since it was loaded).
out=$(ctv quick --backend iptables); rc=$?
assert_eq "$rc" 0 "quick reads the legacy filter counters"
qin=$(sed -n 's/^received:.*(\([0-9]*\) bytes, \([0-9]*\) packets)/\1 \2/p' <<<"$out")
qout=$(sed -n 's/^sent:.*(\([0-9]*\) bytes, \([0-9]*\) packets)/\1 \2/p' <<<"$out")
# in: 567890 + 1000 (ssh ACCEPT) + 120 (icmp ACCEPT in a user chain) + 1100 + 500 (IPv6)
assert_near "${qin% *}" 570610 1000 "quick: received bytes = INPUT policy + ending rules, IPv4 + IPv6"
assert_near "${qin#* }" 1263 10 "quick: received packets"
assert_near "${qout% *}" 100965 1000 "quick: sent bytes = OUTPUT policies, IPv4 + IPv6"
assert_near "${qout#* }" 4343 10 "quick: sent packets"
check "install with --backend iptables" ctv rules install --backend iptables -f "$RULES"
lab_listing_check ct101
check "rules check right after install" ctv rules check
lab_ipt_save ct101 | grep -q -- '-A PREROUTING -j CTV-IN' && ok "our jump is in mangle PREROUTING" || fail "no jump to CTV-IN"
lab_ip6t_save ct101 | grep -q -- '-A POSTROUTING -j CTV-OUT' && ok "our IPv6 jump is in mangle POSTROUTING" || fail "no IPv6 jump to CTV-OUT"
check "rules remove" ctv rules remove
after=$(saved_all)
if [ "$before" = "$after" ]; then ok "the foreign rule set is byte-identical after remove (with counters)"
else fail "the foreign rule set changed:"; diff <(echo "$before") <(echo "$after") >&2; fi

# Bad input installs nothing.
printf 'service a proto=tcp lport=80\nservice b proto=tcp lport=99999\n' >"$LAB_TMP/bad.rules"
out=$(ctv rules install --backend iptables -f "$LAB_TMP/bad.rules" 2>&1); rc=$?
assert_eq "$rc" 2 "a bad rules file exits 2"
lab_ipt_save ct101 | grep -q 'CTV-' && fail "a bad file installed chains" || ok "nothing installed from a bad file"

# auto: the container uses legacy iptables, so ours go there too.
out=$(ctv rules install -f "$RULES"); rc=$?
assert_eq "$rc" 0 "rules install (auto)"
lab_listing_check ct101
case $out in *"iptables backend"*) ok "auto picks iptables where legacy rules exist";; *) fail "auto said: $out";; esac
check "rules check" ctv rules check

base=$(show)
link_base

step "web over IPv4" web 100000 300000 lab_tcp remote ct101 "$LAB_CT101_4" 80 100000 300000
step "web over IPv6" web 100000 300000 lab_tcp remote ct101 "$LAB_CT101_6" 80 100000 300000
LAB_AS=65534 step "a non-root user's connection over IPv4" nobody 50000 200000 \
	lab_tcp ct101 remote "$LAB_REMOTE4" 5001 200000 50000
LAB_AS=65534 step "a non-root user's connection over IPv6" nobody 50000 200000 \
	lab_tcp ct101 remote "$LAB_REMOTE6" 5002 200000 50000
step "dns over UDP/IPv4" dns-out 20000 20000 lab_udp ct101 remote "$LAB_REMOTE4" 53 20000 500 echo
step "dns over UDP/IPv6" dns-out 20000 20000 lab_udp ct101 remote "$LAB_REMOTE6" 53 20000 500 echo
step "a peer network over IPv4" backup 30000 30000 lab_tcp ct101 remote 198.19.7.1 6001 30000 30000
step "a peer network over IPv6" backup 30000 30000 lab_tcp ct101 remote 2001:db8:77::1 6002 30000 30000
step "loopback over IPv4" local 100000 100000 lab_tcp ct101 ct101 127.0.0.1 7001 50000 50000
step "loopback over IPv6" local 100000 100000 lab_tcp ct101 ct101 ::1 7002 50000 50000
step "unmatched traffic" other 40000 40000 lab_tcp ct101 remote "$LAB_REMOTE4" 6003 40000 40000

# The buckets add up to the interfaces' own counts (L2 frames less 14
# bytes of Ethernet header each), within a few non-IP packets (ARP).
now=$(show)
link_deltas
lorx=$(sub "$(lab_link_stat ct101 lo rx bytes)" "$((lo0_rx + 14 * ${lorxp:-0}))" "lo rx bytes")
assert_near "$(delta in_bytes local)" "$rx" 600 "in bytes of all buckets but local vs eth0 rx less 14/packet"
assert_near "$(delta out_bytes local)" "$tx" 600 "out bytes of all buckets but local vs eth0 tx less 14/packet"
assert_near "$(delta in_packets local)" "$rxp" 10 "in packets vs eth0 rx packets"
assert_near "$(delta out_packets local)" "$txp" 10 "out packets vs eth0 tx packets"
assert_near "$(sub "$(val "$now" local in_bytes)" "$(val "$base" local in_bytes)" "local in bytes")" "$lorx" 600 "local in bytes vs lo rx less 14/packet"
assert_near "$(delta in_bytes)" "$((rx + lorx))" 600 "local + services + other = the container's total (in)"

# iptables-legacy-save's own view of our counting rules (both families
# summed) agrees with 'rules show'.
savec=$({ lab_ipt_save ct101; lab_ip6t_save ct101; })
shown=$(show)
for b in $BUCKETS; do
	for d in I O; do
		n=$(awk -v c="ctverify:$b" -v d="$d" '
			$2 == "-A" && $3 ~ ("^CTV-C" d "[0-9]+$") && index($0, "--comment " c " ") + index($0, "--comment \"" c "\"") {
				split(substr($1, 2, length($1) - 2), pb, ":"); t += pb[2]; n++ }
			END { if (n) print t; else print "no counting rule" }' <<<"$savec")
		f=$([ "$d" = I ] && echo in || echo out)
		assert_near "$(val "$shown" "$b" "${f}_bytes")" "$n" 300 "iptables-legacy-save agrees on $b $f bytes"
	done
done

# The foreign connection-mark bit and ours coexist: the foreign rule that
# needs both bits (0x1 theirs, 0x10000 our owner id 1) saw the replies.
marked=$(lab_ipt_save ct101 | awk '/-A INPUT -m connmark --mark 0x10001\/0x10001/ { split(substr($1, 2, length($1) - 2), pb, ":"); print pb[1] }')
assert_ge "$marked" 5 "a foreign connmark bit and ours coexist (packets with both bits)"

# quick (auto) finds the legacy counters too.
out=$(ctv quick); rc=$?
assert_eq "$rc" 0 "quick (auto) reads the legacy filter counters"
case $out in *received:*sent:*"legacy iptables"*) ok "quick prints received, sent and where from";; *) fail "quick said: $out";; esac

reinstall_keeps_counts
check "back to the test rules" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check after the reinstalls" ctv rules check

# Reinstalling while traffic flows loses nothing: counting rules that stay
# are not touched, so their counters cross the table replace exactly.
base=$(show)
l0_rx=$(lab_link_stat ct101 eth0 rx bytes); l0_rxp=$(lab_link_stat ct101 eth0 rx packets)
l0_tx=$(lab_link_stat ct101 eth0 tx bytes); l0_txp=$(lab_link_stat ct101 eth0 tx packets)
lab_udp remote ct101 "$LAB_CT101_4" 5353 30000000 1000 >/dev/null 2>&1 &
flow=$!
lab_own "$flow"
sleep 0.2
for i in 1 2 3 4 5; do ctv rules install -f "$RULES" >/dev/null || fail "reinstall $i under traffic"; done
lab_listing_check ct101
wait "$flow"  # its bytes are checked below against eth0, not by the listener
lab_stop "$flow"
now=$(show)
link_deltas
assert_ge "$rxp" 5000 "a flow was running during the reinstalls (packets)"
assert_near "$(delta in_bytes local)" "$rx" 600 "5 reinstalls under traffic: in bytes still equal eth0 rx less 14/packet"
assert_near "$(delta in_packets local)" "$rxp" 10 "5 reinstalls under traffic: in packets still equal eth0 rx packets"
assert_near "$(delta out_bytes local)" "$tx" 600 "5 reinstalls under traffic: out bytes still equal eth0 tx less 14/packet"

# rules check: a deleted rule, a deleted jump, a flushed table.
must "delete one rule of ours" lab_exec ct101 iptables-legacy -t mangle -D CTV-CI1 1
out=$(ctv rules check); rc=$?
assert_eq "$rc" 1 "rules check exits 1 after a rule was deleted"
case $out in *"IPv4: chain CTV-CI1: rule(s) 1 to 1 deleted"*) ok "it says which rule is missing";; *) fail "check said: $out";; esac
check "reinstall repairs" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check is clean again" ctv rules check
must "delete our IPv6 jump" lab_exec ct101 ip6tables-legacy -t mangle -D PREROUTING -j CTV-IN
out=$(ctv rules check); rc=$?
assert_eq "$rc" 1 "rules check exits 1 after our jump was deleted"
case $out in *"IPv6: the jump from mangle PREROUTING to CTV-IN is gone"*) ok "it says the jump is gone";; *) fail "check said: $out";; esac
check "reinstall after a deleted jump" ctv rules install -f "$RULES"
lab_listing_check ct101
must "flush mangle" lab_exec ct101 iptables-legacy -t mangle -F
out=$(ctv rules check); rc=$?
assert_eq "$rc" 1 "rules check exits 1 after the mangle table was flushed"
case $out in *"IPv4: the jump from mangle PREROUTING to CTV-IN is gone"*) ok "it says the jumps are gone";; *) fail "check said: $out";; esac
check "reinstall after a flush" ctv rules install -f "$RULES"
lab_listing_check ct101
check "rules check after reinstall" ctv rules check

# All or nothing across families: when the IPv6 commit fails after the
# IPv4 one went in, IPv4 is put back as it was (with its counters). The
# failure is made with a preloaded ip6tc_commit that refuses.
shim=$LAB_TMP/fail6.so
if printf '#include <errno.h>\nint ip6tc_commit(void *h);\nint ip6tc_commit(void *h) { (void)h; errno = EPERM; return 0; }\n' |
	${CC:-cc} -shared -fPIC -x c -o "$shim" - 2>/dev/null; then
	pre=$shim
	asan=$(ldd "$CTVERIFY" | awk '/libasan/ {print $3}')
	[ -n "$asan" ] && pre="$asan $shim"
	v4before=$(lab_ipt_save ct101 | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//g')
	web_before=$(val "$(show)" web in_bytes)
	out=$(lab_exec ct101 env LD_PRELOAD="$pre" "$CTVERIFY" rules install -f "$LAB_TMP/more.rules" 2>&1); rc=$?
	assert_eq "$rc" 1 "an install whose IPv6 commit fails exits 1"
	case $out in *"IPv6 rules"*) ok "it names the family that failed";; *) fail "install said: $out";; esac
	v4after=$(lab_ipt_save ct101 | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//g')
	if [ "$v4before" = "$v4after" ]; then ok "IPv4 was put back exactly as it was"
	else fail "IPv4 rules changed by a failed install:"; diff <(echo "$v4before") <(echo "$v4after") >&2 | head -20; fi
	check "rules check after the failed install" ctv rules check
	lab_listing_check ct101
	assert_ge "$(val "$(show)" web in_bytes)" "$web_before" "the failed install kept the counters"

	# A kernel without the owner match (made with a preloaded getsockopt
	# that does not know it): a sentence naming what is missing, and
	# nothing changed.
	shim2=$LAB_TMP/noowner.so
	cat >"$LAB_TMP/noowner.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter_ipv4/ip_tables.h>
int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int (*real)(int, int, int, void *, socklen_t *) =
		(int (*)(int, int, int, void *, socklen_t *))dlsym(RTLD_NEXT, "getsockopt");

	if (level == IPPROTO_IP && name == IPT_SO_GET_REVISION_MATCH &&
	    !strcmp(((struct xt_get_revision *)val)->name, "owner")) {
		errno = ENOENT;
		return -1;
	}
	return real(fd, level, name, val, len);
}
EOF
	if ${CC:-cc} -shared -fPIC -o "$shim2" "$LAB_TMP/noowner.c" -ldl 2>/dev/null; then
		pre=$shim2
		[ -n "$asan" ] && pre="$asan $shim2"
		all_before=$(saved_all | sed 's/\[[0-9]*:[0-9]*\]//g')
		out=$(lab_exec ct101 env LD_PRELOAD="$pre" "$CTVERIFY" rules install -f "$LAB_TMP/more.rules" 2>&1); rc=$?
		assert_eq "$rc" 1 "an install needing a match the kernel lacks exits 1"
		case $out in *"the kernel has no IPv4 iptables match 'owner'"*"user= and group= services"*) ok "it names the missing match and what needs it";;
			*) fail "install said: $out";; esac
		all_after=$(saved_all | sed 's/\[[0-9]*:[0-9]*\]//g')
		[ "$all_before" = "$all_after" ] && ok "nothing changed" || fail "a refused install changed rules"
		lab_listing_check ct101
	fi
else
	e2e_skip_part "no C compiler: the failure injections"
fi

check "rules remove at the end" ctv rules remove
{ lab_ipt_save ct101; lab_ip6t_save ct101; } | grep -q 'CTV-' && fail "chains of ours are left" || ok "remove leaves no chain of ours"
out=$(ctv rules check 2>&1); rc=$?
assert_eq "$rc" 1 "rules check after remove: nothing installed"

e2e_done
