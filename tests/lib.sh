# Shell functions shared by the integration tests and the native
# benchmark. Sourced (`. tests/lib.sh`) from the repository's top folder;
# tests/run.sh does not run it, because it is not under tests/integration/.

# Prints field $2 (rx, tx, dropped, answered) of the last counters line
# ("bench: counters rx=N ...") in file $1.
counter() {
    sed -n "s/.*bench: counters.* $2=\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

# Waits up to 10 s until server42.local.org answers on port $1 of
# 127.0.0.1; returns 1 if it never does.
wait_answer() {
    for _ in $(seq 1 50); do
        if dig @127.0.0.1 -p "$1" +tries=1 +time=1 +short \
            server42.local.org A 2>/dev/null | grep -qx 10.0.0.42; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Prints the PIDs whose parent is $1, from /proc (procps may be absent).
children_of() {
    awk -v parent="$1" '{
        sub(/.*\) /, "")   # the command name may contain spaces
        if ($2 == parent) {
            split(FILENAME, part, "/")
            print part[3]
        }
    }' /proc/[0-9]*/stat 2>/dev/null
}
