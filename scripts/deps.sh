#!/bin/sh
# Installs the Debian packages the build, the tests and the benchmark need.
# As root it runs apt-get; otherwise it prints the one command to run.
# Usage: scripts/deps.sh [--check]   (--check: report only, exit 1 if missing)
set -eu

PACKAGES="build-essential clang libclang-rt-14-dev lld libcriterion-dev
libjansson-dev pkg-config qemu-system-x86 dnsutils dnsperf nsd gnuplot-nox
dpkg-dev cpio xz-utils zstd linux-perf iproute2 kmod"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

if [ "${1:-}" = --check ]; then
    echo "deps: missing Debian packages:$missing" >&2
    exit 1
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is wanted
apt-get install -y -q --no-install-recommends $missing
