#!/bin/sh
# Checks the native echo server (build/linux-baseline/server-echo) and the
# server's shared behaviour: option errors, echoed payloads, control
# datagrams ("stats", unknown text, "poweroff") and the counters it prints
# when "poweroff" stops it.
set -u
cd "$(dirname "$0")/../.."

server=build/linux-baseline/server-echo
if ! command -v bash >/dev/null; then
    echo "native-echo: bash not found (needed for /dev/udp)"
    exit 77
fi
if [ ! -x "$server" ]; then
    echo "native-echo: $server not found: run make -C linux-baseline" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/native-echo.XXXXXX) || exit 1
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

fail() {
    echo "native-echo: FAIL: $*" >&2
    for f in server.out server.err; do
        [ -f "$tmp/$f" ] && { echo "--- $f:" >&2; cat "$tmp/$f" >&2; }
    done
    exit 1
}

# Bad options exit 2 with a message naming the option.
check_bad_option() {
    want=$1
    shift
    "$server" "$@" >"$tmp/opt.out" 2>"$tmp/opt.err"
    rc=$?
    [ $rc -eq 2 ] || fail "server $*: exit status $rc, expected 2"
    grep -q -- "$want" "$tmp/opt.err" ||
        fail "server $*: message '$(cat "$tmp/opt.err")' lacks '$want'"
    echo "native-echo: server $* -> $(cat "$tmp/opt.err")"
}
check_bad_option "--port" --port 70000
check_bad_option "--port" --port 12x
check_bad_option "--control-port" --control-port
check_bad_option "--bogus" --bogus
check_bad_option "--address" --address 1.2.3 --port 40000
check_bad_option "stray" stray
check_bad_option "--control-port 40000" --port 40000 --control-port 40000
"$server" --help >"$tmp/help" 2>&1 || fail "--help exited non-zero"
grep -q -- "--signal-debugcon" "$tmp/help" || fail "--help lacks options"

# Sends the datagram $2 to port $1 and prints the reply (2 s timeout). dd
# reads the whole datagram in one read().
udp_ask() {
    bash -c 'exec 3<>/dev/udp/127.0.0.1/'"$1"'
        printf "%s" "$0" >&3
        timeout 2 dd bs=4096 count=1 status=none <&3' "$2"
}

# Sends the datagram $2 to port $1 without waiting for a reply.
udp_send() {
    bash -c 'exec 3<>/dev/udp/127.0.0.1/'"$1"'
        printf "%s" "$0" >&3' "$2"
}

port=$((30000 + ($$ % 5000) * 2))
attempt=0
while :; do
    "$server" --port "$port" --control-port $((port + 1)) \
        >"$tmp/server.out" 2>"$tmp/server.err" &
    pid=$!
    for _ in $(seq 1 50); do
        grep -q '^bench: ready workload=echo' "$tmp/server.out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q '^bench: ready workload=echo' "$tmp/server.out" && break
    wait "$pid"
    pid=""
    grep -q 'in use' "$tmp/server.err" || fail "server did not start"
    attempt=$((attempt + 1))
    [ $attempt -lt 20 ] || fail "no free port pair after 20 attempts"
    port=$((port + 2))
done
control=$((port + 1))
ready="bench: ready workload=echo address=127.0.0.1 port=$port"
grep -qx "$ready control=$control" "$tmp/server.out" ||
    fail "unexpected ready line"
echo "native-echo: server pid $pid on port $port, control $control"

payload="echo test payload 0123456789"
for n in 1 2 3; do
    reply=$(udp_ask "$port" "$payload $n") || fail "no echo reply $n"
    [ "$reply" = "$payload $n" ] || fail "echo $n returned '$reply'"
done
echo "native-echo: 3 payloads echoed unchanged"

udp_send "$control" "hello"
stats=$(udp_ask "$control" stats) || fail "no reply to stats"
[ "$stats" = "bench: counters rx=3 tx=3 dropped=0 answered=3" ] ||
    fail "stats reply '$stats'"
echo "native-echo: stats -> $stats"

udp_send "$control" poweroff
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "server still running 5 s after poweroff"
wait "$pid"
status=$?
pid=""
[ $status -eq 0 ] || fail "server exited with status $status after poweroff"
grep -qx "bench: counters rx=3 tx=3 dropped=0 answered=3" "$tmp/server.out" ||
    fail "no final counters line"
grep -qx "bench: control datagrams ignored=1" "$tmp/server.out" ||
    fail "the unknown control datagram was not counted"
echo "native-echo: poweroff -> exit 0 with counters"
echo "native-echo: PASS"
