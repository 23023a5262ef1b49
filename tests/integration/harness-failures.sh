#!/bin/sh
# A system that stops answering, one that exits and one that answers
# wrongly must each become failed rows carrying the reason and the
# system's last output, while the run goes on and stops every child.
# Stand-in "native servers" (scripts in a temporary build folder) print
# the ready line and then hang, exit or answer wrongly, so the test needs
# no guest.
set -u
cd "$(dirname "$0")/../.."

ukbench=build/harness/ukbench
if [ ! -x "$ukbench" ]; then
    echo "harness-failures: $ukbench missing: run make -C harness first"
    exit 77
fi

tmp=$(mktemp -d /tmp/ukbench-failures-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/build/linux-baseline"
server="$tmp/build/linux-baseline/server-dns"

run_case() {
    name=$1
    "$ukbench" run --profile tiny --accel tcg --systems linux-native \
        --build-dir "$tmp/build" --out "$tmp/$name" --reps 1 --queries 3 \
        --rates 20 --rate-seconds 0.5 --no-dnsperf >"$tmp/$name.log" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "harness-failures: $name: ukbench run exited $rc"
        cat "$tmp/$name.log"
        exit 1
    fi
}

# Returns "status|failure" of the first row with the given mode.
row() {
    perl -e '
        my ($file, $mode) = @ARGV;
        open my $fh, "<", $file or die "$file: $!";
        my @cols = split /,/, scalar <$fh>;
        chomp @cols;
        while (my $line = <$fh>) {
            my @f;
            while ($line =~ /\G(?:"((?:[^"]|"")*)"|([^,\n]*))(,|\n|$)/g) {
                my $v = defined $1 ? $1 : $2;
                $v =~ s/""/"/g if defined $1;
                push @f, $v;
                last if $3 ne ",";
            }
            my %r;
            @r{@cols} = @f;
            if ($r{mode} eq $mode) {
                print "$r{status}|$r{failure}\n";
                exit 0;
            }
        }
        print "missing|\n";
    ' "$1" "$2"
}

expect() {
    got=$(row "$1" "$2")
    case $got in
    $3) ;;
    *)
        echo "harness-failures: $2 row: expected \"$3\", got \"$got\""
        exit 1
        ;;
    esac
}

# 1. Ready, then silent: every lookup times out.
cat >"$server" <<'SCRIPT'
#!/bin/sh
echo "bench: ready workload=dns (stand-in that never answers)"
exec sleep 60
SCRIPT
chmod +x "$server"
run_case hung
expect "$tmp/hung/tiny.csv" boot "ok|"
expect "$tmp/hung/tiny.csv" idle "failed|linux-native stopped answering: no correct answer to a check lookup after the idle phase*"
expect "$tmp/hung/tiny.csv" paper "failed|no query of 3 answered*never answers*"

# 2. Ready, then gone: the paper phase finds the process exited.
cat >"$server" <<'SCRIPT'
#!/bin/sh
echo "bench: ready workload=dns (stand-in that exits)"
echo "stand-in: exiting with status 3"
sleep 1
exit 3
SCRIPT
chmod +x "$server"
run_case crashed
expect "$tmp/crashed/tiny.csv" paper "failed|*exited during the phase (status 3)*exiting with status 3*"
if ! grep -q "^linux-native: no counters line (it was not running" \
    "$tmp/crashed.log"; then
    echo "harness-failures: crashed: no \"no counters line\" in the output"
    cat "$tmp/crashed.log"
    exit 1
fi

# 3. A results file with another header stops the run before any boot.
mkdir -p "$tmp/badcsv"
printf 'run_id,time\n1,2\n' >"$tmp/badcsv/tiny.csv"
if "$ukbench" run --profile tiny --accel tcg --systems linux-native \
    --build-dir "$tmp/build" --out "$tmp/badcsv" --no-dnsperf \
    >"$tmp/badcsv.log" 2>&1; then
    echo "harness-failures: badcsv: ukbench run accepted another header"
    exit 1
fi
if ! grep -q "badcsv/tiny.csv: header differs.*nothing was run" \
    "$tmp/badcsv.log"; then
    echo "harness-failures: badcsv: no message naming the file and the fix"
    cat "$tmp/badcsv.log"
    exit 1
fi
if [ -e "$tmp/badcsv/runs" ]; then
    echo "harness-failures: badcsv: a run started despite the bad file"
    exit 1
fi

# An --out folder that cannot be made: one prefix, and the fix.
"$ukbench" run --systems linux-native --out /proc/ukbench-nonexistent \
    >"$tmp/badout.log" 2>&1
if ! grep -qx "ukbench run: /proc/ukbench-nonexistent: mkdir failed: .*; give --out a folder that can be created and written" \
    "$tmp/badout.log"; then
    echo "harness-failures: badout: unexpected message"
    cat "$tmp/badout.log"
    exit 1
fi

# 4. Ready, answering, but every query with an ID of 2 mod 3 gets a wrong
# address: the phases with such answers fail and say what was wrong.
cat >"$server" <<'SCRIPT'
#!/usr/bin/perl
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;
my %arg = @ARGV;
my $dns = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
    LocalPort => $arg{"--port"}, Proto => "udp") or die "stand-in: $!";
my $control = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
    LocalPort => $arg{"--control-port"}, Proto => "udp") or die "stand-in: $!";
$| = 1;
print "bench: ready workload=dns (stand-in with wrong answers)\n";
my $select = IO::Select->new($dns, $control);
my $n = 0;
my $end = time + 60;
while (time < $end) {
    for my $fh ($select->can_read(1)) {
        my $peer = $fh->recv(my $q, 600);
        if ($fh == $control) {
            my $line = "bench: counters rx=$n tx=$n dropped=0 answered=$n";
            if ($q =~ /^poweroff/) {
                print "$line\n";
                exit 0;
            }
            $fh->send("$line\n", 0, $peer);
            next;
        }
        $n++;
        my ($id) = unpack "n", $q;
        my ($i) = substr($q, 13) =~ /^server(\d+)/;
        my $addr = $id % 3 == 2 ? pack("C4", 10, 9, 9, 9)
                                : pack("C4", 10, 0, $i >> 8, $i & 255);
        my $r = $q;
        substr($r, 2, 2) = "\x85\x00";
        substr($r, 6, 2) = "\x00\x01";
        $r .= "\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04" . $addr;
        $fh->send($r, 0, $peer);
    }
}
SCRIPT
chmod +x "$server"
run_case wrong
expect "$tmp/wrong/tiny.csv" idle "ok|"
if ! grep -q "^linux-native: bench: counters rx=" "$tmp/wrong.log"; then
    echo "harness-failures: wrong: the stand-in's counters line is missing"
    cat "$tmp/wrong.log"
    exit 1
fi
expect "$tmp/wrong/tiny.csv" paper "failed|1 of 3 responses wrong, the first: A record 10.9.9.9 for server2.local.org, expected 10.0.0.2*"
expect "$tmp/wrong/tiny.csv" rate "failed|3 of 10 responses wrong, the first: A record 10.9.9.9 for server2.local.org*"

# 5. `ukbench boot --serial-log` keeps a native server's output there.
if ! "$ukbench" boot --system linux-native --workload dns \
    --build-dir "$tmp/build" --serial-log "$tmp/native.log" -- true \
    >"$tmp/boot-native.out" 2>&1; then
    echo "harness-failures: boot --serial-log: ukbench boot failed"
    cat "$tmp/boot-native.out"
    exit 1
fi
for line in "bench: ready workload=dns" "bench: counters rx="; do
    if ! grep -q "^$line" "$tmp/native.log" 2>/dev/null; then
        echo "harness-failures: boot --serial-log: \"$line\" not in the log"
        exit 1
    fi
done

# 6. A server that cannot bind its port: the boot row has its stderr.
cat >"$server" <<'SCRIPT'
#!/bin/sh
echo "stand-in: bind 127.0.0.1: Address already in use" >&2
exit 1
SCRIPT
chmod +x "$server"
run_case portinuse
expect "$tmp/portinuse/tiny.csv" boot "failed|system: linux-native: exited before signalling ready (exit status 1)*Address already in use*"
# The summary shows "-" for every figure of a system that never booted
# (the fields after "linux-native": 6 traffic and boot columns, rss, +qemu).
if ! grep -Eq '^linux-native( +-){8}$' "$tmp/portinuse.log" ||
    ! grep -q "^1 of 1 rows failed: the reasons are in the failure column" \
        "$tmp/portinuse.log"; then
    echo "harness-failures: portinuse: summary lacks \"-\" or the failed rows"
    cat "$tmp/portinuse.log"
    exit 1
fi

# 7. Forced KVM where QEMU rejects MSR 0x10a under -cpu max: one retry
# with -cpu max,-arch-capabilities. A stand-in QEMU fails like QEMU 7.2
# on such a nested host, and runs the real QEMU under TCG otherwise.
if [ -f build/unikernel/dns.elf ]; then
    cat >"$tmp/qemu-msr" <<'SCRIPT'
#!/bin/sh
prev=
for a in "$@"; do
    if [ "$prev" = -cpu ] && [ "$a" = max ]; then
        echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000e5" >&2
        exit 1
    fi
    prev=$a
done
for a in "$@"; do
    shift
    [ "$a" = kvm ] && a=tcg
    set -- "$@" "$a"
done
exec qemu-system-x86_64 "$@"
SCRIPT
    chmod +x "$tmp/qemu-msr"
    if ! "$ukbench" boot --system unikernel --workload dns --accel kvm \
        --qemu "$tmp/qemu-msr" -- true >"$tmp/msr.log" 2>&1 ||
        ! grep -q "retrying with -cpu max,-arch-capabilities" "$tmp/msr.log"
    then
        echo "harness-failures: msr: no retry with -cpu max,-arch-capabilities"
        cat "$tmp/msr.log"
        exit 1
    fi
else
    echo "harness-failures: msr case not run: build/unikernel/dns.elf missing"
fi

# 8. No stand-in left running.
if pgrep -f "$tmp/build" >/dev/null; then
    echo "harness-failures: a stand-in server outlived ukbench"
    exit 1
fi
echo "harness-failures: hung, exited, wrongly answering and unstartable" \
    "systems became failed rows"
