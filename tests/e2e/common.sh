# common.sh - shared by the e2e tests: root/skip policy and assertions.
# Under CI=true a test that would skip fails instead.
#
# Every assertion records exactly one result, ok or FAIL, whatever it is
# given: a value that is missing or not a number is a FAIL naming the check,
# never a shell error. Failures are appended to a file, not a variable, so
# a check made inside $(...) or a pipeline counts too. Tests run through
# tests/e2e/run.sh, which also fails a test whose stderr shows a shell error.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CTVERIFY="$top_builddir/ctverify/ctverify"
CTNODE="$top_builddir/node-side/ctnode"
NETPIPE="$top_builddir/tests/lab/netpipe"
E2E_NAME=$(basename "$0" .sh)
E2E_FAILFILE=$(mktemp "${TMPDIR:-/tmp}/ctv-e2e-fails.XXXXXX")
# ctnode's state (setup's saved files, the default store) in a directory
# of the test's own unless the test names one: never the host's.
E2E_STATE=$(mktemp -d "${TMPDIR:-/tmp}/ctv-e2e-state.XXXXXX")
export CTNODE_STATEDIR=${CTNODE_STATEDIR:-$E2E_STATE/ctnode}
# Removed when the test's own shell exits (lab_up's trap calls it too).
e2e_cleanup() { rm -f "$E2E_FAILFILE"; rm -rf "$E2E_STATE"; }
trap e2e_cleanup EXIT

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

fail() { echo "FAIL: $*" >&2; echo "$*" >>"$E2E_FAILFILE"; }
# e2e_skip_part WHAT: a part of a test this machine cannot run. It is said
# aloud, never counted as ok; under CI=true it is a failure.
e2e_skip_part() {
	if [ "${CI:-}" = true ]; then fail "would skip under CI: $*"; else echo "skip: $*" >&2; fi
}
ok() { echo "ok: $*"; }

# stop_after SECONDS SIGNAL CMD...: runs CMD, sends it SIGNAL after SECONDS
# and returns its status. Not timeout(1): it follows the signal with a
# SIGCONT, and under ASan a SIGCONT arriving as the program exits cancels
# the SIGSTOP that LeakSanitizer's exit-time check queues for it: the
# check then waits for ever (a CI run hung 25 min in 'ctverify live').
# One that is still running 30 s after the signal is killed (status 137).
stop_after() {
	local secs=$1 sig=$2 pid i
	shift 2
	"$@" &
	pid=$!
	sleep "$secs"
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 1 300); do
		[ -d "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
		sleep 0.1
	done
	[ "$i" = 300 ] && { echo "$*: still running 30 s after SIG$sig; killed" >&2; kill -9 "$pid"; }
	wait "$pid"
}

# e2e_fails -> how many checks failed so far (in this shell or any subshell).
e2e_fails() { wc -l <"$E2E_FAILFILE" | tr -d ' '; }

# is_int VALUE: VALUE is a decimal integer (optionally negative).
is_int() { [[ ${1-} =~ ^-?[0-9]+$ ]]; }

# need_int WHAT VALUE...: every VALUE is an integer; else records a FAIL for
# WHAT naming the bad value, and returns 1.
need_int() {
	local what=$1 v
	shift
	[ $# -gt 0 ] || { fail "$what: no value given"; return 1; }
	for v in "$@"; do
		is_int "$v" || { fail "$what: not a number: '$v'"; return 1; }
	done
}

# sub A B WHAT -> A - B; a missing or non-numeric operand is a FAIL for WHAT
# and prints nothing (so any assertion on the result fails as well).
sub() {
	[ $# -eq 3 ] || { fail "sub: needs A B WHAT, got $# argument(s): $*"; return 1; }
	need_int "$3" "$1" "$2" || return 1
	echo $(($1 - $2))
}

# check DESCRIPTION CMD...: runs CMD, records a failure if it fails.
check() {
	local what=$1; shift
	[ $# -gt 0 ] || { fail "$what: no command to check"; return 1; }
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# must DESCRIPTION CMD...: a set-up step. If CMD fails, the test fails here
# and ends: nothing after it would mean anything.
must() {
	local what=$1; shift
	[ $# -gt 0 ] || { fail "set-up: $what: no command"; e2e_done; }
	"$@" && return 0
	fail "set-up: $what"
	e2e_done
}

# assert_ge ACTUAL MIN WHAT
assert_ge() {
	[ $# -eq 3 ] || { fail "assert_ge: needs ACTUAL MIN WHAT, got $# argument(s): $*"; return 1; }
	need_int "$3" "$1" "$2" || return 1
	if [ "$1" -ge "$2" ]; then ok "$3 ($1 >= $2)"; else fail "$3: $1 < $2"; fi
}

# assert_le ACTUAL MAX WHAT
assert_le() {
	[ $# -eq 3 ] || { fail "assert_le: needs ACTUAL MAX WHAT, got $# argument(s): $*"; return 1; }
	need_int "$3" "$1" "$2" || return 1
	if [ "$1" -le "$2" ]; then ok "$3 ($1 <= $2)"; else fail "$3: $1 > $2"; fi
}

# assert_eq ACTUAL EXPECTED WHAT: an empty or "null" (jq's missing) EXPECTED
# is refused (use assert_empty), so a value that went missing on both sides
# cannot pass.
assert_eq() {
	[ $# -eq 3 ] || { fail "assert_eq: needs ACTUAL EXPECTED WHAT, got $# argument(s): $*"; return 1; }
	case $2 in
	"" | null) fail "$3: nothing to compare with (expected is '$2'; actual '$1')"; return 1 ;;
	esac
	if [ "$1" = "$2" ]; then ok "$3 ($1)"; else fail "$3: got '$1', expected '$2'"; fi
}

# assert_empty ACTUAL WHAT
assert_empty() {
	[ $# -eq 2 ] || { fail "assert_empty: needs ACTUAL WHAT, got $# argument(s): $*"; return 1; }
	if [ -z "$1" ]; then ok "$2 (empty)"; else fail "$2: expected nothing, got '$1'"; fi
}

# assert_near ACTUAL EXPECTED SLACK WHAT: |ACTUAL - EXPECTED| <= SLACK
assert_near() {
	[ $# -eq 4 ] || { fail "assert_near: needs ACTUAL EXPECTED SLACK WHAT, got $# argument(s): $*"; return 1; }
	need_int "$4" "$1" "$2" "$3" || return 1
	local d=$(($1 - $2))
	[ "$d" -lt 0 ] && d=$((-d))
	if [ "$d" -le "$3" ]; then ok "$4 ($1 ~ $2)"; else fail "$4: $1 differs from $2 by $d (> $3)"; fi
}

# assert_within ACTUAL EXPECTED PERCENT WHAT: within PERCENT % of EXPECTED.
assert_within() {
	[ $# -eq 4 ] || { fail "assert_within: needs ACTUAL EXPECTED PERCENT WHAT, got $# argument(s): $*"; return 1; }
	need_int "$4" "$1" "$2" "$3" || return 1
	local slack=$(( ($2 < 0 ? -$2 : $2) * $3 / 100 ))
	assert_near "$1" "$2" "$slack" "$4"
}

# lab_listing_check ROLE: what an admin of ROLE's namespace would save and
# load at boot loads back: 'nft list ruleset | nft -c -f -' (nftables.service
# loads /etc/nftables.conf atomically, so one bad name loses the whole
# firewall), and per family 'iptables-legacy-save | iptables-legacy-restore
# --test' (ip6tables too) where a legacy table exists. One ok/FAIL each;
# the tool's error is on stderr. Needs lab.sh; call it after every install
# or setup of rules (ARCHITECTURE.md: everything we install can be listed
# and re-read by the stock tools).
lab_listing_check() {
	[ $# -eq 1 ] || { fail "lab_listing_check: needs ROLE, got $# argument(s): $*"; return 1; }
	local role=$1 t
	if command -v nft >/dev/null; then
		check "$role: nft list ruleset | nft -c -f - (a saved ruleset loads back)" _lab_listing_nft "$role"
	else
		e2e_skip_part "$role: no nft to re-read the listing with"
	fi
	for t in iptables ip6tables; do
		lab_exec "$role" grep -q . "/proc/net/${t%tables}_tables_names" 2>/dev/null || continue
		if command -v "$t-legacy-save" >/dev/null && command -v "$t-legacy-restore" >/dev/null; then
			check "$role: $t-legacy-save | $t-legacy-restore --test" _lab_listing_ipt "$role" "$t"
		else
			e2e_skip_part "$role: no $t-legacy-save/-restore to re-read the legacy tables with"
		fi
	done
}
# The listing is taken first, so a failing list is a failure, not an empty
# load. With cgroup v2 at /sys/fs/cgroup, as in a container ('ip netns
# exec' mounts a /sys without it), nft prints a socket cgroupv2 match as
# its path, else as an id it cannot read back.
_lab_listing_nft() {
	local l cg='mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null; exec "$@"'
	l=$(lab_exec "$1" sh -c "$cg" sh nft list ruleset) || { echo "$1: nft list ruleset failed" >&2; return 1; }
	lab_exec "$1" sh -c "$cg" sh nft -c -f - <<<"$l"
}
_lab_listing_ipt() {
	local l
	l=$(lab_exec "$1" "$2-legacy-save") || { echo "$1: $2-legacy-save failed" >&2; return 1; }
	[ -n "$l" ] || { echo "$1: $2-legacy-save printed nothing" >&2; return 1; }
	lab_exec "$1" "$2-legacy-restore" --test <<<"$l"
}

e2e_done() {
	local n
	n=$(e2e_fails)
	if [ "$n" -gt 0 ]; then
		echo "$E2E_NAME: $n check(s) failed" >&2
		exit 1
	fi
	echo "$E2E_NAME: all checks passed"
	exit 0
}
