#!/bin/sh
# Adds deb-src entries derived from this machine's own apt configuration,
# so `apt-get source` works with the user's mirror and no mirror address is
# written into the project. Does nothing when deb-src entries exist already.
set -eu

if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list \
    /etc/apt/sources.list.d/; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "enable-deb-src: no deb-src entry in /etc/apt; as root run:" >&2
    echo "  sudo $0" >&2
    exit 1
fi

out=/etc/apt/sources.list.d/ukbench-deb-src.sources
tmp=$out.tmp
: >"$tmp"
# deb822 files: copy each stanza whose Types include deb, as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ {
             sub(/Types:[^\n]*/, "Types: deb-src"); print
         }' "$f" >>"$tmp"
done
# One-line format: the deb-src twin of every deb line.
if [ -f /etc/apt/sources.list ]; then
    list=/etc/apt/sources.list.d/ukbench-deb-src.list
    sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$list"
    [ -s "$list" ] || rm -f "$list"
fi
if [ -s "$tmp" ]; then
    mv "$tmp" "$out"
else
    rm -f "$tmp"
fi
apt-get update -q
