#!/bin/sh
# Starts the native DNS server (build/linux-baseline/server-dns) on
# 127.0.0.1 at a free port and checks it with dig and a short dnsperf run.
# It checks answers, negative answers, REFUSED, loss, the "stats" control
# reply, and that the counters printed after SIGTERM match what was sent.
set -u
cd "$(dirname "$0")/../.."

server=build/linux-baseline/server-dns
for tool in dig dnsperf bash; do
    if ! command -v "$tool" >/dev/null; then
        echo "native-dns: $tool not found: run scripts/deps.sh"
        exit 77
    fi
done
if [ ! -x "$server" ]; then
    echo "native-dns: $server not found: run make -C linux-baseline" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/native-dns.XXXXXX) || exit 1
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
    echo "native-dns: FAIL: $*" >&2
    if [ -f "$tmp/server.out" ]; then
        echo "--- server stdout:" >&2
        cat "$tmp/server.out" >&2
        echo "--- server stderr:" >&2
        cat "$tmp/server.err" >&2
    fi
    exit 1
}

# Starts the server on $1 (service) and $1+1 (control). Returns 0 once it
# printed its ready line, 2 when a port was in use, 1 on another failure.
start_server() {
    "$server" --address 127.0.0.1 --port "$1" --control-port $(($1 + 1)) \
        >"$tmp/server.out" 2>"$tmp/server.err" &
    pid=$!
    tries=0
    while [ $tries -lt 50 ]; do
        if grep -q '^bench: ready workload=dns' "$tmp/server.out"; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            pid=""
            grep -q 'in use' "$tmp/server.err" && return 2
            return 1
        fi
        sleep 0.1
        tries=$((tries + 1))
    done
    return 1
}

# Ports 20000-29998, starting from a PID-derived offset so that parallel
# runs rarely collide; a port in use moves on to the next pair.
port=$((20000 + ($$ % 5000) * 2))
attempt=0
while :; do
    start_server "$port"
    rc=$?
    [ $rc -eq 0 ] && break
    [ $rc -eq 2 ] || fail "server did not start on port $port"
    attempt=$((attempt + 1))
    [ $attempt -lt 20 ] || fail "no free port pair found after 20 attempts"
    port=$((port + 2))
done
control=$((port + 1))
echo "native-dns: server pid $pid on 127.0.0.1:$port, control $control"

queries=0
# Runs one dig query (one UDP datagram: one try, no retry) into $tmp/dig.
ask() {
    dig @127.0.0.1 -p "$port" +tries=1 +time=2 +norec "$@" >"$tmp/dig" 2>&1 ||
        fail "dig $*: failed: $(cat "$tmp/dig")"
    queries=$((queries + 1))
}

expect() {
    grep -q -- "$1" "$tmp/dig" || fail "dig: expected '$1' in:
$(cat "$tmp/dig")"
}

ask server42.local.org A
expect 'status: NOERROR'
expect 'flags: qr aa;'
expect '^server42\.local\.org\.[[:space:]]*3600[[:space:]]*IN[[:space:]]*A[[:space:]]*10\.0\.0\.42$'
echo "native-dns: server42.local.org A -> 10.0.0.42, AA"

ask nosuch.local.org A
expect 'status: NXDOMAIN'
expect 'flags: qr aa;'
expect 'AUTHORITY: 1'
expect '^local\.org\.[[:space:]]*300[[:space:]]*IN[[:space:]]*SOA[[:space:]]*ns\.local\.org\. hostmaster\.local\.org\.'
echo "native-dns: nosuch.local.org -> NXDOMAIN with SOA"

ask server42.local.org AAAA
expect 'status: NOERROR'
expect 'ANSWER: 0, AUTHORITY: 1'
expect '[[:space:]]SOA[[:space:]]'
echo "native-dns: server42.local.org AAAA -> NODATA with SOA"

ask www.example.com A
expect 'status: REFUSED'
echo "native-dns: www.example.com -> REFUSED"

# A "stats" control datagram gets the counters line back. dd reads the
# whole datagram in one read(); bash's read builtin would take one byte of
# it and discard the rest.
stats=$(bash -c 'exec 3<>/dev/udp/127.0.0.1/'"$control"'
    printf stats >&3
    timeout 2 dd bs=1024 count=1 status=none <&3') ||
    fail "no reply to stats on port $control"
echo "native-dns: stats -> $stats"
case "$stats" in
"bench: counters rx=$queries tx=$queries dropped=0 answered=$queries") ;;
*) fail "stats reply '$stats' does not match $queries queries" ;;
esac

# A bounded dnsperf run: at most 3 passes over 2000 names at 2000 qps,
# 5 s at most.
i=0
while [ $i -lt 2000 ]; do
    echo "server$((i * 5)).local.org A"
    i=$((i + 1))
done >"$tmp/queries"
dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -n 3 -Q 2000 -l 5 \
    -t 2 >"$tmp/dnsperf" 2>&1 || fail "dnsperf failed: $(cat "$tmp/dnsperf")"
sent=$(awk '/Queries sent:/ {print $3}' "$tmp/dnsperf")
completed=$(awk '/Queries completed:/ {print $3}' "$tmp/dnsperf")
lost=$(awk '/Queries lost:/ {print $3}' "$tmp/dnsperf")
echo "native-dns: dnsperf sent=$sent completed=$completed lost=$lost"
[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "dnsperf sent nothing:
$(cat "$tmp/dnsperf")"
[ "$lost" = 0 ] || fail "dnsperf lost $lost queries"
[ "$completed" = "$sent" ] || fail "dnsperf completed $completed of $sent"
grep -q "NOERROR $sent (100.00%)" "$tmp/dnsperf" ||
    fail "not every dnsperf response was NOERROR:
$(cat "$tmp/dnsperf")"

# SIGTERM: the server prints its counters and exits 0.
kill -TERM "$pid"
wait "$pid"
status=$?
pid=""
[ $status -eq 0 ] || fail "server exited with status $status after SIGTERM"
total=$((queries + sent))
want="bench: counters rx=$total tx=$total dropped=0 answered=$total"
grep -qx "$want" "$tmp/server.out" || fail "expected '$want'"
echo "native-dns: $want"
echo "native-dns: PASS"
