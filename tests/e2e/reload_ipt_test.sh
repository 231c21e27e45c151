#!/usr/bin/env bash
# Issue 10 case 2, legacy iptables backend: iptables-legacy-restore (and
# ip6tables-legacy-restore) of a saved ruleset without our chains, a
# whole-table replacement like 'netfilter-persistent reload', under
# ctverify collect at its default interval: repaired within 1 s (legacy
# iptables sends no notifications; collect looks every half second), one
# gap at most 1 s wide, and the store equals the kernel's counters
# (iptables-legacy-save -c, both families) less the gap; then the same
# for a restore of IPv4 alone (the IPv6 counters kept theirs).
. "$(dirname "$0")/common.sh"
e2e_require_root iptables-legacy-save iptables-legacy-restore ip6tables-legacy-save ip6tables-legacy-restore sqlite3 jq
. "$top_srcdir/tests/lab/lab.sh"
lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
BACKEND=iptables
# Our counting rules carry the bucket's name: '[p:b] -A CTV-CI<n> -m
# comment --comment "ctverify:NAME"' (CI received, CO sent).
kernel() {
	{ lab_exec ct101 iptables-legacy-save -c -t mangle; lab_exec ct101 ip6tables-legacy-save -c -t mangle; } |
		awk '/^\[[0-9]+:[0-9]+\] -A CTV-C[IO][0-9]+ .*--comment "?ctverify:/ {
			split(substr($1, 2, length($1) - 2), pb, ":")
			n = $0; sub(/.*ctverify:/, "", n); sub(/[" ].*/, "", n)
			d = ($3 ~ /^CTV-CI/) ? "in" : "out"
			b[n, d] += pb[2]; p[n, d] += pb[1]; seen[n] = 1
		}
		END { for (n in seen) print n, b[n, "in"] + 0, p[n, "in"] + 0, b[n, "out"] + 0, p[n, "out"] + 0 }' | sort
}
# Both families replaced in one go, as a reload does, keeping everything
# but our chains and the jumps to them.
reload() {
	lab_exec ct101 sh -c 'iptables-legacy-save | grep -v "CTV-" >/tmp/ctv-reload4.$$ &&
		ip6tables-legacy-save | grep -v "CTV-" >/tmp/ctv-reload6.$$ &&
		iptables-legacy-restore </tmp/ctv-reload4.$$ && ip6tables-legacy-restore </tmp/ctv-reload6.$$;
		rc=$?; rm -f /tmp/ctv-reload4.$$ /tmp/ctv-reload6.$$; exit $rc'
}
# Then IPv4 alone, as 'iptables-legacy-restore < rules.v4' does: the IPv6
# chains keep their counts.
RELOAD2="iptables-legacy-restore of IPv4 alone"
reload2() {
	lab_exec ct101 sh -c 'iptables-legacy-save | grep -v "CTV-" >/tmp/ctv-reload4.$$ &&
		iptables-legacy-restore </tmp/ctv-reload4.$$; rc=$?; rm -f /tmp/ctv-reload4.$$; exit $rc'
}
present() {
	lab_exec ct101 iptables-legacy-save -t mangle | grep -q '^-A PREROUTING -j CTV-IN' &&
		lab_exec ct101 ip6tables-legacy-save -t mangle | grep -q '^-A PREROUTING -j CTV-IN'
}
. "$top_srcdir/tests/e2e/reload_common.sh"
e2e_done
