#!/bin/sh
# Boots the Linux guest with the UDP echo workload (initramfs-echo.cpio)
# under TCG on -M pc through `ukbench boot ... -- CMD`. CMD (this script
# with --checks) sends three datagrams and expects each one back unchanged.
# The guest must then power off with status 33 and count 3 requests.
set -u
cd "$(dirname "$0")/../.."

UKBENCH=build/harness/ukbench
CLIENT=build/unikernel/udpclient
GUEST=build/linux-guest

fail() {
    echo "linux-guest-echo: FAIL: $*"
    exit 1
}

if [ "${1:-}" = --checks ]; then
    for text in hello "two words" "$(printf 'x%.0s' $(seq 1 1000))"; do
        r=$($CLIENT text "$UKBENCH_PORT" "$text") ||
            fail "no echo of a ${#text}-byte datagram"
        [ "$r" = "$text" ] || fail "echo of '$text' came back as '$r'"
    done
    echo "checks passed"
    exit 0
fi

command -v qemu-system-x86_64 >/dev/null ||
    { echo "linux-guest-echo: qemu-system-x86_64 not installed"; exit 77; }
for f in "$UKBENCH" "$CLIENT" "$GUEST/vmlinuz" "$GUEST/cmdline" \
    "$GUEST/initramfs-echo.cpio"; do
    [ -f "$f" ] || fail "$f missing (run make test)"
done

dir=$(mktemp -d /tmp/linux-guest-echo.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
"$UKBENCH" boot --system linux-guest --workload echo --accel tcg \
    --machine pc --timeout 60 --serial-log "$dir/serial" \
    -- sh "$0" --checks >"$dir/out" 2>&1
rc=$?
cat "$dir/out"
[ "$rc" -eq 0 ] || { tail -n 20 "$dir/serial"; fail "ukbench boot exited $rc"; }
grep -q '^exit status=33$' "$dir/out" || fail "no exit status 33"
grep -q 'checks passed' "$dir/out" || fail "checks did not run"
grep -q '^bench: ready workload=echo' "$dir/serial" || fail "no ready line"
# The guest's tty turns each newline into CR LF.
tr -d '\r' <"$dir/serial" |
    grep -q '^bench: counters rx=3 tx=3 dropped=0 answered=3$' ||
    fail "counters at power-off do not show 3 echoed datagrams"
echo "linux-guest-echo: pass"
