#!/usr/bin/env bash
# The README's first command, the lab demo, runs to its end on the build
# under test: exit 0, every section printed, the reconciles' verdicts
# (a clean window consistent class by class, the whole one inconclusive), and
# its namespaces gone afterwards. Needs root.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3 tc
out=$(mktemp "${TMPDIR:-/tmp}/ctv-demo.XXXXXX")
CTV_DEMO_BUILDDIR=$top_builddir bash "$top_srcdir/demo.sh" >"$out" 2>&1
rc=$?
assert_eq "$rc" 0 "demo.sh exits 0"
[ "$rc" = 0 ] || tail -40 "$out" >&2
for section in "The node: ctnode setup" "ctverify rules install" "Traffic" "ctnode stat" \
	"ctverify report" "ctverify reconcile"; do
	grep -q "^== .*$section" "$out" && ok "the demo shows '$section'" || fail "the demo lacks the section '$section'"
done
check "the demo's clean-window reconcile says consistent, as the README does" grep -q '^   verdict: consistent' "$out"
check "it compares class by class, the node's classes mirrored" grep -q '^     class by class' "$out"
check "the whole window's reconcile is inconclusive, naming its bound" grep -q '^   verdict: inconclusive' "$out"
check "and says what would make it conclusive" grep -q "only thanks to '" "$out"
id=$(sed -n 's/^   namespaces: ctv\([0-9]*x[0-9a-f]*\)-.*/\1/p' "$out" | head -1)
must "the demo named its namespaces" test -n "$id"
if ip netns list | grep -q "^ctv$id-"; then fail "the demo left its namespaces"; else ok "the demo removed its namespaces"; fi
rm -f "$out"
e2e_done
