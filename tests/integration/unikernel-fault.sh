#!/bin/sh
# Sends the control command "fault" to the DNS unikernel (-M pc, TCG), which
# makes it read an unmapped address. The page-fault handler must print the
# vector, error code, RIP, CR2 and a stack trace, and power off with
# BENCH_EXIT_PANIC, so QEMU exits with status 35 and ukbench reports failure.
set -u
cd "$(dirname "$0")/../.."

UKBENCH=build/harness/ukbench
CLIENT=build/unikernel/udpclient

fail() {
    echo "FAIL: $*"
    exit 1
}

command -v qemu-system-x86_64 >/dev/null ||
    { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
for f in "$UKBENCH" "$CLIENT" build/unikernel/dns.elf; do
    [ -f "$f" ] || fail "missing $f (run make test)"
done

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The command sleeps so the guest's exit, not the command, ends the boot.
"$UKBENCH" boot --system unikernel --workload dns --accel tcg \
    --timeout 60 --serial-log "$dir/serial" \
    -- sh -c "$CLIENT send \$UKBENCH_CONTROL_PORT fault && sleep 5" \
    >"$dir/out" 2>&1
rc=$?
cat "$dir/out"
cat "$dir/serial"
[ "$rc" -ne 0 ] || fail "ukbench boot passed although the guest panicked"
grep -q '^exit status=35$' "$dir/out" || fail "no exit status 35"
report='^panic: CPU exception 14 (page fault) error=[0-9a-f]* rip=[0-9a-f]*'
grep -q "$report cr2=40000000000 " "$dir/serial" ||
    fail "no page-fault report with CR2 in the serial log"
grep -q '^stack trace: [0-9a-f]' "$dir/serial" || fail "no stack trace"
echo "unikernel-fault: pass"
