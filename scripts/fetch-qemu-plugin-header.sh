#!/bin/sh
# Fetches qemu-plugin.h, the TCG plugin API header, from the Debian source
# package of the installed qemu-system-x86, so the plugin is compiled
# against the API version of the QEMU that loads it. The source is verified
# by apt-get against its signed .dsc; only include/qemu/qemu-plugin.h is
# extracted from the (large) upstream tarball.
#
# Output: build/third_party/qemu/include/qemu/qemu-plugin.h and
# build/third_party/qemu/VERSION (the source version used). Only touches
# the header when both exist for the installed version.
set -eu
cd "$(dirname "$0")/.."

out=build/third_party/qemu
header=$out/include/qemu/qemu-plugin.h

if ! version=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 \
    2>/dev/null) || [ -z "$version" ]; then
    echo "fetch-qemu-plugin-header: qemu-system-x86 is not installed;" \
        "run scripts/deps.sh" >&2
    exit 1
fi
srcpkg=$(dpkg-query -W -f='${source:Package}' qemu-system-x86)

if [ -f "$header" ] && [ "$(cat "$out/VERSION" 2>/dev/null)" = "$version" ]
then
    touch "$header" # up to date: newer than dpkg's list, for make
    exit 0
fi

scripts/enable-deb-src.sh

rm -rf "$out"
mkdir -p "$out/download"
echo "fetch-qemu-plugin-header: fetching source $srcpkg=$version"
if ! (cd "$out/download" &&
    apt-get source -q --download-only "$srcpkg=$version"); then
    echo "fetch-qemu-plugin-header: apt-get source $srcpkg=$version" \
        "failed; the mirror may have replaced that version: upgrade" \
        "qemu-system-x86 (apt-get install --only-upgrade" \
        "qemu-system-x86) and retry" >&2
    exit 1
fi

# The upstream tarball name has no epoch: qemu_7.2+dfsg.orig.tar.xz.
upstream=${version#*:}
upstream=${upstream%-*}
orig=$(ls "$out/download/${srcpkg}_${upstream}".orig.tar.* 2>/dev/null |
    head -n 1)
if [ -z "$orig" ]; then
    echo "fetch-qemu-plugin-header: no ${srcpkg}_${upstream}.orig.tar.*" \
        "in $out/download" >&2
    exit 1
fi
mkdir -p "$out/include/qemu"
tar -xf "$orig" -O --wildcards '*/include/qemu/qemu-plugin.h' >"$header.tmp"
if [ ! -s "$header.tmp" ]; then
    echo "fetch-qemu-plugin-header: $orig: include/qemu/qemu-plugin.h" \
        "not found" >&2
    rm -f "$header.tmp"
    exit 1
fi

# A Debian patch touching the header would make the extracted copy wrong.
debtar=$(ls "$out/download/${srcpkg}_${version#*:}".debian.tar.* \
    2>/dev/null | head -n 1)
if [ -n "$debtar" ] && tar -xf "$debtar" -O --wildcards \
    'debian/patches/*' 2>/dev/null | grep -q 'qemu/qemu-plugin\.h'; then
    echo "fetch-qemu-plugin-header: a Debian patch of $srcpkg $version" \
        "changes qemu-plugin.h; apply it before building the plugin" >&2
    rm -f "$header.tmp"
    exit 1
fi

mv "$header.tmp" "$header"
echo "$version" >"$out/VERSION"
rm -rf "$out/download"
echo "fetch-qemu-plugin-header: $header from $srcpkg $version"
