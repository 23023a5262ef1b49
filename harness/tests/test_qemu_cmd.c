/*
 * qemu_cmd: the exact QEMU argv for both machine types, and the checks on
 * incomplete configurations.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../qemu_cmd.h"

static void base_config(struct qemu_config *c)
{
    qemu_config_init(c);
    c->kernel = "build/unikernel/dns.elf";
    c->append = "ukb.ip=10.0.2.15";
    c->serial = "/tmp/s.log";
    c->debugcon_fd = 7;
    c->qmp = "/tmp/q.sock";
    c->host_port = 5300;
    c->control_port = 5301;
}

static int argc_of(char **argv)
{
    int n = 0;

    while (argv[n])
        n++;
    return n;
}

/* Returns the index of arg in argv, or -1. */
static int find(char **argv, const char *arg)
{
    for (int i = 0; argv[i]; i++)
        if (strcmp(argv[i], arg) == 0)
            return i;
    return -1;
}

/* Returns the value following option opt, or NULL. */
static const char *value_of(char **argv, const char *opt)
{
    int i = find(argv, opt);

    return i >= 0 ? argv[i + 1] : NULL;
}

Test(qemu_cmd, pc_user_net_exact_argv)
{
    static const char *const expected[] = {
        "qemu-system-x86_64",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-name",
        "ukbench,debug-threads=on",
        "-M",
        "pc",
        "-accel",
        "tcg",
        "-cpu",
        "max",
        "-smp",
        "1",
        "-m",
        "128",
        "-kernel",
        "build/unikernel/dns.elf",
        "-append",
        "ukb.ip=10.0.2.15",
        "-serial",
        "file:/tmp/s.log",
        "-chardev",
        "file,id=dbg,path=/dev/fd/7",
        "-device",
        "isa-debugcon,iobase=0xe9,chardev=dbg",
        "-device",
        "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-qmp",
        "unix:/tmp/q.sock,server=on,wait=off",
        "-netdev",
        "user,id=n0,hostfwd=udp:127.0.0.1:5300-:53,"
        "hostfwd=udp:127.0.0.1:5301-:7777",
        "-device",
        "virtio-net-pci,netdev=n0,disable-modern=on,romfile=",
        NULL,
    };
    struct qemu_config c;
    char err[256];
    char **argv;
    int n = 0;

    base_config(&c);
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    while (expected[n]) {
        cr_assert_not_null(argv[n], "argv ends early at %d", n);
        cr_expect_str_eq(argv[n], expected[n], "argv[%d]", n);
        n++;
    }
    cr_expect_null(argv[n], "extra argument %s", argv[n]);
    qemu_cmd_free(argv);
}

Test(qemu_cmd, microvm_uses_virtio_mmio)
{
    struct qemu_config c;
    char err[256];
    char **argv;

    base_config(&c);
    c.machine = QEMU_MACHINE_MICROVM;
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_str_eq(value_of(argv, "-M"), "microvm");
    cr_expect_eq(find(argv, "virtio-net-device,netdev=n0"), argc_of(argv) - 1);
    cr_expect_eq(find(argv, "virtio-net-pci,netdev=n0,disable-modern=on,"
                            "romfile="),
                 -1);
    qemu_cmd_free(argv);
}

Test(qemu_cmd, initrd_plugin_kvm_and_memory)
{
    struct qemu_config c;
    char err[256];
    char **argv;

    base_config(&c);
    c.initrd = "build/linux-guest/initramfs-dns.cpio";
    c.plugin = "/abs/insn-count.so,out=/tmp/c,mode=insn";
    c.accel = QEMU_ACCEL_KVM;
    c.mem_mb = 2;
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_str_eq(value_of(argv, "-initrd"),
                     "build/linux-guest/initramfs-dns.cpio");
    cr_expect_str_eq(value_of(argv, "-plugin"),
                     "/abs/insn-count.so,out=/tmp/c,mode=insn");
    cr_expect_str_eq(value_of(argv, "-accel"), "kvm");
    cr_expect_str_eq(value_of(argv, "-m"), "2");
    cr_expect_str_eq(value_of(argv, "-smp"), "1");
    qemu_cmd_free(argv);
}

Test(qemu_cmd, optional_parts_left_out)
{
    struct qemu_config c;
    char err[256];
    char **argv;

    base_config(&c);
    c.append = NULL;
    c.serial = NULL;
    c.debugcon_fd = -1;
    c.qmp = NULL;
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_eq(find(argv, "-append"), -1);
    cr_expect_eq(find(argv, "-chardev"), -1);
    cr_expect_eq(find(argv, "-qmp"), -1);
    cr_expect_eq(find(argv, "-initrd"), -1);
    cr_expect_eq(find(argv, "-plugin"), -1);
    cr_expect_str_eq(value_of(argv, "-serial"), "null");
    /* The exit device is always there: its exit status marks a clean stop. */
    cr_expect_neq(find(argv, "isa-debug-exit,iobase=0xf4,iosize=0x04"), -1);
    qemu_cmd_free(argv);
}

Test(qemu_cmd, tap_backend)
{
    struct qemu_config c;
    char err[256];
    char **argv;

    base_config(&c);
    c.net = QEMU_NET_TAP;
    c.tap_ifname = "ukbtap0";
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_str_eq(value_of(argv, "-netdev"),
                     "tap,id=n0,ifname=ukbtap0,script=no,downscript=no");
    qemu_cmd_free(argv);
}

Test(qemu_cmd, echo_guest_port)
{
    struct qemu_config c;
    char err[256];
    char **argv;

    base_config(&c);
    c.guest_port = 7;
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_str_eq(value_of(argv, "-netdev"),
                     "user,id=n0,hostfwd=udp:127.0.0.1:5300-:7,"
                     "hostfwd=udp:127.0.0.1:5301-:7777");
    qemu_cmd_free(argv);
}

Test(qemu_cmd, incomplete_configs_rejected)
{
    struct qemu_config c;
    char err[256];

    base_config(&c);
    c.kernel = NULL;
    cr_expect_null(qemu_cmd_build(&c, err, sizeof(err)));
    cr_expect(strstr(err, "kernel") != NULL, "message: %s", err);

    base_config(&c);
    c.mem_mb = 0;
    cr_expect_null(qemu_cmd_build(&c, err, sizeof(err)));
    cr_expect(strstr(err, "memory") != NULL, "message: %s", err);

    base_config(&c);
    c.host_port = 0;
    cr_expect_null(qemu_cmd_build(&c, err, sizeof(err)));
    cr_expect(strstr(err, "port") != NULL, "message: %s", err);

    base_config(&c);
    c.net = QEMU_NET_TAP;
    cr_expect_null(qemu_cmd_build(&c, err, sizeof(err)));
    cr_expect(strstr(err, "tap") != NULL, "message: %s", err);
}

Test(qemu_cmd, names_round_trip)
{
    enum qemu_machine m;
    enum qemu_accel a;
    enum qemu_net n;

    cr_expect_eq(qemu_machine_parse("microvm", &m), 0);
    cr_expect_str_eq(qemu_machine_name(m), "microvm");
    cr_expect_eq(qemu_machine_parse("q35", &m), -1);
    cr_expect_eq(qemu_accel_parse("kvm", &a), 0);
    cr_expect_str_eq(qemu_accel_name(a), "kvm");
    cr_expect_eq(qemu_accel_parse("hvf", &a), -1);
    cr_expect_eq(qemu_net_parse("tap", &n), 0);
    cr_expect_str_eq(qemu_net_name(n), "tap");
    cr_expect_eq(qemu_net_parse("bridge", &n), -1);
}

Test(qemu_cmd, commas_in_paths_doubled)
{
    struct qemu_config c;
    char err[256];
    char **argv;

    base_config(&c);
    c.serial = "/tmp/a,b/serial.log";
    c.qmp = "/tmp/a,b/qmp.sock";
    c.plugin = "/tmp/a,,b/insn-count.so,out=/tmp/a,,b/c,mode=tb";
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_str_eq(value_of(argv, "-qmp"),
                     "unix:/tmp/a,,b/qmp.sock,server=on,wait=off");
    /* QEMU 7.2 takes the rest of "file:..." verbatim: doubling would break
     * it. */
    cr_expect_str_eq(value_of(argv, "-serial"), "file:/tmp/a,b/serial.log");
    /* The caller doubles the commas inside the plugin's values. */
    cr_expect_str_eq(value_of(argv, "-plugin"),
                     "/tmp/a,,b/insn-count.so,out=/tmp/a,,b/c,mode=tb");
    qemu_cmd_free(argv);

    base_config(&c);
    c.net = QEMU_NET_TAP;
    c.tap_ifname = "t,0";
    argv = qemu_cmd_build(&c, err, sizeof(err));
    cr_assert_not_null(argv, "%s", err);
    cr_expect_str_eq(value_of(argv, "-netdev"),
                     "tap,id=n0,ifname=t,,0,script=no,downscript=no");
    qemu_cmd_free(argv);
}

Test(qemu_cmd, opt_escape_sizes_like_snprintf)
{
    char buf[8];

    cr_expect_eq(qemu_opt_escape("a,b", NULL, 0), 4);
    cr_expect_eq(qemu_opt_escape("a,b", buf, sizeof(buf)), 4);
    cr_expect_str_eq(buf, "a,,b");
    cr_expect_eq(qemu_opt_escape(",,,,", buf, sizeof(buf)), 8);
    cr_expect_str_eq(buf, ",,,,,,", "a comma pair was split");
    cr_expect_eq(qemu_opt_escape("", buf, sizeof(buf)), 0);
    cr_expect_str_eq(buf, "");
}
