#!/usr/bin/env bash
# run.sh TEST [ARGS...] - how "make check" runs an e2e test. The test's own
# exit status stands, except that a test whose stderr shows a shell error
# (bash's "FILE: line N: ..." message: a syntax error in arithmetic, a
# missing command, an unbound variable) fails even if it said "all checks
# passed": such an error means some check was never made.
t=$1
shift
errf=$(mktemp "${TMPDIR:-/tmp}/ctv-e2e-stderr.XXXXXX")
exec 3>&1
bash "$t" "$@" 2>&1 >&3 3>&- | tee "$errf" >&2
rc=${PIPESTATUS[0]}
exec 3>&-
# Job notices of processes a test killed on purpose are not errors; a crash
# ("Segmentation fault", "Aborted") is.
shell_errors=$(grep -E '^[^ :]+\.sh: line [0-9]+: ' "$errf" |
	grep -vE '\.sh: line [0-9]+: +[0-9]+ (Killed|Terminated|Hangup|Interrupt)( |$)')
rm -f "$errf"
if [ -n "$shell_errors" ] && [ "$rc" != 77 ]; then
	echo "FAIL: $(basename "$t" .sh): shell errors, so some checks were never made:" >&2
	printf '  %s\n' "$shell_errors" >&2
	[ "$rc" = 0 ] && rc=1
fi
exit "$rc"
