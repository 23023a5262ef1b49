#!/bin/sh
# Measures the native DNS server (build/linux-baseline/server-dns) under
# dnsperf on loopback, and NSD serving the same zone from a generated zone
# file as a yardstick. For each it prints the answered rate and the server's
# CPU time per answered query (utime + stime from /proc/PID/stat, summed
# over the server's processes).
#
# Usage: tests/bench-native.sh   (run by `make bench-workload`)
# Environment: BENCH_SECONDS (dnsperf time limit per server, default 10),
# BENCH_CLIENTS (dnsperf -c, default 1).
#
# NSD runs unprivileged on a high port from a config written into a
# temporary directory (workloads/nsd/run-nsd.sh).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh

seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-1}
server=build/linux-baseline/server-dns

case "$seconds" in
'' | *[!0-9]*)
    echo "bench-native: BENCH_SECONDS='$seconds' is invalid:" \
        "give whole seconds" >&2
    exit 2
    ;;
esac
if [ "$seconds" -lt 1 ] || [ "$seconds" -gt 120 ]; then
    echo "bench-native: BENCH_SECONDS=$seconds is out of range 1..120" >&2
    exit 2
fi
for tool in dig dnsperf nsd; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench-native: $tool not found: run scripts/deps.sh" >&2
        exit 1
    fi
done
if [ ! -x "$server" ]; then
    echo "bench-native: $server not found: run make -C linux-baseline" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/bench-native.XXXXXX) || exit 1
pids=""
nsd_dir=""
cleanup() {
    for p in $pids; do
        kill -TERM "$p" 2>/dev/null
    done
    sleep 0.2
    for p in $pids; do
        kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$tmp" ${nsd_dir:+"$nsd_dir"}
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

ticks=$(getconf CLK_TCK)

# Prints utime + stime, in clock ticks, summed over the given PIDs.
cpu_ticks() {
    total=0
    for p in "$@"; do
        # Fields 14 and 15, counted after the ")" that ends the command name.
        t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
            awk '{print $12 + $13}')
        [ -n "$t" ] && total=$((total + t))
    done
    echo "$total"
}

# Prints $1 and the PIDs of all its descendants.
descendants() {
    echo "$1"
    for child in $(children_of "$1"); do
        descendants "$child"
    done
}

# Picks a UDP port at random in 30000-39998 where dig gets no reply, so no
# other DNS server is there, and prints it.
free_port() {
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$((30000 + ($(od -An -N2 -tu2 /dev/urandom) % 5000) * 2))
        if ! dig @127.0.0.1 -p "$p" +tries=1 +time=1 local.org SOA \
            >/dev/null 2>&1; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# The query mix: 10000 A queries over the whole zone, in shuffled order.
awk 'BEGIN { srand(1); for (i = 0; i < 10000; i++)
    printf "server%d.local.org A\n", int(rand() * 10000) }' >"$tmp/queries"

# Runs dnsperf for $seconds against port $1 while measuring the CPU of the
# PIDs that follow; prints one result line labelled $2.
measure() {
    port=$1
    label=$2
    shift 2
    before=$(cpu_ticks "$@")
    dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l "$seconds" \
        -c "$clients" -t 2 >"$tmp/dnsperf-$label" 2>&1 || {
        echo "bench-native: $label: dnsperf failed:" >&2
        cat "$tmp/dnsperf-$label" >&2
        return 1
    }
    after=$(cpu_ticks "$@")
    completed=$(awk '/Queries completed:/ {print $3}' "$tmp/dnsperf-$label")
    lost=$(awk '/Queries lost:/ {print $3}' "$tmp/dnsperf-$label")
    qps=$(awk '/Queries per second:/ {print $4}' "$tmp/dnsperf-$label")
    awk -v l="$label" -v q="$qps" -v c="$completed" -v x="$lost" \
        -v t=$((after - before)) -v hz="$ticks" 'BEGIN {
        cpu = t / hz
        per_query = c > 0 ? cpu * 1e6 / c : 0
        printf "%-12s %10.0f qps answered  %7.2f us CPU/query  ", \
            l, q, per_query
        printf "(%d answered, %d lost, %.2f s server CPU)\n", c, x, cpu }'
}

echo "bench-native: dnsperf -l $seconds -c $clients on 127.0.0.1," \
    "10000 A queries over local.org; $(nproc) CPUs:" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"

# 1. The native server.
port=$(free_port) || {
    echo "bench-native: no free port found" >&2
    exit 1
}
"$server" --port "$port" >"$tmp/server.out" 2>&1 &
server_pid=$!
pids="$server_pid"
wait_answer "$port" || {
    echo "bench-native: server-dns did not answer on port $port:" >&2
    cat "$tmp/server.out" >&2
    exit 1
}
measure "$port" server-dns "$server_pid" || exit 1
kill -TERM "$server_pid"
wait "$server_pid"
pids=""
grep '^bench: counters' "$tmp/server.out" | sed 's/^/  server-dns /'

# 2. NSD on the same zone.
port=$(free_port) || {
    echo "bench-native: no free port found" >&2
    exit 1
}
# A directory of its own under /tmp, so that the user nobody can reach it
# after NSD drops to that user.
nsd_dir=$(mktemp -d /tmp/bench-native-nsd.XXXXXX) || exit 1
workloads/nsd/run-nsd.sh "$nsd_dir" "$port" >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
pids="$nsd_pid"
wait_answer "$port" || {
    echo "bench-native: NSD did not answer on port $port:" >&2
    cat "$tmp/nsd.out" "$nsd_dir/nsd.log" >&2
    exit 1
}
# NSD forks a zone-transfer daemon and the serving processes, so the whole
# process tree is measured.
nsd_all=$(descendants "$nsd_pid")
pids="$nsd_all"
measure "$port" "nsd $(nsd -v 2>&1 | sed -n 's/^NSD version //p')" $nsd_all ||
    exit 1
