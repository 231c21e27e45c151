#!/usr/bin/env bash
# kernels_test.sh - the kernel test: tests/kernels/cases.sh (ctnode setup,
# reload with changed classes and containers, stat after traffic and
# teardown; a container restart under ctnode collect; ctverify rules on
# both backends; reconcile on a small statement) on this machine's kernel
# and on Debian 12's stock kernel (the newest linux-image-6.1.0-*-amd64)
# booted under qemu TCG with this root filesystem read-only over 9p.
# Results go through tests/kernels/known_failures (XFAIL, XPASS).
# Needs root, qemu-system-x86, busybox-static and the kernel package
# (scripts/deps.sh --vm installs them). Under CI=true it must run.
# Disabled with ./configure --disable-vm-tests.
. "$(dirname "$0")/../e2e/common.sh"
e2e_require_root nft
KT=$top_srcdir/tests/kernels
VM_TIMEOUT=${CTVK_VM_TIMEOUT:-300}
CASES=${CTVK_CASES:-}

"$top_srcdir/scripts/deps.sh" --vm >/dev/null 2>&1 || echo "kernels_test: scripts/deps.sh --vm failed" >&2
for c in qemu-system-x86_64 busybox cpio timeout; do
	command -v "$c" >/dev/null || e2e_skip "needs $c (scripts/deps.sh --vm)"
done
VMLINUZ=$(ls /boot/vmlinuz-6.1.0-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$VMLINUZ" ] || e2e_skip "needs linux-image-6.1.0-*-amd64 (scripts/deps.sh --vm)"
K=${VMLINUZ#/boot/vmlinuz-}
[ -d "/lib/modules/$K" ] || e2e_skip "needs /lib/modules/$K"

W=$(mktemp -d /tmp/ctv-kernels.XXXXXX)
# The logs stay in the build tree: host.log, console.log, guest.log.
LOGS=$top_builddir/tests/kernels
mkdir -p "$LOGS"
keep_logs() { cp -f "$W/host.log" "$W/console.log" "$W/out/guest.log" "$LOGS/" 2>/dev/null; }
trap 'keep_logs; rm -rf "$W"; e2e_cleanup' EXIT
mkdir -p "$W/out" "$W/initrd/bin" "$W/initrd/mods" "$W/initrd/dev" "$W/initrd/proc" "$W/initrd/newroot"

# verdicts KERNEL RESULTS LABEL: each case's result through known_failures.
verdicts() {
	local kv=$1 res=$2 label=$3 r c known
	kv=$(echo "$kv" | cut -d. -f1,2)
	while read -r r c; do
		known=$(awk -v k="$kv" -v c="$c" '$1 == k && $2 == c { print "yes" }' "$KT/known_failures")
		case $r/$known in
		PASS/) ok "$label: $c" ;;
		PASS/yes) fail "$label: XPASS $c (listed in tests/kernels/known_failures for $kv: delete the line)" ;;
		FAIL/yes) echo "XFAIL: $label: $c (tests/kernels/known_failures)" ;;
		*) fail "$label: $c" ;;
		esac
	done <"$res"
}

# ---- this machine's kernel --------------------------------------------------
t0=$(date +%s)
bash "$KT/cases.sh" "$W/host.results" $CASES >"$W/host.log" 2>&1
echo "host kernel $(uname -r): $(($(date +%s) - t0)) s"
[ -s "$W/host.results" ] || fail "host: cases.sh gave no results"
grep -E '^(FAIL|ok)' "$W/host.log" | grep '^FAIL' | sed 's/^/host: /' >&2
verdicts "$(uname -r)" "$W/host.results" "host $(uname -r)"

# ---- the initramfs: busybox, the 9p modules, /init --------------------------
cp "$(command -v busybox)" "$W/initrd/bin/busybox"
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"
for m in $MODS; do
	f=$(find "/lib/modules/$K/kernel" -name "$m.ko*" | head -1)
	[ -n "$f" ] || { fail "no module $m for $K"; e2e_done; }
	cp "$f" "$W/initrd/mods/"
	echo "busybox insmod /mods/$(basename "$f")" >>"$W/initrd/insmods"
done
cat >"$W/initrd/init" <<EOF
#!/bin/busybox sh
busybox mount -t devtmpfs dev /dev
busybox mount -t proc proc /proc
. /insmods
busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose /dev/root /newroot || busybox poweroff -f
busybox umount /proc
busybox mount --move /dev /newroot/dev
exec busybox switch_root /newroot $KT/guest-init.sh
EOF
chmod +x "$W/initrd/init"
(cd "$W/initrd" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/initrd.gz" || { fail "building the initramfs"; e2e_done; }
echo "initramfs: $(stat -c %s "$W/initrd.gz") bytes"

# ---- Debian's 6.1 under qemu TCG -------------------------------------------
t0=$(date +%s)
timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 2048 -smp 2 \
	-nographic -no-reboot -kernel "$VMLINUZ" -initrd "$W/initrd.gz" \
	-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap -device virtio-9p-pci,fsdev=r,mount_tag=/dev/root \
	-fsdev local,id=o,path="$W/out",security_model=none -device virtio-9p-pci,fsdev=o,mount_tag=out \
	-fsdev local,id=s,path="$top_srcdir",security_model=none,readonly=on,multidevs=remap -device virtio-9p-pci,fsdev=s,mount_tag=src \
	-fsdev local,id=b,path="$top_builddir",security_model=none,readonly=on,multidevs=remap -device virtio-9p-pci,fsdev=b,mount_tag=bld \
	-append "console=ttyS0 panic=-1 quiet top_srcdir=$top_srcdir top_builddir=$top_builddir ctvk_cases=${CASES// /,} CI=${CI:-}" \
	</dev/null >"$W/console.log" 2>&1
rc=$?
echo "VM $K: qemu exit $rc after $(($(date +%s) - t0)) s"
if [ ! -s "$W/out/results" ]; then
	fail "VM $K: no results (qemu exit $rc; 124: timed out after $VM_TIMEOUT s)"
	tail -30 "$W/console.log" >&2
	[ -f "$W/out/guest.log" ] && tail -30 "$W/out/guest.log" >&2
	e2e_done
fi
grep '^FAIL' "$W/out/guest.log" | sed "s/^/VM $K: /" >&2
verdicts "$(cat "$W/out/kernel")" "$W/out/results" "VM $(cat "$W/out/kernel")"
e2e_done
