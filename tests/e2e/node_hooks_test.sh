#!/usr/bin/env bash
# Containers configured but not hooked: ctnode stat's notice (stderr, its
# stdout unchanged) and ctnode metrics' ctnode_container_hooked for a
# container whose device is missing; and a container restart (its veth
# deleted and made again) under ctnode collect, counted within 1 s. The
# cases are the kernel test's (tests/kernels/cases.sh: node_reload, which
# also reloads changed classes and containers keeping the counts, and
# node_restart; each calls lab_listing_check), here on this machine's
# kernel whether or not the VM runs.
. "$(dirname "$0")/common.sh"
e2e_require_root nft
res=$(mktemp "${TMPDIR:-/tmp}/ctv-hooks.XXXXXX")
bash "$top_srcdir/tests/kernels/cases.sh" "$res" node_reload node_restart
for c in node_reload node_restart; do
	if grep -qx "PASS $c" "$res"; then ok "case $c"; else fail "case $c"; fi
done
rm -f "$res"
e2e_done
