/*
 * Builds the QEMU command line from a configuration struct. Pure: no I/O,
 * so the unit tests check the exact argv.
 */
#define _GNU_SOURCE
#include "qemu_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/bench_abi.h"

/* Upper bound on QEMU arguments; qemu_cmd_build() checks it. */
#define QEMU_ARGV_MAX 64

struct argv_builder {
    char **argv;
    int argc;
    int failed; /* out of memory or too many arguments */
};

static void add(struct argv_builder *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    if (b->failed)
        return;
    if (b->argc + 1 >= QEMU_ARGV_MAX) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    b->argv[b->argc++] = s;
    b->argv[b->argc] = NULL;
}

size_t qemu_opt_escape(const char *value, char *buf, size_t cap)
{
    size_t n = 0, written = 0;

    for (const char *p = value; *p; p++) {
        size_t len = *p == ',' ? 2 : 1;

        /* A pair is written whole or not at all: half is a separator. */
        if (written == n && n + len < cap) {
            buf[n] = *p;
            if (len == 2)
                buf[n + 1] = ',';
            written += len;
        }
        n += len;
    }
    if (cap > 0)
        buf[written] = '\0';
    return n;
}

/* Returns a heap copy of value with commas doubled, or NULL. */
static char *escaped(struct argv_builder *b, const char *value)
{
    size_t n = qemu_opt_escape(value, NULL, 0);
    char *s = malloc(n + 1);

    if (!s) {
        b->failed = 1;
        return NULL;
    }
    qemu_opt_escape(value, s, n + 1);
    return s;
}

void qemu_config_init(struct qemu_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->machine = QEMU_MACHINE_PC;
    cfg->accel = QEMU_ACCEL_TCG;
    cfg->mem_mb = QEMU_DEFAULT_MEM_MB;
    cfg->debugcon_fd = -1;
    cfg->net = QEMU_NET_USER;
    cfg->guest_port = BENCH_DNS_PORT;
}

static int check_config(const struct qemu_config *cfg, char *err, size_t errlen)
{
    if (!cfg->kernel) {
        snprintf(err, errlen, "qemu: no kernel image given");
        return -1;
    }
    if (cfg->mem_mb == 0) {
        snprintf(err, errlen, "qemu: guest memory of 0 MB");
        return -1;
    }
    if (cfg->net == QEMU_NET_USER &&
        (cfg->host_port == 0 || cfg->control_port == 0 ||
         cfg->guest_port == 0)) {
        snprintf(err, errlen,
                 "qemu: user networking needs the service host port, "
                 "guest port and control port");
        return -1;
    }
    if (cfg->net == QEMU_NET_TAP && !cfg->tap_ifname) {
        snprintf(err, errlen, "qemu: tap networking needs a device name");
        return -1;
    }
    return 0;
}

static void add_net(struct argv_builder *b, const struct qemu_config *cfg)
{
    add(b, "-netdev");
    if (cfg->net == QEMU_NET_USER)
        add(b,
            "user,id=n0,hostfwd=udp:127.0.0.1:%u-:%u,"
            "hostfwd=udp:127.0.0.1:%u-:%u",
            cfg->host_port, cfg->guest_port, cfg->control_port,
            BENCH_CONTROL_PORT);
    else {
        char *ifname = escaped(b, cfg->tap_ifname);

        if (ifname)
            add(b, "tap,id=n0,ifname=%s,script=no,downscript=no", ifname);
        free(ifname);
    }

    /*
     * pc: legacy virtio-net over PCI with no option ROM (iPXE would add
     * firmware work to every boot); microvm has no PCI, so virtio-mmio.
     */
    add(b, "-device");
    if (cfg->machine == QEMU_MACHINE_PC)
        add(b, "virtio-net-pci,netdev=n0,disable-modern=on,romfile=");
    else
        add(b, "virtio-net-device,netdev=n0");
}

char **qemu_cmd_build(const struct qemu_config *cfg, char *err, size_t errlen)
{
    struct argv_builder b = {0};

    if (check_config(cfg, err, errlen) < 0)
        return NULL;
    b.argv = calloc(QEMU_ARGV_MAX, sizeof(*b.argv));
    if (!b.argv) {
        snprintf(err, errlen, "qemu: argv: out of memory");
        return NULL;
    }

    add(&b, "%s", cfg->binary ? cfg->binary : "qemu-system-x86_64");
    add(&b, "-nodefaults");
    add(&b, "-no-user-config");
    add(&b, "-display");
    add(&b, "none");
    /* A triple fault or guest reboot ends QEMU instead of looping. */
    add(&b, "-no-reboot");
    /* Thread names ("CPU 0/TCG") let procstat split vCPU from I/O time. */
    add(&b, "-name");
    add(&b, "ukbench,debug-threads=on");
    add(&b, "-M");
    add(&b, "%s", qemu_machine_name(cfg->machine));
    add(&b, "-accel");
    add(&b, "%s", qemu_accel_name(cfg->accel));
    add(&b, "-cpu");
    add(&b, "%s", cfg->cpu ? cfg->cpu : "max");
    add(&b, "-smp");
    add(&b, "1");
    add(&b, "-m");
    add(&b, "%u", cfg->mem_mb);

    add(&b, "-kernel");
    add(&b, "%s", cfg->kernel);
    if (cfg->initrd) {
        add(&b, "-initrd");
        add(&b, "%s", cfg->initrd);
    }
    if (cfg->append) {
        add(&b, "-append");
        add(&b, "%s", cfg->append);
    }

    /*
     * QEMU 7.2 takes everything after "file:" in -serial as the path, so
     * it stays as given; the values of -qmp, -chardev and -netdev are
     * comma-separated options, where a comma in a path must be doubled.
     */
    add(&b, "-serial");
    if (cfg->serial)
        add(&b, "file:%s", cfg->serial);
    else
        add(&b, "null");

    if (cfg->debugcon_fd >= 0) {
        /* QEMU opens the inherited pipe end again through /dev/fd. */
        add(&b, "-chardev");
        add(&b, "file,id=dbg,path=/dev/fd/%d", cfg->debugcon_fd);
        add(&b, "-device");
        add(&b, "isa-debugcon,iobase=0x%x,chardev=dbg", BENCH_DEBUGCON_PORT);
    }
    add(&b, "-device");
    add(&b, "isa-debug-exit,iobase=0x%x,iosize=0x04", BENCH_EXIT_PORT);

    if (cfg->qmp) {
        char *qmp = escaped(&b, cfg->qmp);

        add(&b, "-qmp");
        if (qmp)
            add(&b, "unix:%s,server=on,wait=off", qmp);
        free(qmp);
    }
    add_net(&b, cfg);
    if (cfg->plugin) {
        add(&b, "-plugin");
        add(&b, "%s", cfg->plugin);
    }

    if (b.failed) {
        snprintf(err, errlen,
                 "qemu: argv: out of memory or over %d "
                 "arguments",
                 QEMU_ARGV_MAX);
        qemu_cmd_free(b.argv);
        return NULL;
    }
    return b.argv;
}

void qemu_cmd_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

const char *qemu_machine_name(enum qemu_machine m)
{
    return m == QEMU_MACHINE_MICROVM ? "microvm" : "pc";
}

const char *qemu_accel_name(enum qemu_accel a)
{
    return a == QEMU_ACCEL_KVM ? "kvm" : "tcg";
}

const char *qemu_net_name(enum qemu_net n)
{
    return n == QEMU_NET_TAP ? "tap" : "user";
}

int qemu_machine_parse(const char *name, enum qemu_machine *out)
{
    if (strcmp(name, "pc") == 0)
        *out = QEMU_MACHINE_PC;
    else if (strcmp(name, "microvm") == 0)
        *out = QEMU_MACHINE_MICROVM;
    else
        return -1;
    return 0;
}

int qemu_accel_parse(const char *name, enum qemu_accel *out)
{
    if (strcmp(name, "tcg") == 0)
        *out = QEMU_ACCEL_TCG;
    else if (strcmp(name, "kvm") == 0)
        *out = QEMU_ACCEL_KVM;
    else
        return -1;
    return 0;
}

int qemu_net_parse(const char *name, enum qemu_net *out)
{
    if (strcmp(name, "user") == 0)
        *out = QEMU_NET_USER;
    else if (strcmp(name, "tap") == 0)
        *out = QEMU_NET_TAP;
    else
        return -1;
    return 0;
}
