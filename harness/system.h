/*
 * system: starts one system under test (the unikernel or the Linux guest
 * under QEMU, or the native Linux server), waits for its ready signal,
 * talks to its control port and stops it again.
 */
#ifndef SYSTEM_H
#define SYSTEM_H

#include <linux/limits.h> /* PATH_MAX without feature macros */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "qemu_cmd.h"

enum system_kind {
    SYSTEM_UNIKERNEL,
    SYSTEM_LINUX_GUEST,
    SYSTEM_LINUX_NATIVE,
    SYSTEM_EMPTY_QEMU, /* a halting image: QEMU's own memory and CPU cost */
};

struct system_config {
    enum system_kind kind;
    const char *workload;   /* "dns" or "echo" */
    const char *build_dir;  /* where build products are, usually "build" */
    const char *work_dir;   /* existing folder for logs and sockets */
    const char *serial_log; /* NULL: WORK_DIR/serial.log (native server:
                               its stdout and stderr, WORK_DIR/server.log) */
    enum qemu_machine machine;
    enum qemu_accel accel;
    enum qemu_net net;
    unsigned mem_mb;
    unsigned port;          /* host port of the service, 0: pick a free one */
    double timeout_s;       /* boot-to-ready limit */
    const char *plugin;     /* TCG plugin .so path, NULL: none */
    const char *qemu;       /* QEMU binary, NULL: from PATH */
    uint32_t empty_loops;   /* SYSTEM_EMPTY_QEMU: guest loop, 0: halt */
    const char *cpu;        /* QEMU -cpu model, NULL: "max" */
    const char *tap_ifname; /* --net tap: the tap device in the namespace */
    const char *guest_ip;   /* ukb.ip, NULL: BENCH_GUEST_IP */
    const char *gateway;    /* ukb.gw and the host side, NULL: default */
};

/* A running system. Fields are read-only for callers. */
struct system {
    struct system_config cfg;
    pid_t pid;             /* QEMU or the native server */
    unsigned port;         /* 127.0.0.1 port of the service */
    unsigned control_port; /* port of the control channel at addr */
    char addr[32];         /* IPv4 address of service and control port */
    int ready_fd;          /* debugcon pipe or native stdout, -1 closed */
    int exited;            /* the child was reaped */
    int wait_status;       /* its wait status when exited */
    double start_s;        /* CLOCK_MONOTONIC at spawn */
    double boot_s;         /* spawn to ready signal, seconds */
    char serial_path[PATH_MAX];
    char qmp_path[PATH_MAX];
    char image[PATH_MAX];  /* kernel image or server binary */
    char initrd[PATH_MAX]; /* "" unless linux-guest */
    char native_out[4096]; /* newest stdout of the native server */
    size_t native_out_len;
    int native_log_fd; /* native: its log, where stdout is copied; -1 */
};

/* Returns "unikernel", "linux-guest", "linux-native", "empty-qemu". */
const char *system_kind_name(enum system_kind k);

/* Parses a --system value; returns 0, or -1 for an unknown name. */
int system_kind_parse(const char *name, enum system_kind *out);

/* Fills defaults: unikernel, dns, build/, pc, tcg, user, 128 MB, 120 s. */
void system_config_init(struct system_config *cfg);

/*
 * Checks, without starting anything, that the build products cfg names
 * exist (image, initramfs) and, for a QEMU system, that the QEMU binary
 * is found. Returns 0, or -1 with the missing file and the fix in err.
 */
int system_check(const struct system_config *cfg, char *err, size_t errlen);

/*
 * Starts the system and waits until it signals ready (the debugcon byte
 * 'R' for a guest, the "bench: ready" stdout line for the native server).
 * On success
 * returns 0 with s->boot_s set. On failure (missing image, QEMU exited,
 * timeout) kills and reaps the child, writes the reason and the last
 * serial lines into err, and returns -1.
 */
int system_start(struct system *s, const struct system_config *cfg, char *err,
                 size_t errlen);

/*
 * Sends the control datagram `cmd` ("stats") and waits up to timeout_s for
 * the reply, copied NUL-terminated into reply[cap]. Returns 0, or -1 with
 * the reason in err.
 */
int system_control(struct system *s, const char *cmd, char *reply, size_t cap,
                   double timeout_s, char *err, size_t errlen);

/*
 * Stops the system: sends "poweroff" (SIGTERM for the native server),
 * waits up to timeout_s for it to exit and kills it if hung. Copies the
 * last counters line the system printed into counters[cap] ("" if none).
 * Returns 0 for a clean exit (QEMU status 33, native status 0), else -1
 * with the reason in err. *status gets the exit status, or -signal when
 * the child had to be killed.
 */
int system_stop(struct system *s, double timeout_s, int *status, char *counters,
                size_t cap, char *err, size_t errlen);

/*
 * Waits up to timeout_s for the child to exit by itself and reaps it.
 * Returns 1 when it has exited (status in s->wait_status), else 0.
 */
int system_wait(struct system *s, double timeout_s);

/* Kills (SIGKILL) and reaps the child if it still runs; idempotent. */
void system_kill(struct system *s);

/* Returns 1 while the child runs, 0 once it has exited (and reaps it). */
int system_alive(struct system *s);

/*
 * Copies the last `lines` lines of the serial log (native: stdout) into
 * buf[cap], with newlines replaced by " | " so the text fits a CSV field.
 */
void system_log_tail(struct system *s, int lines, char *buf, size_t cap);

/* Size in bytes of the booted image plus initramfs, or 0 if unknown. */
uint64_t system_image_bytes(const struct system *s);

/*
 * Finds a free UDP port on 127.0.0.1 by binding port 0. Returns the port,
 * or 0 with the reason in err. NOTE: another program may take the port
 * between this call and QEMU's bind; system_start() then reports QEMU's
 * failure.
 */
unsigned system_free_udp_port(char *err, size_t errlen);

/* Seconds of CLOCK_MONOTONIC. */
double system_now(void);

#endif
