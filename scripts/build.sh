#!/usr/bin/env bash
# Builds ctverify in BUILDDIR (default: build/) from this source tree.
#   scripts/build.sh [BUILDDIR] [configure options...]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$src/build}
[ $# -gt 0 ] && shift
cd "$src"
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || autoreconf -fi >/dev/null
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$src/configure" -nt Makefile ]; then
	"$src/configure" --enable-werror "$@" >/dev/null
fi
make -j"$(nproc)" >/dev/null
echo "$dir"
