#!/bin/sh
# `--net tap`: boots the unikernel on a tap device in a network namespace
# that ukbench creates, checks dig gets the right answer at the guest's own
# address, and that the namespace is gone afterwards. Root only.
set -u
cd "$(dirname "$0")/../.."

ukbench=build/harness/ukbench
if [ "$(id -u)" != 0 ]; then
    echo "harness-tap: skipped: --net tap needs root"
    exit 77
fi
if [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null; then
    echo "harness-tap: skipped: no /dev/net/tun or no ip (iproute2)"
    exit 77
fi
for f in "$ukbench" build/unikernel/dns.elf; do
    if [ ! -e "$f" ]; then
        echo "harness-tap: $f missing: run make first"
        exit 77
    fi
done

out=$(mktemp /tmp/ukbench-tap-XXXXXX)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016 # expanded by the inner shell
"$ukbench" boot --system unikernel --workload dns --accel tcg --net tap \
    -- sh -c 'dig +short +tries=2 +time=2 -p "$UKBENCH_PORT" \
        @"$UKBENCH_ADDR" server42.local.org' >"$out" 2>&1
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || { echo "harness-tap: ukbench boot exited $rc"; exit 1; }
grep -q 'addr=10\.0\.2\.15' "$out" ||
    { echo "harness-tap: no addr=10.0.2.15 in the ready line"; exit 1; }
grep -qx '10\.0\.0\.42' "$out" ||
    { echo "harness-tap: dig did not get 10.0.0.42"; exit 1; }
grep -q 'exit status=33' "$out" ||
    { echo "harness-tap: no clean power-off"; exit 1; }
if ip netns list | grep -q '^ukbench-'; then
    echo "harness-tap: a ukbench namespace was left behind"
    exit 1
fi
echo "harness-tap: tap networking answered and cleaned up"
