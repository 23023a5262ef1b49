#!/bin/sh
# Runs the Linux guest DNS checks of linux-guest-dns.sh under KVM, but only
# when KVM is usable at hardware speed. `ukbench calibrate` decides: it
# runs a small guest loop under KVM and compares it with the same loop run
# natively, because nested or emulated KVM can run guest code thousands of
# times slower. Otherwise exits 77 with the reason as the last line.
set -u
cd "$(dirname "$0")/../.."

UKBENCH=build/harness/ukbench
[ -x "$UKBENCH" ] || { echo "linux-guest-kvm: FAIL: $UKBENCH missing"; exit 1; }

if [ ! -w /dev/kvm ]; then
    echo "linux-guest-kvm: skipped: /dev/kvm missing or not writable"
    exit 77
fi
cal=$("$UKBENCH" calibrate 2>&1)
rc=$?
echo "$cal"
if [ "$rc" -ne 0 ]; then
    echo "linux-guest-kvm: FAIL: ukbench calibrate exited $rc"
    exit 1
fi
if ! echo "$cal" | grep -q '^--accel auto picks: kvm'; then
    why=$(echo "$cal" | sed -n 's/^why not kvm: //p' | cut -c1-200)
    echo "linux-guest-kvm: skipped: KVM not usable at hardware speed:" \
        "${why:-see above}"
    exit 77
fi
exec sh tests/integration/linux-guest-dns.sh --accel kvm
