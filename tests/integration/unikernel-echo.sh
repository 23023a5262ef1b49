#!/bin/sh
# Boots build/unikernel/echo.elf under TCG with QEMU user networking, on -M
# pc and on -M microvm, through `ukbench boot ... -- CMD`. CMD (this script
# with --checks) checks that a datagram comes back unchanged, that a burst
# of random datagrams is followed by a correct echo, and that the guest's
# counters grow by exactly the number of sequential echoes sent. Then the
# guest must power off with status 33 and print its counters.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

UKBENCH=build/harness/ukbench
CLIENT=build/unikernel/udpclient
GARBAGE=300

fail() {
    echo "FAIL: $*"
    exit 1
}

if [ "${1:-}" = --checks ]; then
    port=$UKBENCH_PORT
    control=$UKBENCH_CONTROL_PORT

    r=$($CLIENT text "$port" "hello unikernel") || fail "no echo"
    [ "$r" = "hello unikernel" ] || fail "echo returned '$r'"
    r=$($CLIENT hex "$port" 00ff10207f80) || fail "no binary echo"
    [ "$r" = 00ff10207f80 ] || fail "binary echo returned $r"

    $CLIENT garbage "$port" "$GARBAGE" 11 >/dev/null || fail "garbage burst"
    # The burst can overflow the host socket QEMU reads the forwarded
    # port from, and that drops datagrams before the guest: try 3 times.
    r=
    for try in 1 2 3; do
        r=$($CLIENT text "$port" after-garbage) && break
    done
    [ "$r" = after-garbage ] || fail "after garbage: echo returned '$r'"

    $CLIENT text "$control" stats >"$TMPDIR_CHECKS/before" ||
        fail "no stats reply"
    i=0
    while [ $i -lt 50 ]; do
        r=$($CLIENT text "$port" "n$i") || fail "echo $i lost"
        [ "$r" = "n$i" ] || fail "echo $i returned '$r'"
        i=$((i + 1))
    done
    $CLIENT text "$control" stats >"$TMPDIR_CHECKS/after" ||
        fail "no stats reply"
    d=$(($(counter "$TMPDIR_CHECKS/after" answered) -
        $(counter "$TMPDIR_CHECKS/before" answered)))
    [ "$d" -eq 50 ] || fail "guest counted answered +$d for 50 echoes"
    echo "checks passed"
    exit 0
fi

command -v qemu-system-x86_64 >/dev/null ||
    { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
for f in "$UKBENCH" "$CLIENT" build/unikernel/echo.elf; do
    [ -f "$f" ] || fail "missing $f (run make test)"
done

TMPDIR_CHECKS=$(mktemp -d)
export TMPDIR_CHECKS
trap 'rm -rf "$TMPDIR_CHECKS"' EXIT

for machine in pc microvm; do
    out=$TMPDIR_CHECKS/out-$machine
    log=$TMPDIR_CHECKS/serial-$machine
    echo "== $machine"
    "$UKBENCH" boot --system unikernel --workload echo --accel tcg \
        --machine "$machine" --timeout 60 --serial-log "$log" \
        -- sh "$0" --checks >"$out" 2>&1
    rc=$?
    cat "$out"
    [ "$rc" -eq 0 ] || { tail -n 20 "$log";
        fail "$machine: ukbench boot exited $rc"; }
    grep -q '^exit status=33$' "$out" || fail "$machine: no exit status 33"
    grep -q 'checks passed' "$out" || fail "$machine: checks did not run"
    rx=$(counter "$log" rx)
    tx=$(counter "$log" tx)
    dropped=$(counter "$log" dropped)
    [ -n "$rx" ] || fail "$machine: no counters line at power-off"
    [ "$rx" -eq $((tx + dropped)) ] ||
        fail "$machine: rx=$rx is not tx=$tx + dropped=$dropped"
    [ "$tx" -ge 53 ] || fail "$machine: tx=$tx, expected at least 53"
done
echo "unikernel-echo: pass"
