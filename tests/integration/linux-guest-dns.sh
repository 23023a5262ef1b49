#!/bin/sh
# Boots the Linux guest (build/linux-guest: Debian's cloud kernel, /init and
# the DNS server) with QEMU user networking through `ukbench boot ... --
# CMD`, on -M pc and on -M microvm. CMD is this script with --checks, and
# checks:
# - an in-zone A answer and NXDOMAIN, with dig;
# - FORMERR for a query without a question;
# - no reply to a datagram with the response bit set;
# - a correct answer after a burst of random datagrams;
# - on -M pc, 10000 sequential queries matched by the guest's counters.
# The guest must then power off with status 33 and print counters that add
# up.
#
# Usage: linux-guest-dns.sh [--accel tcg|kvm]   (default tcg)
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

UKBENCH=build/harness/ukbench
CLIENT=build/unikernel/udpclient
GUEST=build/linux-guest
SEQ_QUERIES=10000
GARBAGE=300

fail() {
    echo "linux-guest-dns: FAIL: $*"
    exit 1
}

if [ "${1:-}" = --checks ]; then
    port=$UKBENCH_PORT
    control=$UKBENCH_CONTROL_PORT
    dig="dig +time=3 +tries=1 -p $port @127.0.0.1"

    a=$($dig +short server42.local.org A) || fail "dig server42: no answer"
    [ "$a" = 10.0.0.42 ] || fail "server42.local.org A: got '$a'"
    $dig nosuchname.local.org A | grep -q 'status: NXDOMAIN' ||
        fail "nosuchname.local.org A: no NXDOMAIN"

    # Header only, QDCOUNT 0: FORMERR, that is QR set and RCODE 1.
    r=$($CLIENT hex "$port" 123401000000000000000000) ||
        fail "no reply to a query without a question"
    case $r in
    1234[89a-f]?[0-9a-f]1*) ;;
    *) fail "query without a question: expected FORMERR, got $r" ;;
    esac
    # QR set: a server must not answer responses (reflection loops).
    if $CLIENT hex "$port" \
        1234810000010000000000000773657276657231056c6f63616c036f72670000010001 \
        >/dev/null 2>&1; then
        fail "a datagram with the response bit set was answered"
    fi

    $CLIENT garbage "$port" "$GARBAGE" 11 >/dev/null || fail "garbage burst"
    # Up to 3 tries, because the check is that the service survives.
    # NOTE: right after the burst, about one run in five leaves the first
    # query unanswered for 3 s (seen on pc and microvm); where that query
    # or its reply is lost is not known. dig prints a line per timeout.
    a=$(dig +time=3 +tries=3 -p "$port" @127.0.0.1 +short \
        server7.local.org A) || fail "no answer after garbage"
    echo "$a" | grep -qx 10.0.0.7 ||
        fail "after garbage: server7 A: got '$a'"

    if [ "${UKB_SEQ:-0}" = 1 ]; then
        $CLIENT text "$control" stats >"$CHECKS_DIR/before" ||
            fail "no reply to stats"
        $CLIENT dns-seq "$port" "$SEQ_QUERIES" >"$CHECKS_DIR/seq" ||
            fail "sequential queries: $(cat "$CHECKS_DIR/seq")"
        $CLIENT text "$control" stats >"$CHECKS_DIR/after" ||
            fail "no reply to stats"
        cat "$CHECKS_DIR/seq"
        for f in rx answered; do
            d=$(($(counter "$CHECKS_DIR/after" $f) -
                $(counter "$CHECKS_DIR/before" $f)))
            [ "$d" -eq "$SEQ_QUERIES" ] ||
                fail "guest counted $f +$d for $SEQ_QUERIES queries"
        done
    fi
    echo "checks passed"
    exit 0
fi

accel=tcg
if [ "${1:-}" = --accel ]; then
    accel=${2:?--accel needs tcg or kvm}
fi

command -v qemu-system-x86_64 >/dev/null ||
    { echo "linux-guest-dns: qemu-system-x86_64 not installed"; exit 77; }
command -v dig >/dev/null ||
    fail "dig not found (Debian package dnsutils)"
for f in "$UKBENCH" "$CLIENT" "$GUEST/vmlinuz" "$GUEST/cmdline" \
    "$GUEST/initramfs-dns.cpio"; do
    [ -f "$f" ] || fail "$f missing (run make test)"
done

CHECKS_DIR=$(mktemp -d /tmp/linux-guest-dns.XXXXXX) || exit 1
export CHECKS_DIR
trap 'rm -rf "$CHECKS_DIR"' EXIT

for machine in pc microvm; do
    out=$CHECKS_DIR/out-$machine
    log=$CHECKS_DIR/serial-$machine
    seq=0
    [ "$machine" = pc ] && seq=1
    echo "== $machine, $accel"
    UKB_SEQ=$seq "$UKBENCH" boot --system linux-guest --workload dns \
        --accel "$accel" --machine "$machine" --timeout 60 \
        --serial-log "$log" -- sh "$0" --checks >"$out" 2>&1
    rc=$?
    cat "$out"
    if [ "$rc" -ne 0 ]; then
        echo "--- last lines of the serial log:"
        tail -n 20 "$log"
        fail "$machine: ukbench boot exited $rc"
    fi
    grep -q '^exit status=33$' "$out" || fail "$machine: no exit status 33"
    grep -q 'checks passed' "$out" || fail "$machine: checks did not run"

    grep -q '^init: .* modules loaded, .* up' "$log" ||
        fail "$machine: no init line in the serial log"
    grep -q '^bench: ready' "$log" || fail "$machine: no ready line"
    rx=$(counter "$log" rx)
    tx=$(counter "$log" tx)
    dropped=$(counter "$log" dropped)
    answered=$(counter "$log" answered)
    [ -n "$rx" ] || fail "$machine: no counters line at power-off"
    [ "$rx" -eq $((tx + dropped)) ] ||
        fail "$machine: rx=$rx is not tx=$tx + dropped=$dropped"
    [ "$answered" -eq "$tx" ] ||
        fail "$machine: answered=$answered differs from tx=$tx"
    # At least the 3 dig queries, the FORMERR query and the QR datagram.
    # Part of the garbage burst is lost before the server reads it: the
    # client sends faster than QEMU user networking forwards, and a guest
    # socket buffer of 8 MiB instead of 208 KiB did not change the count.
    # So only bounds are checked.
    max=$((5 + GARBAGE + seq * SEQ_QUERIES))
    [ "$rx" -ge 5 ] || fail "$machine: rx=$rx, expected at least 5"
    [ "$rx" -le "$max" ] ||
        fail "$machine: rx=$rx, more than the $max datagrams sent"
    [ "$dropped" -ge 1 ] ||
        fail "$machine: the datagram with QR set was not dropped"
done
echo "linux-guest-dns: pass"
