#!/bin/sh
# Compares the native DNS server with NSD serving the same zone. Raw UDP
# queries (valid, malformed and unusual ones) must get the same header flags,
# RCODE and answer count from both. The differences that workloads/README.md
# documents are checked against their expected values instead. dig +short
# answers for in-zone names must match exactly.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

server=build/linux-baseline/server-dns
for tool in dig nsd bash od timeout; do
    if ! command -v "$tool" >/dev/null; then
        echo "native-dns-nsd: $tool not found: run scripts/deps.sh"
        exit 77
    fi
done
if [ ! -x "$server" ]; then
    echo "native-dns-nsd: $server not found: run make -C linux-baseline" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/native-dns-nsd.XXXXXX) || exit 1
nsd_dir=$(mktemp -d /tmp/native-dns-nsd-zone.XXXXXX) || exit 1
pids=""
cleanup() {
    for p in $pids; do
        kill -TERM "$p" 2>/dev/null
    done
    sleep 0.2
    for p in $pids; do
        kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$tmp" "$nsd_dir"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

failures=0
fail() {
    echo "native-dns-nsd: FAIL: $*" >&2
    failures=$((failures + 1))
}

# Sends the message given in hex ($2) to port $1 and prints the reply in
# hex, or "none" after 1 s. bash's printf decodes \xHH, which dash's lacks.
# The message goes through a file and dd, so it leaves in one write() and
# so as one datagram: printf may split its output at a newline byte.
udp_hex() {
    escaped=$(echo "$2" | tr -d ' ' | sed 's/../\\x&/g')
    reply=$(bash -c 'printf "$1" >"$2" || exit 1
        exec 3<>/dev/udp/127.0.0.1/"$0"
        dd if="$2" bs=65536 count=1 status=none >&3
        timeout 1 dd bs=65536 count=1 status=none <&3' \
        "$1" "$escaped" "$tmp/msg" | od -An -tx1 | tr -d ' \n')
    echo "${reply:-none}"
}

# Prints the flags word and ANCOUNT of a hex reply: "8500/0001", or "none".
summary() {
    case "$1" in
    none) echo none ;;
    *) echo "$(echo "$1" | cut -c5-8)/$(echo "$1" | cut -c13-16)" ;;
    esac
}

port_base=$((40000 + ($$ % 4000) * 2))
"$server" --port "$port_base" >"$tmp/server.out" 2>&1 &
pids="$!"
workloads/nsd/run-nsd.sh "$nsd_dir" $((port_base + 1)) >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
pids="$pids $nsd_pid"
wait_answer "$port_base" || {
    cat "$tmp/server.out" >&2
    echo "native-dns-nsd: server-dns did not answer on $port_base" >&2
    exit 1
}
wait_answer $((port_base + 1)) || {
    cat "$tmp/nsd.out" >&2
    echo "native-dns-nsd: NSD did not answer on $((port_base + 1))" >&2
    exit 1
}

# NSD forks children: stop them all at the end.
descendants() {
    for child in $(children_of "$1"); do
        echo "$child"
        descendants "$child"
    done
}
pids="$pids $(descendants "$nsd_pid" | tr '\n' ' ')"

ours=$port_base
theirs=$((port_base + 1))
s1="07 73657276657231 05 6c6f63616c 03 6f7267 00" # server1.local.org
apex="05 6c6f63616c 03 6f7267 00"                 # local.org
a64=$(printf '61%.0s' $(seq 64))
l63="3f $(printf '61%.0s' $(seq 63))"

# name|hex|expected: "same" (as NSD), or our flags/ANCOUNT where we differ.
# Spaces in the hex separate header, question and records.
opt="00 0029 0200 00000000" # OPT: root owner, 512 bytes, version 0, no flags
cat >"$tmp/cases" <<EOF
compression pointer loop|abcd 0100 0001 0000 0000 0000 c00c 0001 0001|same
no question|abcd 0100 0000 0000 0000 0000|same
two questions|abcd 0000 0002 0000 0000 0000 $s1 0001 0001 $s1 0001 0001|same
label of 64 bytes|abcd 0100 0001 0000 0000 0000 40 $a64 $apex 0001 0001|same
name of 257 bytes|abcd 0100 0001 0000 0000 0000 $l63 $l63 $l63 $l63 00 0001 0001|same
response bit set|abcd 8100 0001 0000 0000 0000 $s1 0001 0001|same
name cut short|abcd 0100 0001 0000 0000 0000 07 7365727665|same
mixed case|abcd 0000 0001 0000 0000 0000 07 53655276457231 05 4c6f43614c 03 6f5267 00 0001 0001|same
AAAA of existing name|abcd 0000 0001 0000 0000 0000 $s1 001c 0001|same
missing name|abcd 0000 0001 0000 0000 0000 07 6e6f7375636831 $apex 0001 0001|same
outside the zone|abcd 0000 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001|same
apex SOA|abcd 0000 0001 0000 0000 0000 $apex 0006 0001|same
apex NS|abcd 0000 0001 0000 0000 0000 $apex 0002 0001|same
UPDATE opcode|abcd 2800 0001 0000 0000 0000 $apex 0006 0001|same
two OPT records|abcd 0100 0001 0000 0000 0002 $s1 0001 0001 $opt 0000 $opt 0000|same
EDNS size below 512|abcd 0100 0001 0000 0000 0001 $s1 0001 0001 00 0029 0064 00000000 0000|same
EDNS version 1|abcd 0000 0001 0000 0000 0001 $s1 0001 0001 00 0029 0200 00010000 0000|same
EDNS COOKIE option|abcd 0000 0001 0000 0000 0001 $s1 0001 0001 $opt 000c 000a 0008 0102030405060708|same
EDNS option overrun|abcd 0000 0001 0000 0000 0001 $s1 0001 0001 $opt 0006 000a 0008 0102|same
OPT owner not root|abcd 0000 0001 0000 0000 0001 $s1 0001 0001 01 61 00 0029 0200 00000000 0000|same
answer record in query|abcd 0000 0001 0001 0000 0000 $s1 0001 0001 c00c 0001 0001 00000000 0004 0a000001|same
authority record in query|abcd 0000 0001 0000 0001 0000 $s1 0001 0001 c00c 0001 0001 00000000 0004 0a000001|same
TSIG in additional|abcd 0000 0001 0000 0000 0001 $s1 0001 0001 c00c 00fa 00ff 00000000 0004 01020304|same
QTYPE 0|abcd 0000 0001 0000 0000 0000 $s1 0000 0001|same
QTYPE OPT|abcd 0000 0001 0000 0000 0000 $s1 0029 0001|same
QTYPE MAILA|abcd 0000 0001 0000 0000 0000 $s1 00fe 0001|same
class CHAOS for a zone name|abcd 0000 0001 0000 0000 0000 $s1 0001 0003|same
NOTIFY opcode|abcd 2000 0001 0000 0000 0000 $apex 0006 0001|a004/0000
AXFR over UDP|abcd 0000 0001 0000 0000 0000 $apex 00fc 0001|8005/0000
IXFR over UDP|abcd 0000 0001 0000 0000 0000 $apex 00fb 0001|same
class ANY|abcd 0000 0001 0000 0000 0000 $s1 0001 00ff|8005/0000
CHAOS version.bind|abcd 0000 0001 0000 0000 0000 07 76657273696f6e 04 62696e64 00 0010 0003|8005/0000
trailing garbage|abcd 0000 0001 0000 0000 0000 $s1 0001 0001 ff|8001/0000
EOF

n=0
while IFS='|' read -r name hex expected; do
    n=$((n + 1))
    mine=$(summary "$(udp_hex "$ours" "$hex")")
    ref=$(summary "$(udp_hex "$theirs" "$hex")")
    if [ "$expected" = same ]; then
        if [ "$mine" = "$ref" ]; then
            echo "ok   $name: $mine"
        else
            fail "$name: server-dns $mine, NSD $ref"
        fi
    elif [ "$mine" = "$expected" ]; then
        echo "ok   $name: $mine (NSD: $ref, a documented difference)"
    else
        fail "$name: server-dns $mine, expected $expected (NSD $ref)"
    fi
done <"$tmp/cases"

for q in "server0.local.org A" "server42.local.org A" "server9999.local.org A" \
    "Server256.LOCAL.org A" "www.local.org A" "ns.local.org A" \
    "local.org SOA" "local.org NS"; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # name and type are two words
    mine=$(dig @127.0.0.1 -p "$ours" +tries=1 +time=2 +short $q)
    # shellcheck disable=SC2086
    ref=$(dig @127.0.0.1 -p "$theirs" +tries=1 +time=2 +short $q)
    if [ -n "$mine" ] && [ "$mine" = "$ref" ]; then
        echo "ok   dig $q: $mine"
    else
        fail "dig $q: server-dns '$mine', NSD '$ref'"
    fi
done

echo "native-dns-nsd: $n cases, $failures failed"
[ $failures -eq 0 ]
