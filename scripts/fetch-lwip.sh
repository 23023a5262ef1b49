#!/bin/sh
# Fetches the lwIP sources from Debian's source package into
# build/third_party/lwip, for the unikernel's freestanding build (Debian's
# binary packages ship only headers and a hosted library). apt-get checks the
# downloaded files against the signed Sources index, and dpkg-source checks
# them against the .dsc. Any Debian revision or repack of upstream
# $EXPECTED is accepted; another upstream version fails with a message.
# Prints the version in use. Usage: scripts/fetch-lwip.sh
set -eu

EXPECTED=2.1.3
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/build/third_party/lwip
stamp=$dest/.debian-version

if [ -f "$stamp" ] && [ -f "$dest/src/core/init.c" ]; then
    echo "lwip: using Debian source package lwip $(cat "$stamp")"
    exit 0
fi

for tool in apt-get dpkg-source; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-lwip: $tool not found (Debian package dpkg-dev/apt)" >&2
        exit 1
    fi
done

"$root/scripts/enable-deb-src.sh"

work=$root/build/third_party/lwip-fetch
rm -rf "$work"
mkdir -p "$work"
if ! (cd "$work" && apt-get source --download-only lwip); then
    echo "fetch-lwip: apt-get source --download-only lwip failed;" \
        "run apt-get update (as root) and retry" >&2
    exit 1
fi

dsc=$(ls "$work"/lwip_*.dsc 2>/dev/null | head -n 1)
if [ -z "$dsc" ]; then
    echo "fetch-lwip: no lwip_*.dsc downloaded into $work" >&2
    exit 1
fi
version=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
# Strip the epoch, the Debian revision and a repack suffix (+dfsg1).
upstream=${version#*:}
upstream=${upstream%-*}
upstream=${upstream%%+*}
if [ "$upstream" != "$EXPECTED" ]; then
    echo "fetch-lwip: package lwip: found version $version (upstream" \
        "$upstream), expected upstream $EXPECTED; the unikernel's" \
        "lwipopts.h was written against $EXPECTED" >&2
    exit 1
fi

rm -rf "$dest"
if ! dpkg-source -x "$dsc" "$dest" >"$work/dpkg-source.log" 2>&1
then
    cat "$work/dpkg-source.log" >&2
    echo "fetch-lwip: dpkg-source -x $dsc failed" >&2
    exit 1
fi
echo "$version" >"$stamp"
rm -rf "$work"
echo "lwip: fetched Debian source package lwip $version"
