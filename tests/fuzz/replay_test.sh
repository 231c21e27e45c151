#!/usr/bin/env bash
# Replays every fuzz target's corpus (tests/fuzz/corpus/<parser>/) through
# its replay build (tests/fuzz/<parser>_replay), so crashes found once stay
# fixed. Built with the normal compiler; the sanitizers apply when on.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
rc=0 n=0
for bin in "$top_builddir"/tests/fuzz/*_replay; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _replay)
	if "$bin" "$top_srcdir/tests/fuzz/corpus/$name"; then
		echo "ok: $name corpus"
	else
		echo "FAIL: $name corpus" >&2
		rc=1
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no replay programs built" >&2; exit 1; }
exit $rc
