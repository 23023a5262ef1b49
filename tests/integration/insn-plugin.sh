#!/bin/sh
# Boots a tiny guest (harness/plugin/test_guest.S) under TCG with the
# instruction-counting plugin, twice per machine type and counting mode,
# and checks that the counts are non-zero and repeat: exactly on microvm
# (qboot does no time-dependent waiting), within 0.01% on pc (SeaBIOS polls
# timers, so a few dozen of its ~5.9M instructions vary with host speed).
set -u
cd "$(dirname "$0")/../.."

plugin=build/harness/insn-count.so
guest=build/harness/insn-test-guest.elf
qemu=qemu-system-x86_64

if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "$qemu not found: install qemu-system-x86 (scripts/deps.sh)"
    exit 77
fi
for f in "$plugin" "$guest"; do
    if [ ! -f "$f" ]; then
        echo "$f not built: run make -C harness plugin measure-tests"
        exit 77
    fi
done

tmp=$(mktemp -d /tmp/ukb-insn-plugin.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# boot MACHINE MODE: prints the instruction count, or fails.
boot() {
    counter=$tmp/counter
    rm -f "$counter" "$tmp/debugcon"
    truncate -s 64 "$counter" || return 1
    timeout 60 "$qemu" -nodefaults -no-user-config -display none \
        -M "$1" -accel tcg -cpu max -smp 1 -m 16 -kernel "$guest" \
        -device isa-debugcon,iobase=0xe9,chardev=dbg \
        -chardev "file,id=dbg,path=$tmp/debugcon" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -plugin "$plugin,out=$counter,mode=$2" >"$tmp/qemu.log" 2>&1
    status=$?
    if [ "$status" -ne 33 ]; then
        echo "FAIL: $1 $2: QEMU exit status $status, expected 33" >&2
        cat "$tmp/qemu.log" >&2
        return 1
    fi
    if [ "$(cat "$tmp/debugcon")" != ok ]; then
        echo "FAIL: $1 $2: guest did not print ok on debugcon" >&2
        return 1
    fi
    # Layout of harness/plugin/insn_count_abi.h: magic, version, insns.
    magic=$(od -A n -t x8 -N 8 "$counter" | tr -d ' ')
    if [ "$magic" != 746e63736e696b75 ]; then
        echo "FAIL: $1 $2: plugin did not stamp the counter file" >&2
        return 1
    fi
    od -A n -t u8 -j 16 -N 8 "$counter" | tr -d ' '
}

failed=0
for machine in microvm pc; do
    for mode in tb insn; do
        first=$(boot "$machine" "$mode") || exit 1
        second=$(boot "$machine" "$mode") || exit 1
        echo "$machine $mode: $first, $second guest instructions"
        # The guest's own loop alone is 200000 instructions.
        if [ "$first" -lt 200000 ]; then
            echo "FAIL: $machine $mode: count $first below the guest's" \
                "200000-instruction loop"
            failed=1
        fi
        diff=$((first > second ? first - second : second - first))
        if [ "$machine" = microvm ]; then
            bound=0
        else
            bound=$((first / 10000))
        fi
        if [ "$diff" -gt "$bound" ]; then
            echo "FAIL: $machine $mode: runs differ by $diff instructions," \
                "more than $bound"
            failed=1
        fi
        eval "count_${machine}_${mode}=$first"
    done
done

# Both modes count the same instructions; tb also counts the hlt that ends
# the block of the final out, which QEMU leaves before executing it.
diff=$((count_microvm_tb - count_microvm_insn))
if [ "$diff" -lt 0 ] || [ "$diff" -gt 2 ]; then
    echo "FAIL: microvm: tb and insn modes differ by $diff instructions"
    failed=1
fi
exit $failed
