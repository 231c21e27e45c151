#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: unit tests, the
# network-namespace e2e tests (root), the kernel test (tests/kernels: this
# kernel and Debian 12's 6.1 under qemu), and the same again under
# ASan+UBSan (without the VM).
# Usage: ./test.sh [--quick]   (--quick: skip the sanitizer, distcheck and package runs)
set -eu
cd "$(dirname "$0")"
scripts/deps.sh
quick=${1:-}

status=0
summary() { # DIR LABEL
	local log=$1/test-suite.log
	[ -f "$log" ] || return 0
	awk -v l="$2" '/^# (PASS|FAIL|ERROR|SKIP):/ { n[$2] = $3 } END {
		printf "%s: %d passed, %d failed, %d skipped\n", l, n["PASS:"], n["FAIL:"] + n["ERROR:"], n["SKIP:"] }' "$log"
}

run() { # DIR LABEL [configure options]
	local dir=$1 label=$2
	shift 2
	scripts/build.sh "$dir" "$@" >/dev/null
	if ! make -C "$dir" check >"$dir/check.out" 2>&1; then
		status=1
		cat "$dir/check.out"
		for f in "$dir"/tests/*.log "$dir"/tests/e2e/*.log; do
			[ -f "$f" ] && grep -q -E '^(FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null && { echo "==> $f"; tail -50 "$f"; }
		done
	fi
	summary "$dir" "$label"
}

run build "tests"
if [ "$quick" != --quick ]; then
	run build-asan "tests (ASan+UBSan)" --enable-sanitizers --disable-vm-tests
	echo "distcheck..."
	if make -C build distcheck >build/distcheck.out 2>&1; then
		echo "distcheck: 1 passed, 0 failed"
	else
		tail -40 build/distcheck.out
		echo "distcheck: 0 passed, 1 failed"
		status=1
	fi
	echo "packages..."
	rc=0
	bash tests/pkg/deb_test.sh >build/deb_test.out 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		echo "packages: 1 passed, 0 failed"
	elif [ "$rc" = 77 ]; then
		tail -1 build/deb_test.out
		echo "packages: 0 passed, 0 failed, 1 skipped"
	else
		tail -40 build/deb_test.out
		echo "packages: 0 passed, 1 failed"
		status=1
	fi
fi
exit $status
