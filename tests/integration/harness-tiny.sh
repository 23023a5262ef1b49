#!/bin/sh
# Runs `ukbench run --profile tiny` on all three systems under TCG into a
# temporary folder and checks the CSV: every row has every column, every
# method column is set, a metric whose method is "unavailable" is empty
# (never 0), each system has an ok row for every mode, the paper-mode
# lookups were all answered, and the CPU figures come from schedstat where
# this kernel has it, with vCPU plus other threads equal to the total.
set -u
cd "$(dirname "$0")/../.."

ukbench=build/harness/ukbench
for f in "$ukbench" build/unikernel/dns.elf build/linux-guest/vmlinuz \
    build/linux-guest/initramfs-dns.cpio build/linux-baseline/server-dns; do
    if [ ! -e "$f" ]; then
        echo "harness-tiny: $f missing: run make first"
        exit 77
    fi
done

out=$(mktemp -d /tmp/ukbench-tiny-XXXXXX)
trap 'rm -rf "$out"' EXIT

if ! "$ukbench" run --profile tiny --accel tcg --out "$out" \
    --systems unikernel,linux-guest,linux-native; then
    echo "harness-tiny: ukbench run failed"
    exit 1
fi

# schedstat exists on kernels built with CONFIG_SCHED_INFO; else ticks.
cpu_method=procstat
[ -e /proc/thread-self/schedstat ] && cpu_method=schedstat

csv="$out/tiny.csv"
[ -s "$csv" ] || { echo "harness-tiny: $csv is empty"; exit 1; }

perl -e '
use strict;
use warnings;

# Splits one RFC 4180 line (no embedded newlines: the harness writes none).
sub fields {
    my ($line) = @_;
    my @f;
    while ($line =~ /\G(?:"((?:[^"]|"")*)"|([^,]*))(,|$)/g) {
        my $v = defined $1 ? $1 : $2;
        $v =~ s/""/"/g if defined $1;
        push @f, $v;
        last if $3 eq "";
    }
    return @f;
}

my %groups = (
    cpu_method => [qw(cpu_total_s)],
    cpu_guest_method => [qw(cpu_guest_s cpu_host_s)],
    cpu_thread_method => [qw(cpu_vcpu_s cpu_io_s)],
    cycles_method => [qw(cycles host_instructions)],
    guest_insn_method => [qw(guest_insn)],
    lat_method => [qw(lat_p50_us lat_p99_us lat_max_us)],
    energy_method => [qw(energy_pkg_j energy_dram_j energy_idle_w energy_attr_j)],
    kvm_exits_method => [qw(kvm_exits)],
    mem_method => [qw(rss_peak_kb rss_empty_qemu_kb rss_empty_qemu_spread_kb)],
);
my @required = qw(run_id time git_commit host_cpu host_cores host_kernel
    qemu_version system workload mode rep status placement);

my $bad = 0;
sub fail { print "harness-tiny: $_[0]\n"; $bad++; }

open my $fh, "<", $ARGV[0] or die "cannot open $ARGV[0]: $!";
chomp(my $header = <$fh>);
my @cols = fields($header);
my %seen;
my $n = 0;
while (my $line = <$fh>) {
    chomp $line;
    $n++;
    my @f = fields($line);
    if (@f != @cols) {
        fail("row $n: " . scalar(@f) . " fields, header has " . scalar(@cols));
        next;
    }
    my %r;
    @r{@cols} = @f;
    my $id = "row $n ($r{system} $r{mode} rep $r{rep})";
    for my $c (@required) {
        fail("$id: $c empty") if $r{$c} eq "";
    }
    for my $m (sort keys %groups) {
        fail("$id: $m empty") if $r{$m} eq "";
        next unless $r{$m} eq "unavailable";
        for my $c (@{$groups{$m}}) {
            fail("$id: $c is \"$r{$c}\" with $m unavailable") if $r{$c} ne "";
        }
    }
    if ($r{status} ne "ok") {
        fail("$id: status $r{status}: $r{failure}");
        next;
    }
    $seen{"$r{system} $r{mode}"}++;
    fail("$id: cpu_method $r{cpu_method}, expected $ARGV[1]")
        if $r{cpu_method} ne $ARGV[1];
    fail("$id: cpu_total_s empty") if $r{cpu_total_s} eq "";
    if ($r{cpu_thread_method} ne "unavailable") {
        # Whole microseconds, written with 6 decimals: the sum is exact.
        my $us = sub { my ($v) = @_; $v =~ s/\.//; return $v + 0; };
        fail("$id: cpu_vcpu_s $r{cpu_vcpu_s} + cpu_io_s $r{cpu_io_s}"
             . " != cpu_total_s $r{cpu_total_s}")
            if $us->($r{cpu_vcpu_s}) + $us->($r{cpu_io_s})
               != $us->($r{cpu_total_s});
    }
    if ($r{system} ne "linux-native") {
        fail("$id: accel $r{accel}, expected tcg") if $r{accel} ne "tcg";
        fail("$id: guest_insn_method $r{guest_insn_method}")
            if $r{guest_insn_method} ne "tcg-plugin";
        fail("$id: rss_empty_qemu_kb empty") if $r{rss_empty_qemu_kb} eq "";
    } else {
        fail("$id: guest_insn set for a native process")
            if $r{guest_insn} ne "";
    }
    if ($r{mode} eq "boot") {
        fail("$id: boot_ready_s empty") if $r{boot_ready_s} eq "";
        fail("$id: no guest instructions counted for a boot")
            if $r{system} ne "linux-native" && !($r{guest_insn} > 0);
    }
    if ($r{mode} eq "paper") {
        fail("$id: no CPU time for $r{queries} lookups")
            if $r{cpu_method} eq "schedstat" && !($r{cpu_total_s} > 0);
        fail("$id: $r{answered} of $r{queries} answered")
            if $r{queries} eq "" || $r{answered} ne $r{queries};
        fail("$id: lat_method $r{lat_method}")
            if $r{lat_method} ne "harness-client";
    }
    if ($r{mode} eq "rate" || $r{mode} eq "dnsperf") {
        fail("$id: offered_qps empty") if $r{offered_qps} eq "";
        fail("$id: achieved_qps empty") if $r{achieved_qps} eq "";
    }
}
for my $s (qw(unikernel linux-guest linux-native)) {
    for my $m (qw(boot idle paper rate dnsperf)) {
        fail("no ok $m row for $s") unless $seen{"$s $m"};
    }
}
print "harness-tiny: $n rows checked, $bad problems\n";
exit($bad ? 1 : 0);
' "$csv" "$cpu_method"
