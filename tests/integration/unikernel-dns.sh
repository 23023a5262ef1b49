#!/bin/sh
# Boots build/unikernel/dns.elf under TCG with QEMU user networking, on -M pc
# and on -M microvm, through `ukbench boot ... -- CMD`. CMD (this script
# with --checks) checks in-zone A and NXDOMAIN answers with dig, FORMERR for
# a query without a question, no reply to a datagram with the response bit
# set, a burst of 100 queries sent at once all answered, a burst of random
# datagrams followed by a correct answer, and on -M pc 10000 sequential
# queries whose count the guest's counters must match.
# Then the guest must power off with status 33 and print its counters.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

UKBENCH=build/harness/ukbench
CLIENT=build/unikernel/udpclient
SEQ_QUERIES=10000
GARBAGE=300
BURST=100

fail() {
    echo "FAIL: $*"
    exit 1
}

if [ "${1:-}" = --checks ]; then
    port=$UKBENCH_PORT
    control=$UKBENCH_CONTROL_PORT
    dig="dig +time=3 +tries=1 -p $port @127.0.0.1"

    # First, right after the ready signal: more replies at once than the
    # 64 TX slots (sends wait for the device) and than lwIP's ARP queue.
    $CLIENT dns-burst "$port" "$BURST" || fail "burst of $BURST queries"

    a=$($dig +short server42.local.org A) || fail "dig server42: no answer"
    [ "$a" = 10.0.0.42 ] || fail "server42.local.org A: got '$a'"
    $dig nosuchname.local.org A | grep -q 'status: NXDOMAIN' ||
        fail "nosuchname.local.org: no NXDOMAIN"

    # A header with QDCOUNT 0 and no question: FORMERR (QR set, RCODE 1).
    r=$($CLIENT hex "$port" 123401000000000000000000) ||
        fail "no reply to a query without a question"
    case $r in
    1234[89a-f]?[0-9a-f]1*) ;;
    *) fail "query without a question: expected FORMERR, got $r" ;;
    esac
    # The response bit set: never answered (reflection loops).
    qr=1234810000010000000000000773657276657231056c
    qr=${qr}6f63616c036f72670000010001
    if $CLIENT hex "$port" "$qr" >/dev/null 2>&1; then
        fail "a datagram with QR set was answered"
    fi

    # A 3001-byte query (an EDNS padding option of 2950 zero bytes) arrives
    # as three IPv4 fragments; lwIP reassembles them and the answer is
    # server42's A record, as the Linux guest gives.
    pad=$(printf '%05900d' 0)
    big=1234010000010000000000010873657276657234
    big=${big}32056c6f63616c036f7267000001000100002904d0000000000b8a000c0b86
    r=$($CLIENT hex "$port" "$big$pad") || fail "no reply to a fragmented query"
    case $r in
    12348[45]00*0a00002a*) ;;
    *) fail "fragmented query: expected server42's A record, got $r" ;;
    esac

    $CLIENT garbage "$port" "$GARBAGE" 7 >/dev/null || fail "garbage burst"
    # The burst can overflow the host socket QEMU reads the forwarded
    # port from, and that drops datagrams before the guest: dig tries 3
    # times.
    a=$(dig +time=3 +tries=3 -p "$port" @127.0.0.1 +short \
        server7.local.org A) || fail "no answer after garbage"
    [ "$a" = 10.0.0.7 ] || fail "after garbage: server7 A: got '$a'"

    if [ "${UKB_SEQ:-0}" = 1 ]; then
        $CLIENT text "$control" stats >"$TMPDIR_CHECKS/before" ||
            fail "no stats reply"
        $CLIENT dns-seq "$port" "$SEQ_QUERIES" >"$TMPDIR_CHECKS/seq" ||
            fail "sequential queries: $(cat "$TMPDIR_CHECKS/seq")"
        $CLIENT text "$control" stats >"$TMPDIR_CHECKS/after" ||
            fail "no stats reply"
        cat "$TMPDIR_CHECKS/seq"
        for f in rx answered; do
            d=$(($(counter "$TMPDIR_CHECKS/after" $f) -
                $(counter "$TMPDIR_CHECKS/before" $f)))
            [ "$d" -eq "$SEQ_QUERIES" ] ||
                fail "guest counted $f +$d for $SEQ_QUERIES queries"
        done
    fi
    echo "checks passed"
    exit 0
fi

command -v qemu-system-x86_64 >/dev/null ||
    { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
for f in "$UKBENCH" "$CLIENT" build/unikernel/dns.elf; do
    [ -x "$f" ] || [ -f "$f" ] || fail "missing $f (run make test)"
done
command -v dig >/dev/null || fail "dig not installed (Debian package dnsutils)"

TMPDIR_CHECKS=$(mktemp -d)
export TMPDIR_CHECKS
trap 'rm -rf "$TMPDIR_CHECKS"' EXIT

for machine in pc microvm; do
    out=$TMPDIR_CHECKS/out-$machine
    seq=0
    [ "$machine" = pc ] && seq=1
    echo "== $machine"
    UKB_SEQ=$seq "$UKBENCH" boot --system unikernel --workload dns \
        --accel tcg --machine "$machine" --timeout 60 \
        --serial-log "$TMPDIR_CHECKS/serial-$machine" \
        -- sh "$0" --checks >"$out" 2>&1
    rc=$?
    cat "$out"
    [ "$rc" -eq 0 ] || { tail -n 20 "$TMPDIR_CHECKS/serial-$machine";
        fail "$machine: ukbench boot exited $rc"; }
    grep -q '^exit status=33$' "$out" || fail "$machine: no exit status 33"
    grep -q 'checks passed' "$out" || fail "$machine: checks did not run"
    log=$TMPDIR_CHECKS/serial-$machine
    grep -q '^bench: ready' "$log" || fail "$machine: no ready line"
    rx=$(counter "$log" rx)
    tx=$(counter "$log" tx)
    dropped=$(counter "$log" dropped)
    answered=$(counter "$log" answered)
    [ -n "$rx" ] || fail "$machine: no counters line at power-off"
    [ "$rx" -eq $((tx + dropped)) ] ||
        fail "$machine: rx=$rx is not tx=$tx + dropped=$dropped"
    [ "$answered" -eq "$tx" ] || fail "$machine: answered=$answered tx=$tx"
    # At least the 4 answered dig queries, FORMERR and the QR datagram.
    [ "$rx" -ge 6 ] || fail "$machine: rx=$rx, expected at least 6"
    [ "$dropped" -ge 1 ] || fail "$machine: the QR datagram was not dropped"
    grep -q '^bench: frames in=' "$log" || fail "$machine: no frames line"
done
echo "unikernel-dns: pass"
