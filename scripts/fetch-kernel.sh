#!/bin/sh
# Fetches the Debian cloud kernel for the Linux guest and unpacks it (never
# installs it on this machine). The kernel package is resolved from the
# Depends of linux-image-cloud-amd64 at its candidate version, so a new
# kernel release is picked up without editing this file.
#
# Usage: scripts/fetch-kernel.sh OUTDIR
# Writes OUTDIR/pkg/ (the package's files, from dpkg-deb -x),
# OUTDIR/vmlinuz and OUTDIR/kernel-version, and prints the versions used.
# Does nothing when OUTDIR/kernel-version names the current candidate.
set -eu

out=${1:?usage: fetch-kernel.sh OUTDIR}
meta=linux-image-cloud-amd64

for tool in apt-cache apt-get dpkg-deb; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-kernel: $tool not found (install dpkg-dev and apt)" >&2
        exit 1
    fi
done

candidate=$(apt-cache policy "$meta" | sed -n 's/^ *Candidate: *//p')
# A fresh machine may have no package lists yet; root can fetch them.
if { [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; } &&
    [ "$(id -u)" = 0 ]; then
    apt-get update -q
    candidate=$(apt-cache policy "$meta" | sed -n 's/^ *Candidate: *//p')
fi
if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    echo "fetch-kernel: $meta: no candidate version;" \
        "run apt-get update first" >&2
    exit 1
fi

# "Depends: linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)"
depends=$(apt-cache show "$meta=$candidate" | sed -n 's/^Depends: *//p' |
    head -n 1)
image=$(printf '%s\n' "$depends" | tr ',' '\n' |
    sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n 1)
image_version=$(printf '%s\n' "$depends" | tr ',' '\n' |
    grep -F "$image " | sed -n 's/.*(= *\([^)]*\)).*/\1/p' | head -n 1)
if [ -z "$image" ] || [ -z "$image_version" ]; then
    echo "fetch-kernel: $meta $candidate: no linux-image dependency" \
        "in '$depends'" >&2
    exit 1
fi
release=${image#linux-image-}

if [ -f "$out/kernel-version" ] && [ -f "$out/vmlinuz" ] &&
    [ "$(cat "$out/kernel-version")" = "$release $image_version" ]; then
    echo "fetch-kernel: $image $image_version already in $out"
    exit 0
fi

mkdir -p "$out/download"
rm -rf "$out/pkg"
# apt-get download writes into the current directory and checks the file
# against the signed package index.
(cd "$out/download" && apt-get download -q "$image=$image_version")
deb=$(ls "$out/download/${image}_"*.deb | head -n 1)
dpkg-deb -x "$deb" "$out/pkg"

vmlinuz="$out/pkg/boot/vmlinuz-$release"
if [ ! -f "$vmlinuz" ]; then
    echo "fetch-kernel: $deb: boot/vmlinuz-$release missing" >&2
    exit 1
fi
cp "$vmlinuz" "$out/vmlinuz"
echo "$release $image_version" >"$out/kernel-version"
echo "fetch-kernel: $meta $candidate -> $image $image_version"
