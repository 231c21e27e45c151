#!/bin/bash
# guest-init.sh - PID 1 of the kernel test's VM (tests/kernels/kernels_test.sh):
# this machine's root filesystem, read-only over 9p, under the guest's own
# kernel. Mounts what the lab needs, runs tests/kernels/cases.sh, leaves
# the results on the writable "out" share and powers off. The words the
# harness adds to the kernel command line arrive as environment variables
# (top_srcdir, top_builddir, ctvk_cases, CI).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
for d in /tmp /run /var/lib /var/tmp /var/log /root /dev/shm; do mount -t tmpfs tmpfs "$d"; done
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
mkdir -p /run/out /run/netns /run/lock
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /run/out
# The source and build trees come on shares of their own, mounted where
# they are on the host: a clone under /tmp, /root or /var/lib would be
# hidden by the tmpfs mounts above.
mkdir -p "$top_srcdir" "$top_builddir" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 src "$top_srcdir"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 bld "$top_builddir"
ip link set lo up
# A fresh boot has no legacy iptables yet; iptables(8) would modprobe
# ip_tables itself, libiptc does not: ctverify must say what to do (case
# ipt_unloaded, only here), then the modules are loaded as a node would.
if ! grep -q '^ip_tables ' /proc/modules; then
	CTVERIFY_STATEDIR=/tmp/ipt0 "$top_builddir/ctverify/ctverify" rules install --backend iptables \
		-f "$top_srcdir/rules/default.rules" >/run/out/ipt_unloaded.log 2>&1
	if [ $? != 0 ] && grep -q "modprobe ip_tables" /run/out/ipt_unloaded.log; then
		echo "PASS ipt_unloaded" >>/run/out/results.tmp
	else
		echo "FAIL ipt_unloaded" >>/run/out/results.tmp
	fi
fi
modprobe -q ip_tables; modprobe -q ip6_tables
{
	echo "kernel $(uname -r)"
	date -u +%s >/run/out/start
	timeout 600 bash "$top_srcdir/tests/kernels/cases.sh" /run/out/results.tmp ${ctvk_cases//,/ }
	echo "cases.sh exit $?"
} >/run/out/guest.log 2>&1
uname -r >/run/out/kernel
mv /run/out/results.tmp /run/out/results 2>/dev/null || : >/run/out/results
sync
umount /run/out
echo o >/proc/sysrq-trigger
sleep 10
