#!/bin/sh
# Runs NSD (Debian package nsd) in the foreground as a yardstick for the DNS
# workload: it serves the same zone local.org (see workloads/README.md) on
# 127.0.0.1:PORT UDP, from a zone file and config written into DIR.
# NSD runs unprivileged (as the user nobody when started as root), without
# chroot, remote control or a database file. The caller stops it with
# SIGTERM.
#
# Usage: workloads/nsd/run-nsd.sh DIR PORT
set -eu

if [ $# -ne 2 ]; then
    echo "usage: run-nsd.sh DIR PORT" >&2
    exit 2
fi
dir=$1
port=$2
case "$port" in
'' | *[!0-9]*)
    echo "run-nsd: invalid port '$port': give a number from 1024 to 65535" >&2
    exit 2
    ;;
esac
if [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
    echo "run-nsd: port $port is out of range 1024..65535" >&2
    exit 2
fi
if [ ! -d "$dir" ]; then
    echo "run-nsd: directory $dir not found" >&2
    exit 2
fi
for tool in nsd nsd-checkconf; do
    command -v "$tool" >/dev/null || {
        echo "run-nsd: $tool not found: install the Debian package nsd" >&2
        exit 1
    }
done

{
    echo '$ORIGIN local.org.'
    echo '$TTL 3600'
    echo '@ IN SOA ns.local.org. hostmaster.local.org. 2015010101 7200 3600 1209600 300'
    echo '@ IN NS ns.local.org.'
    echo 'ns IN A 10.0.255.1'
    echo 'www IN A 10.0.255.2'
    awk 'BEGIN { for (i = 0; i < 10000; i++)
        printf "server%d IN A 10.0.%d.%d\n", i, int(i / 256), i % 256 }'
} >"$dir/local.org.zone"

cat >"$dir/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
    port: $port
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$dir"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    logfile: "$dir/nsd.log"
    server-count: 1
    hide-version: no
remote-control:
    control-enable: no
zone:
    name: local.org
    zonefile: "$dir/local.org.zone"
CONF
nsd-checkconf "$dir/nsd.conf"

if [ "$(id -u)" = 0 ]; then
    # NSD writes its state files into DIR, so the user nobody must own it.
    chown -R nobody:nogroup "$dir"
    chmod 755 "$dir"
    if ! setpriv --reuid=nobody --regid=nogroup --clear-groups \
        test -r "$dir/nsd.conf"; then
        echo "run-nsd: $dir is not reachable by user nobody: use a" \
            "directory whose parents are world-searchable, like mktemp -d" >&2
        exit 1
    fi
    exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
        nsd -d -c "$dir/nsd.conf"
fi
exec nsd -d -c "$dir/nsd.conf"
