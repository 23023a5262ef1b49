#!/bin/sh
# Runs modclosure, the build tool that picks the guest's modules, on the
# fetched Debian kernel package. Checks that the virtio-net set comes out
# complete, in an order where each module follows those its .modinfo names
# in depends=, and without modules that modules.builtin lists. Also checks
# the errors for an unknown module and for an invalid name.
set -u
cd "$(dirname "$0")/../.."

TOOL=build/linux-guest/tools/modclosure
GUEST=build/linux-guest

fail() {
    echo "linux-guest-modules: FAIL: $*"
    exit 1
}

[ -x "$TOOL" ] || fail "$TOOL missing (run make linux-guest)"
[ -f "$GUEST/kernel-version" ] || fail "$GUEST/kernel-version missing"
moddir=$GUEST/pkg/lib/modules/$(cut -d' ' -f1 "$GUEST/kernel-version")
[ -d "$moddir" ] || fail "$moddir missing (run make linux-guest)"

out=$("$TOOL" "$moddir" virtio_net virtio_pci virtio_mmio) ||
    fail "modclosure exited $?"
echo "$out"
names=$(echo "$out" | sed 's,.*/,,; s,\.ko$,,')

# Prints the line number of module $1 in the output, or fails.
pos() {
    n=$(echo "$names" | grep -nx "$1" | cut -d: -f1)
    [ -n "$n" ] || fail "$1 missing from the module list"
    echo "$n"
}

for m in virtio_net virtio_pci virtio_mmio; do
    pos "$m" >/dev/null
done
# Every dependency that modinfo(8) reports must come first, unless built in.
for m in $names; do
    path=$moddir/$(echo "$out" | grep "/$m.ko$")
    deps=$(modinfo -F depends "$path" | tr ',' ' ')
    for d in $deps; do
        if grep -q "/$d.ko$" "$moddir/modules.builtin"; then
            continue
        fi
        [ "$(pos "$d")" -lt "$(pos "$m")" ] ||
            fail "$m is listed before its dependency $d"
    done
done
for m in $names; do
    if grep -q "/$m.ko$" "$moddir/modules.builtin"; then
        fail "built-in module $m is listed"
    fi
done
[ "$(echo "$names" | sort -u | wc -l)" -eq "$(echo "$names" | wc -l)" ] ||
    fail "a module is listed twice"

if err=$("$TOOL" "$moddir" no_such_module 2>&1); then
    fail "an unknown module was accepted"
fi
echo "$err" | grep -q 'no_such_module: not in .*modules.order' ||
    fail "unknown module: unexpected message: $err"
if err=$("$TOOL" "$moddir" "bad/name" 2>&1); then
    fail "an invalid module name was accepted"
fi
echo "$err" | grep -q "invalid module name" ||
    fail "invalid name: unexpected message: $err"
echo "linux-guest-modules: pass"
