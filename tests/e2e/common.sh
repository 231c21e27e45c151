# common.sh - shared by the e2e tests: root/skip policy and assertions.
# Under CI=true a test that would skip fails instead.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CTVERIFY="$top_builddir/ctverify/ctverify"
CTNODE="$top_builddir/node-side/ctnode"
NETPIPE="$top_builddir/tests/lab/netpipe"
E2E_NAME=$(basename "$0" .sh)
E2E_FAILS=0

e2e_skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $E2E_NAME would skip under CI: $*" >&2
		exit 1
	fi
	echo "SKIP: $E2E_NAME: $*" >&2
	exit 77
}

e2e_require_root() {
	[ "$(id -u)" = 0 ] || e2e_skip "needs root (network namespaces, netfilter)"
	local c
	for c in ip jq "$@"; do
		command -v "$c" >/dev/null || e2e_skip "needs $c"
	done
	ip netns add "ctv-probe-$$" 2>/dev/null || e2e_skip "cannot create network namespaces"
	ip netns del "ctv-probe-$$"
}

fail() { echo "FAIL: $*" >&2; E2E_FAILS=$((E2E_FAILS + 1)); }
ok() { echo "ok: $*"; }

# check DESCRIPTION CMD...: runs CMD, records a failure if it fails.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# assert_ge ACTUAL MIN WHAT
assert_ge() {
	if [ "$1" -ge "$2" ] 2>/dev/null; then ok "$3 ($1 >= $2)"; else fail "$3: $1 < $2"; fi
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
	if [ "$1" = "$2" ]; then ok "$3 ($1)"; else fail "$3: got '$1', expected '$2'"; fi
}

# assert_near ACTUAL EXPECTED SLACK WHAT: |ACTUAL - EXPECTED| <= SLACK
assert_near() {
	local d=$(($1 - $2))
	[ "$d" -lt 0 ] && d=$((-d))
	if [ "$d" -le "$3" ]; then ok "$4 ($1 ~ $2)"; else fail "$4: $1 differs from $2 by $d (> $3)"; fi
}

e2e_done() {
	if [ "$E2E_FAILS" -gt 0 ]; then
		echo "$E2E_NAME: $E2E_FAILS check(s) failed" >&2
		exit 1
	fi
	echo "$E2E_NAME: all checks passed"
	exit 0
}
