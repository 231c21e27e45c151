#!/usr/bin/env bash
# The kill -9 soak (docs/RELIABILITY.md): the e2e kill tests with a
# thousand kills each instead of a handful. Run from the top of the tree
# after a build into ./build, as root:
#   tests/soak/kill9.sh [KILLS]        (default 1000)
# Each kill costs about 0.6 s, so 1,000 take some 12 minutes per side.
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir CTV_KILLS=${1:-1000}
rc=0
for t in fault_kill_test collect_test node_collect_test; do
	start=$(date +%s)
	bash "$top_srcdir/tests/e2e/run.sh" "$top_srcdir/tests/e2e/$t.sh" >"$t.soak.log" 2>&1
	r=$?
	echo "$t: $CTV_KILLS kills, exit $r, $(( $(date +%s) - start )) s, $(grep -c '^ok:' "$t.soak.log") ok, $(grep -c '^FAIL' "$t.soak.log") FAIL (log: $t.soak.log)"
	[ "$r" = 0 ] || rc=1
done
exit $rc
