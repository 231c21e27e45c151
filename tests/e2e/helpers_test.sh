#!/usr/bin/env bash
# The e2e helpers themselves: each assertion records a FAIL, never a pass or
# a shell error, when it is given an empty, missing or non-numeric value;
# a failure made inside $(...) is counted; run.sh fails a test that hid a
# shell error behind "all checks passed"; lab_stop ends a helper and all
# it started. Needs no root: this runs everywhere, CI included.
. "$(dirname "$0")/common.sh"
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/ctv-helpers.XXXXXX")
trap 'rm -rf "$T"; e2e_cleanup' EXIT

# outcome CMD...: runs CMD (a helper call) in a subshell with its own
# failure file; prints "fail", "ok" or "none" (recorded nothing), and
# "+shell" if bash complained on stderr.
outcome() {
	local out err n r
	out=$( (E2E_FAILFILE=$T/f; : >"$T/f"; "$@"; wc -l <"$T/f" | tr -d ' ' >"$T/n") 2>"$T/err")
	n=$(cat "$T/n" 2>/dev/null)
	if [ "${n:-0}" -gt 0 ]; then r=fail
	elif grep -q '^ok: ' <<<"$out"; then r=ok
	else r=none; fi
	grep -qE 'line [0-9]+: |syntax error|integer expression' "$T/err" && r="$r+shell"
	echo "$r"
}

# expect_fail WHAT CMD...: the helper call must record a failure, cleanly.
expect_fail() {
	local what=$1 r
	shift
	r=$(outcome "$@")
	if [ "$r" = fail ]; then ok "$what: recorded as a failure"
	else fail "$what: $r (wanted a clean failure)"; fi
}
expect_ok() {
	local what=$1 r
	shift
	r=$(outcome "$@")
	if [ "$r" = ok ]; then ok "$what: passes"
	else fail "$what: $r (wanted ok)"; fi
}

# ---- lab_listing_check's verdicts, without root: lab_exec answers as nft would ----
# (a test double for the helper's self-test only; every e2e test that installs
# rules runs the real check against the real nft).
# LISTING_OK=1: nft reads the listing back; else it refuses it as nft 1.0.6
# refused chain "mark". No legacy tables (their names file is empty).
listing_with() {
	lab_exec() {
		shift
		case "$*" in
		*"nft list ruleset") echo "table inet t { chain mark { } }" ;;
		*"nft -c -f -") cat >/dev/null; [ "${LISTING_OK:-}" = 1 ] || { echo "Error: unexpected mark, expecting string" >&2; return 1; } ;;
		*) return 1 ;;
		esac
	}
	lab_listing_check ct1
}
expect_fail "lab_listing_check without a role" lab_listing_check
if command -v nft >/dev/null; then
	expect_fail "lab_listing_check of a listing nft refuses" listing_with
	LISTING_OK=1 expect_ok "lab_listing_check of a listing nft reads back" listing_with
else
	e2e_skip_part "no nft: lab_listing_check's own test"
fi

# ---- assertions ---------------------------------------------------------
expect_fail "assert_near with both values empty" assert_near "" "" 10 msg
expect_fail "assert_near with the actual value empty" assert_near "" 5 10 msg
expect_fail "assert_near with the expected value empty" assert_near 5 "" 10 msg
expect_fail "assert_near with an empty slack" assert_near 5 5 "" msg
expect_fail "assert_near with 'null'" assert_near null 5 10 msg
expect_fail "assert_near with a word" assert_near 5 abc 10 msg
expect_fail "assert_near missing an argument" assert_near 5 5 msg
expect_fail "assert_near out of its slack" assert_near 100 5 10 msg
expect_ok "assert_near within its slack" assert_near -3 5 10 msg
expect_fail "assert_ge with an empty value" assert_ge "" 5 msg
expect_fail "assert_ge with an empty minimum" assert_ge 5 "" msg
expect_fail "assert_ge with 'null'" assert_ge null 0 msg
expect_fail "assert_ge with a number and junk" assert_ge 12abc 5 msg
expect_fail "assert_ge missing an argument" assert_ge 5 msg
expect_fail "assert_ge below its minimum" assert_ge 4 5 msg
expect_ok "assert_ge at its minimum" assert_ge 5 5 msg
expect_fail "assert_le with an empty value" assert_le "" 5 msg
expect_fail "assert_le above its maximum" assert_le 6 5 msg
expect_ok "assert_le at its maximum" assert_le 5 5 msg
expect_fail "assert_within with an empty value" assert_within "" 100 1 msg
expect_fail "assert_within beyond its percentage" assert_within 102 100 1 msg
expect_ok "assert_within inside its percentage" assert_within 101 100 1 msg
expect_fail "assert_eq with both values empty" assert_eq "" "" msg
expect_fail "assert_eq with both values 'null'" assert_eq null null msg
expect_fail "assert_eq with an empty expectation" assert_eq 5 "" msg
expect_fail "assert_eq missing an argument" assert_eq 5 5
expect_fail "assert_eq of different values" assert_eq 5 6 msg
expect_ok "assert_eq of equal values" assert_eq 0 0 msg
expect_fail "assert_empty of a value" assert_empty x msg
expect_ok "assert_empty of nothing" assert_empty "" msg
expect_fail "check without a command" check msg
expect_fail "check of a failing command" check msg false
expect_fail "sub with an empty operand" sub "" 5 msg
expect_fail "sub with a word" sub 5 x msg
expect_fail "sub missing its description" sub 5 3
expect_fail "need_int with nothing to check" need_int msg
expect_fail "need_int with an empty value" need_int msg 1 ""
r=$(sub 7 10 msg); assert_eq "$r" -3 "sub of two integers"
r=$( (E2E_FAILFILE=$T/f2; : >"$T/f2"; x=$(sub "" 1 msg); echo "[$x]") 2>/dev/null)
assert_eq "$r" "[]" "sub of a bad operand prints nothing"

# A failure recorded inside a command substitution reaches the count.
r=$( (E2E_FAILFILE=$T/f3; : >"$T/f3"; x=$(fail "inside"); e2e_fails) 2>/dev/null)
assert_eq "$r" 1 "a failure inside \$(...) is counted"

# ---- must: a failed set-up step ends the test, failed ----------------------
printf '. "%s/common.sh"\nmust "a set-up step" false\nok "after the set-up"\ne2e_done\n' "$here" >"$T/must.sh"
out=$(bash "$T/must.sh" 2>&1); rc=$?
assert_eq "$rc" 1 "a test whose set-up step fails exits 1"
case $out in *"after the set-up"*) fail "must went on after a failed step";; *) ok "must stops the test at the failed step";; esac

# e2e_skip_part is never an ok, and fails under CI.
CI=true bash -c ". '$here/common.sh'; e2e_skip_part 'no compiler'; e2e_done" >/dev/null 2>&1
assert_eq "$?" 1 "a skipped part fails the test under CI"
r=$(CI= outcome e2e_skip_part "no compiler")
assert_eq "$r" none "a skipped part outside CI records no ok"

# ---- rules_common: a missing bucket is a failure, not a shell error --------
ctv() { echo '[{"name":"local","in_bytes":5,"out_bytes":5},{"name":"web","in_bytes":1,"out_bytes":1}]'; }
. "$here/rules_common.sh"
BUCKETS="local web gone"
expect_fail "val of a bucket that is not there" val "$(ctv)" gone in_bytes
expect_fail "val of a field that is not there" val "$(ctv)" web in_packets
expect_fail "val of empty output" val "" web in_bytes
expect_ok "val of a bucket that is there" assert_eq "$(val "$(ctv)" web in_bytes)" 1 msg
expect_fail "step when a bucket is missing from rules show" step "traffic" web 0 0 true
expect_fail "sum over buckets when one is missing" sum "$(ctv)" in_bytes

# ---- run.sh: shell errors behind "all checks passed" fail the test ---------
printf '. "%s/common.sh"\nx=""\nd=$(($x - 1 - ))\nok "arithmetic done"\ne2e_done\n' "$here" >"$T/hidden.sh"
bash "$here/run.sh" "$T/hidden.sh" >"$T/hidden.out" 2>&1
assert_eq "$?" 1 "run.sh fails a test with an arithmetic error that ended 'all checks passed'"
printf '. "%s/common.sh"\nif [ "" -gt 3 ]; then :; fi\nok "compared"\ne2e_done\n' "$here" >"$T/hidden2.sh"
bash "$here/run.sh" "$T/hidden2.sh" >"$T/hidden2.out" 2>&1
assert_eq "$?" 1 "run.sh fails a test with an 'integer expression expected'"
printf '. "%s/common.sh"\nok "fine"\ne2e_done\n' "$here" >"$T/clean.sh"
bash "$here/run.sh" "$T/clean.sh" >"$T/clean.out" 2>&1
assert_eq "$?" 0 "run.sh passes a clean test"
printf 'exit 77\n' >"$T/skip.sh"
bash "$here/run.sh" "$T/skip.sh" >/dev/null 2>&1
assert_eq "$?" 77 "run.sh keeps a skip a skip"

# ---- lab_stop: a helper and what it started are gone, and reaped -----------
. "$top_srcdir/tests/lab/lab.sh"
( sleep 300 & sleep 300 & wait ) &
p=$!
lab_own "$p"
sleep 0.2
kids=$(pgrep -P "$p" | tr '\n' ' ')
assert_eq "$(wc -w <<<"$kids" | tr -d ' ')" 2 "a background job with two children"
lab_stop "$p"
alive=0
for k in $p $kids; do kill -0 "$k" 2>/dev/null && alive=$((alive + 1)); done
assert_eq "$alive" 0 "lab_stop ends the job and its children"
case " $LAB_PIDS " in *" $p "*) fail "lab_stop left $p on the list";; *) ok "lab_stop forgets the stopped job";; esac
sleep 0.1 & p=$!
wait "$p"
r=$( (set -e; lab_stop "$p"; echo survived) 2>&1)
assert_eq "$r" survived "lab_stop of a helper that already ended is fine under set -e (the demo)"

e2e_done
