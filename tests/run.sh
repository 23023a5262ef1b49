#!/bin/sh
# Runs every test: the Criterion unit-test binaries under build/tests/ and
# the integration scripts under tests/integration/. An integration script
# exits 0 to pass, 77 to skip (after printing the reason), anything else to
# fail. Prints one line per test and a closing "N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
failures=""
logdir=build/test-logs
mkdir -p "$logdir"

run_one() {
    name=$1
    shift
    log="$logdir/$name.log"
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    case $rc in
    0)
        passed=$((passed + 1))
        echo "PASS $name (${secs}s)"
        ;;
    77)
        skipped=$((skipped + 1))
        echo "SKIP $name: $(tail -n 1 "$log")"
        ;;
    *)
        failed=$((failed + 1))
        failures="$failures $name"
        echo "FAIL $name (exit $rc, ${secs}s); last lines of $log:"
        tail -n 20 "$log" | sed 's/^/    /'
        ;;
    esac
}

for t in build/tests/*; do
    [ -x "$t" ] || continue
    run_one "unit-$(basename "$t")" "$t" --jobs 2
done

only=${TESTS:-}
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ -n "$only" ]; then
        case " $only " in *" $name "*) ;; *) continue ;; esac
    fi
    run_one "$name" sh "$t"
done

[ -n "$failures" ] && echo "failed:$failures"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
