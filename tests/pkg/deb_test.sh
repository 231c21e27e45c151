#!/usr/bin/env bash
# The Debian packages, end to end: builds them from a clean clone of this
# repository's HEAD (dpkg-buildpackage -us -uc -b), installs them with dpkg
# into a throw-away root (a copy-on-write overlay of this system, so the
# packages' dependencies are there, in a private mount namespace, removed
# on exit) and checks from the installed paths: the programs run, the five
# man pages are found by man and render without warnings, the completions
# load, the units pass systemd-analyze verify and none is enabled or
# started, then remove and purge leave nothing of ours.
#   tests/pkg/deb_test.sh [DEBDIR]   DEBDIR: use .debs built already
# Needs root, dpkg-dev, debhelper, and overlayfs. ./test.sh runs it after
# distcheck; not part of "make check"
# (a package build takes minutes); run it by hand or from CI.
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$top_srcdir/tests/e2e/common.sh"
[ "$(id -u)" = 0 ] || e2e_skip "needs root (dpkg into a throw-away root)"
for c in dpkg-buildpackage dh git unshare chroot man systemd-analyze; do
	command -v "$c" >/dev/null || e2e_skip "needs $c"
done
T=$(mktemp -d "${TMPDIR:-/tmp}/ctv-deb.XXXXXX")
trap 'rm -rf "$T"; e2e_cleanup' EXIT
DEBS=${1:-}

if [ -z "$DEBS" ]; then
	must "a clean clone of HEAD" git clone -q "$top_srcdir" "$T/src"
	(cd "$T/src" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
		{ tail -30 "$T/build.log" >&2; fail "dpkg-buildpackage -us -uc -b"; e2e_done; }
	ok "dpkg-buildpackage -us -uc -b on a clean clone"
	DEBS=$T
fi
for p in ctverify ctnode ctverify-common; do
	ls "$DEBS/${p}_"*.deb >/dev/null 2>&1 || fail "no package $p in $DEBS"
done
[ "$(e2e_fails)" = 0 ] || e2e_done
if command -v lintian >/dev/null; then
	lintian --fail-on error "$DEBS"/ctverify_*.deb "$DEBS"/ctnode_*.deb "$DEBS"/ctverify-common_*.deb \
		>"$T/lintian" 2>&1
	assert_eq "$?" 0 "lintian reports no error"
	grep -E '^[EW]: ' "$T/lintian" >&2
fi

# The check itself runs inside a private mount namespace, chrooted into an
# overlay of / whose upper layer is a tmpfs: what dpkg writes vanishes with
# the namespace.
cat >"$T/inside.sh" <<'INSIDE'
. /ctv/common.sh
cd /
dpkg -i /ctv/debs/ctverify-common_*.deb /ctv/debs/ctverify_*.deb /ctv/debs/ctnode_*.deb >/ctv/dpkg.log 2>&1
assert_eq "$?" 0 "dpkg -i the three packages into the throw-away root"
assert_eq "$(dpkg-query -W -f='${Status}' ctverify ctnode ctverify-common)" \
	"install ok installedinstall ok installedinstall ok installed" "all three are installed"
assert_eq "$(/usr/sbin/ctverify --version)" "ctverify $VERSION" "/usr/sbin/ctverify --version"
assert_eq "$(/usr/sbin/ctnode --version)" "ctnode $VERSION" "/usr/sbin/ctnode --version"
check "ctverify is on root's PATH" test "$(command -v ctverify)" = /usr/sbin/ctverify
for page in 8:ctverify 8:ctnode 5:ctverify.rules 5:networks_classes 5:ctverify-statement; do
	s=${page%%:*} n=${page#*:}
	assert_eq "$(man -w "$s" "$n" 2>&1)" "/usr/share/man/man$s/$n.$s.gz" "man finds $n($s) where the package put it"
	MANWIDTH=80 man --warnings "$s" "$n" >/ctv/page 2>/ctv/warn
	assert_eq "$?" 0 "man $s $n exits 0"
	assert_empty "$(cat /ctv/warn)" "man --warnings $s $n"
	check "$n($s) has its NAME section" grep -q "^NAME" /ctv/page
done
check "the shipped profiles are where the default points" test -f /usr/share/ctverify/rules/default.rules
check "ctverify rules install --dry-run reads the shipped profile" \
	bash -c "ctverify rules install --dry-run -f /usr/share/ctverify/rules/web-hosting.rules >/dev/null"
if [ -f /usr/share/bash-completion/bash_completion ]; then
	for p in ctverify ctnode; do
		check "bash-completion loads the $p completion on demand" bash -c \
			". /usr/share/bash-completion/bash_completion; _completion_loader $p; complete -p $p | grep -q _$p"
	done
else
	e2e_skip_part "bash-completion is not installed: on-demand loading not checked"
fi
units=$(cd /lib/systemd/system && ls ctverify-* ctnode-* 2>/dev/null | sort | tr '\n' ' ')
assert_eq "$units" "ctnode-collect.service ctnode-metrics.service ctnode-metrics.timer ctverify-collect.service ctverify-metrics.service ctverify-metrics.timer " \
	"the units are installed"
for u in $units; do
	# disabled: it has an [Install] section nobody applied; static: it has
	# none (the metrics services, started by their timers).
	st=$(systemctl is-enabled "$u" 2>/dev/null)
	case $st in
	disabled | static) ok "$u is installed but not enabled ($st)" ;;
	*) fail "$u: systemctl is-enabled says '$st'" ;;
	esac
done
assert_empty "$(find /etc/systemd -name 'ctverify*' -o -name 'ctnode*' 2>/dev/null)" "no unit of ours is linked into /etc/systemd"
(cd /lib/systemd/system && systemd-analyze verify $units) >/ctv/verify 2>&1
assert_eq "$?" 0 "systemd-analyze verify of the installed units exits 0"
assert_empty "$(cat /ctv/verify)" "systemd-analyze verify says nothing about our units"
# Other programs named ctverify may run on this machine (other trees'
# tests); the installed ones are /usr/sbin's, which only exist in here.
assert_empty "$(for p in $(pgrep -x 'ctverify|ctnode'); do readlink "/proc/$p/exe"; done | grep '^/usr/sbin/')" \
	"nothing installed here runs"
check "no state was created on install" test ! -e /var/lib/ctverify -a ! -e /var/lib/ctnode
dpkg --purge ctverify ctnode ctverify-common >>/ctv/dpkg.log 2>&1
assert_eq "$?" 0 "dpkg --purge the three packages"
assert_empty "$(ls /usr/sbin/ctverify /usr/sbin/ctnode /lib/systemd/system/ctverify-collect.service 2>/dev/null)" \
	"purge removes the programs and units"
e2e_done
INSIDE

VERSION=$(cd "$top_srcdir" && sed -n 's/^AC_INIT(\[ctverify\], \[\([^]]*\)\].*/\1/p' configure.ac)
unshare --mount --propagation private bash -c '
	set -e
	T=$1
	mkdir -p "$T/up" "$T/root"
	mount -t tmpfs tmpfs "$T/up"
	mkdir -p "$T/up/u" "$T/up/w"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$T/up/u,workdir=$T/up/w" "$T/root"
	mount --rbind /proc "$T/root/proc"
	mount --rbind /dev "$T/root/dev"
	mount -t tmpfs tmpfs "$T/root/run"
	mount -t tmpfs tmpfs "$T/root/tmp"
	mkdir -p "$T/root/ctv/debs"
	cp "$2"/*.deb "$T/root/ctv/debs/"
	cp "$3/tests/e2e/common.sh" "$T/root/ctv/"
	cp "$T/inside.sh" "$T/root/ctv/"
	E2E_FAILFILE= chroot "$T/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		VERSION="$4" CI="${CI:-}" top_srcdir=/ctv bash /ctv/inside.sh
' - "$T" "$DEBS" "$top_srcdir" "$VERSION"
rc=$?
[ "$rc" = 0 ] || fail "the checks in the throw-away root (exit $rc)"
e2e_done
