#!/bin/sh
# Boots the Linux guest under TCG with an invalid ukb.ip on its kernel
# command line, added by the cmdline file of a build directory in /tmp.
# /init must reject it before serving, so ukbench boot must fail without a
# ready signal, and the serial log must name the invalid value.
# Then boots it without a NIC, which `ukbench boot` cannot do, so by a
# QEMU command line of its own: /init must give up after its 2 s wait and
# exit through isa-debug-exit with BENCH_EXIT_FAIL (status 37).
set -u
cd "$(dirname "$0")/../.."

UKBENCH=build/harness/ukbench
GUEST=build/linux-guest

fail() {
    echo "linux-guest-fault: FAIL: $*"
    exit 1
}

command -v qemu-system-x86_64 >/dev/null ||
    { echo "linux-guest-fault: qemu-system-x86_64 not installed"; exit 77; }
for f in "$UKBENCH" "$GUEST/vmlinuz" "$GUEST/cmdline" \
    "$GUEST/initramfs-dns.cpio" build/harness/insn-count.so; do
    [ -f "$f" ] || fail "$f missing (run make test)"
done

dir=$(mktemp -d /tmp/linux-guest-fault.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
top=$(pwd)
mkdir "$dir/linux-guest"
ln -s "$top/build/harness" "$dir/harness"
for f in vmlinuz kernel-version initramfs-dns.cpio; do
    ln -s "$top/$GUEST/$f" "$dir/linux-guest/$f"
done
# The harness appends its own ukb.* keys after this line, but /init
# rejects the first invalid value it reads.
echo "$(cat "$GUEST/cmdline") ukb.ip=10.0.2.300" >"$dir/linux-guest/cmdline"

"$UKBENCH" boot --build-dir "$dir" --system linux-guest --workload dns \
    --accel tcg --timeout 60 --serial-log "$dir/serial" -- true \
    >"$dir/out" 2>&1
rc=$?
cat "$dir/out"
[ "$rc" -ne 0 ] || fail "ukbench boot passed with ukb.ip=10.0.2.300"
if grep -q '^ready' "$dir/out"; then
    fail "the guest signalled ready with an invalid ukb.ip"
fi
grep -q 'init: kernel command line: ukb.ip=10.0.2.300: not a dotted IPv4' \
    "$dir/serial" || fail "serial log lacks init's error message"
# No NIC: the machine settings of ukbench's command line, without -netdev.
timeout 120 qemu-system-x86_64 -nodefaults -no-user-config -display none \
    -M pc -accel tcg -cpu max -smp 1 -m 128 \
    -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs-dns.cpio" \
    -append "$(cat "$GUEST/cmdline")" -serial "file:$dir/serial-nonic" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
rc=$?
cat "$dir/serial-nonic"
[ "$rc" -ne 124 ] || fail "no NIC: the guest did not exit within 120 s"
[ "$rc" -eq 37 ] || fail "no NIC: exit status $rc, expected 37"
grep -q '^init: no network interface after' "$dir/serial-nonic" ||
    fail "no NIC: serial log lacks init's error message"
echo "linux-guest-fault: pass"
