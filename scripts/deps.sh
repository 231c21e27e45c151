#!/usr/bin/env bash
# Installs what ctverify needs to build, test and run its lab, on Debian 12.
# Does nothing when everything is already there.
#   scripts/deps.sh        the build, the tests, the lab
#   scripts/deps.sh --vm   what the kernel test (tests/kernels) boots with:
#                          qemu, busybox-static and Debian 12's stock 6.1
#                          kernel (the newest linux-image-6.1.0-N-amd64)
set -eu
if [ "${1:-}" = --vm ]; then
	PKGS="qemu-system-x86 busybox-static cpio"
	if ! ls /boot/vmlinuz-6.1.0-*-amd64 >/dev/null 2>&1; then
		k=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
			awk '{print $1}' | sort -V | tail -1)
		PKGS="$PKGS ${k:-linux-image-6.1.0-NN-amd64}"
	fi
else
PKGS="build-essential autoconf automake libtool pkg-config
libnftnl-dev libmnl-dev libiptc-dev libxtables-dev libsqlite3-dev libjansson-dev check
iproute2 nftables iptables iperf3 jq sqlite3 tzdata util-linux iputils-ping
valgrind
man-db bash-completion systemd prometheus
debhelper dpkg-dev lintian git"
fi
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
