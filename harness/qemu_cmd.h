/*
 * The one place that builds the QEMU command line, for the unikernel and
 * the Linux guest alike, so that both run under identical settings.
 */
#ifndef QEMU_CMD_H
#define QEMU_CMD_H

#include <stddef.h>

enum qemu_machine { QEMU_MACHINE_PC, QEMU_MACHINE_MICROVM };
enum qemu_accel { QEMU_ACCEL_TCG, QEMU_ACCEL_KVM };
enum qemu_net { QEMU_NET_USER, QEMU_NET_TAP };

#define QEMU_DEFAULT_MEM_MB 128

struct qemu_config {
    const char *binary; /* NULL: "qemu-system-x86_64" from PATH */
    enum qemu_machine machine;
    enum qemu_accel accel;
    const char *cpu;    /* -cpu model, NULL: "max" */
    unsigned mem_mb;    /* guest RAM, -m */
    const char *kernel; /* image booted with -kernel */
    const char *initrd; /* NULL: no -initrd */
    const char *append; /* kernel command line, NULL: no -append */
    const char *serial; /* file the serial port writes; NULL: none */
    int debugcon_fd;    /* fd QEMU inherits for isa-debugcon, -1: none */
    const char *qmp;    /* UNIX socket path QEMU listens on; NULL: none */
    enum qemu_net net;
    const char *tap_ifname; /* tap device for QEMU_NET_TAP */
    unsigned host_port;     /* user net: 127.0.0.1 port forwarded to... */
    unsigned guest_port;    /* ...this guest UDP port (the service) */
    unsigned control_port;  /* user net: host port forwarded to 7777 */
    const char *plugin;     /* "-plugin" argument with the commas inside
                               its values doubled (qemu_opt_escape), NULL:
                               no plugin */
};

/*
 * Fills `cfg` with the defaults shared by every guest: pc, tcg, 128 MB,
 * user networking, no debugcon fd.
 */
void qemu_config_init(struct qemu_config *cfg);

/*
 * Builds the QEMU argv for `cfg`: a NULL-terminated array of strings, all
 * allocated, to free with qemu_cmd_free(). Returns NULL and writes the
 * reason into err[errlen] when the configuration is incomplete (no
 * kernel, user net without host ports, tap without a device name, memory
 * of 0) or memory runs out.
 */
char **qemu_cmd_build(const struct qemu_config *cfg, char *err, size_t errlen);

/*
 * Writes value into buf[cap] with every comma doubled, as QEMU's
 * comma-separated option values need (a path in "path=..."). Returns the
 * length the result needs without the NUL, like snprintf; a truncated
 * result ends before a comma pair rather than inside it. buf may be NULL
 * when cap is 0.
 */
size_t qemu_opt_escape(const char *value, char *buf, size_t cap);

/* Frees an argv returned by qemu_cmd_build(); NULL is ignored. */
void qemu_cmd_free(char **argv);

/* Returns "pc"/"microvm", "tcg"/"kvm", "user"/"tap". */
const char *qemu_machine_name(enum qemu_machine m);
const char *qemu_accel_name(enum qemu_accel a);
const char *qemu_net_name(enum qemu_net n);

/*
 * Parses a machine, accelerator or network name into *out. Returns 0, or
 * -1 when `name` is not one of the names above.
 */
int qemu_machine_parse(const char *name, enum qemu_machine *out);
int qemu_accel_parse(const char *name, enum qemu_accel *out);
int qemu_net_parse(const char *name, enum qemu_net *out);

#endif
