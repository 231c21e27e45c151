#!/usr/bin/env bash
# Installs what ctverify needs to build, test and run its lab, on Debian 12.
# Does nothing when everything is already there.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
libnftnl-dev libmnl-dev libiptc-dev libxtables-dev libsqlite3-dev libjansson-dev check
iproute2 nftables iptables iperf3 jq sqlite3 tzdata util-linux iputils-ping
valgrind
man-db bash-completion systemd prometheus
debhelper dpkg-dev lintian git"
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
