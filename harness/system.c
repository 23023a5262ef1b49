/*
 * Starting, signalling and stopping a system under test. QEMU and the
 * native server run as children started with fork/exec (no shell), each in
 * its own process group and with PR_SET_PDEATHSIG, so a crash of the
 * harness does not leave them running.
 */
#define _GNU_SOURCE
#include "system.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../include/bench_abi.h"
#include "emptyvm.h"
#include "qmp.h"

static const char *const kind_names[] = {
    [SYSTEM_UNIKERNEL] = "unikernel",
    [SYSTEM_LINUX_GUEST] = "linux-guest",
    [SYSTEM_LINUX_NATIVE] = "linux-native",
    [SYSTEM_EMPTY_QEMU] = "empty-qemu",
};

const char *system_kind_name(enum system_kind k)
{
    return kind_names[k];
}

int system_kind_parse(const char *name, enum system_kind *out)
{
    for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum system_kind)i;
            return 0;
        }
    }
    return -1;
}

void system_config_init(struct system_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->kind = SYSTEM_UNIKERNEL;
    cfg->workload = "dns";
    cfg->build_dir = "build";
    cfg->work_dir = ".";
    cfg->machine = QEMU_MACHINE_PC;
    cfg->accel = QEMU_ACCEL_TCG;
    cfg->net = QEMU_NET_USER;
    cfg->mem_mb = QEMU_DEFAULT_MEM_MB;
    cfg->timeout_s = 120;
}

double system_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_qemu(const struct system *s)
{
    return s->cfg.kind != SYSTEM_LINUX_NATIVE;
}

unsigned system_free_udp_port(char *err, size_t errlen)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        snprintf(err, errlen, "system: UDP socket: socket failed: %s",
                 strerror(errno));
        return 0;
    }
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        snprintf(err, errlen, "system: 127.0.0.1:0: bind failed: %s",
                 strerror(errno));
        close(fd);
        return 0;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* Reads a whole small text file into a new string; NULL on failure. */
static char *read_text(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *buf;
    size_t n;

    if (!f) {
        snprintf(err, errlen, "system: %s: open failed: %s", path,
                 strerror(errno));
        return NULL;
    }
    buf = calloc(1, 8192);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "system: %s: out of memory", path);
        return NULL;
    }
    n = fread(buf, 1, 8191, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return buf;
}

static int check_file(const char *path, const char *what, char *err,
                      size_t errlen)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        snprintf(err, errlen,
                 "system: %s: %s not found: %s (build it with `make`)", path,
                 what, strerror(errno));
        return -1;
    }
    return 0;
}

/* Fills s->image (and s->initrd), checking that the build products exist. */
static int locate_image(struct system *s, char *err, size_t errlen)
{
    const struct system_config *c = &s->cfg;
    const char *b = c->build_dir;

    switch (c->kind) {
    case SYSTEM_UNIKERNEL:
        snprintf(s->image, sizeof(s->image), "%s/unikernel/%s.elf", b,
                 c->workload);
        break;
    case SYSTEM_LINUX_GUEST:
        snprintf(s->image, sizeof(s->image), "%s/linux-guest/vmlinuz", b);
        snprintf(s->initrd, sizeof(s->initrd),
                 "%s/linux-guest/initramfs-%s.cpio", b, c->workload);
        if (check_file(s->initrd, "guest initramfs", err, errlen) < 0)
            return -1;
        break;
    case SYSTEM_LINUX_NATIVE:
        snprintf(s->image, sizeof(s->image), "%s/linux-baseline/server-%s", b,
                 c->workload);
        break;
    case SYSTEM_EMPTY_QEMU:
        snprintf(s->image, sizeof(s->image), "%s/empty-vm.elf", c->work_dir);
        return emptyvm_write(s->image, c->empty_loops, err, errlen);
    }
    return check_file(s->image, "image", err, errlen);
}

/* Returns whether `name` is an executable path, or is found in $PATH. */
static int executable_found(const char *name)
{
    const char *path = getenv("PATH");
    char candidate[PATH_MAX];

    if (strchr(name, '/'))
        return access(name, X_OK) == 0;
    while (path && *path) {
        size_t len = strcspn(path, ":");

        snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)len, path, name);
        if (len > 0 && access(candidate, X_OK) == 0)
            return 1;
        path += len + (path[len] == ':');
    }
    return 0;
}

int system_check(const struct system_config *cfg, char *err, size_t errlen)
{
    struct system *s = calloc(1, sizeof(*s));
    const char *qemu = cfg->qemu ? cfg->qemu : "qemu-system-x86_64";
    int rc;

    if (!s) {
        snprintf(err, errlen, "system: out of memory");
        return -1;
    }
    s->cfg = *cfg;
    rc = locate_image(s, err, errlen);
    free(s);
    if (rc == 0 && cfg->kind != SYSTEM_LINUX_NATIVE &&
        !executable_found(qemu)) {
        snprintf(err, errlen,
                 "system: %s: QEMU not found or not executable (install "
                 "qemu-system-x86 or give --qemu PATH)",
                 qemu);
        rc = -1;
    }
    return rc;
}

/* Builds the guest kernel command line: the Linux guest's own, then keys. */
static char *guest_append(const struct system *s, char *err, size_t errlen)
{
    const struct system_config *c = &s->cfg;
    char path[PATH_MAX];
    char keys[160];
    char *base;
    char *out;

    if (c->kind == SYSTEM_EMPTY_QEMU)
        return strdup("");
    snprintf(keys, sizeof(keys), "ukb.ip=%s ukb.mask=%s ukb.gw=%s",
             c->guest_ip ? c->guest_ip : BENCH_GUEST_IP, BENCH_GUEST_NETMASK,
             c->gateway ? c->gateway : BENCH_GUEST_GATEWAY);
    if (c->kind != SYSTEM_LINUX_GUEST)
        return strdup(keys);
    snprintf(path, sizeof(path), "%s/linux-guest/cmdline", c->build_dir);
    base = read_text(path, err, errlen);
    if (!base)
        return NULL;
    if (asprintf(&out, "%s %s", base, keys) < 0)
        out = NULL;
    free(base);
    return out;
}

/*
 * Runs in the child between fork and exec: own process group, dies with
 * the harness, stdin from /dev/null, stdout and stderr as given.
 */
static void child_setup(int out_fd, int err_fd, int keep_fd)
{
    int devnull = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (devnull >= 0)
        dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (keep_fd >= 0)
        fcntl(keep_fd, F_SETFD, 0); /* QEMU reopens it via /dev/fd */
}

static int spawn(struct system *s, char **argv, int out_fd, int err_fd,
                 int keep_fd, char *err, size_t errlen)
{
    pid_t pid = fork();

    if (pid < 0) {
        snprintf(err, errlen, "system: %s: fork failed: %s", argv[0],
                 strerror(errno));
        return -1;
    }
    if (pid == 0) {
        child_setup(out_fd, err_fd, keep_fd);
        execvp(argv[0], argv);
        dprintf(2, "system: %s: exec failed: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    s->pid = pid;
    s->start_s = system_now();
    return 0;
}

/* Opens the log at path, emptied; O_APPEND keeps two writers' lines whole. */
static int open_log(const char *path, char *err, size_t errlen)
{
    int fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);

    if (fd < 0)
        snprintf(err, errlen, "system: %s: open failed: %s", path,
                 strerror(errno));
    return fd;
}

static int start_qemu(struct system *s, int pipe_w, char *err, size_t errlen)
{
    struct qemu_config q;
    char path[PATH_MAX];
    char **argv;
    char *append = guest_append(s, err, errlen);
    int log_fd;
    int rc;

    if (!append)
        return -1;
    qemu_config_init(&q);
    q.binary = s->cfg.qemu;
    q.machine = s->cfg.machine;
    q.accel = s->cfg.accel;
    q.cpu = s->cfg.cpu;
    q.mem_mb = s->cfg.mem_mb;
    q.kernel = s->image;
    q.initrd = s->initrd[0] ? s->initrd : NULL;
    q.append = append[0] ? append : NULL;
    q.serial = s->serial_path;
    q.debugcon_fd = pipe_w;
    q.qmp = s->qmp_path;
    q.net = s->cfg.net;
    q.tap_ifname = s->cfg.tap_ifname;
    q.host_port = s->port;
    q.guest_port =
        strcmp(s->cfg.workload, "echo") == 0 ? BENCH_ECHO_PORT : BENCH_DNS_PORT;
    q.control_port = s->control_port;
    q.plugin = s->cfg.plugin;

    argv = qemu_cmd_build(&q, err, errlen);
    free(append);
    if (!argv)
        return -1;
    snprintf(path, sizeof(path), "%s/qemu.log", s->cfg.work_dir);
    log_fd = open_log(path, err, errlen);
    if (log_fd < 0) {
        qemu_cmd_free(argv);
        return -1;
    }
    rc = spawn(s, argv, log_fd, log_fd, pipe_w, err, errlen);
    close(log_fd);
    qemu_cmd_free(argv);
    return rc;
}

/*
 * Starts the native server with stdout on the ready pipe and stderr in
 * its log (s->serial_path), where the harness copies stdout as it reads.
 */
static int start_native(struct system *s, int pipe_w, char *err, size_t errlen)
{
    char port[16], control[16];
    char *argv[] = {s->image, "--address",      "127.0.0.1", "--port",
                    port,     "--control-port", control,     NULL};
    int log_fd = open_log(s->serial_path, err, errlen);
    int rc;

    if (log_fd < 0)
        return -1;
    snprintf(port, sizeof(port), "%u", s->port);
    snprintf(control, sizeof(control), "%u", s->control_port);
    rc = spawn(s, argv, pipe_w, log_fd, -1, err, errlen);
    if (rc < 0)
        close(log_fd);
    else
        s->native_log_fd = log_fd;
    return rc;
}

/*
 * Keeps n bytes of the native server's stdout: the newest 4 kB in
 * s->native_out, all of it in its log.
 */
static void keep_native_out(struct system *s, const char *buf, size_t n)
{
    size_t room = sizeof(s->native_out) - 1 - s->native_out_len;

    if (s->native_log_fd >= 0 &&
        write(s->native_log_fd, buf, n) != (ssize_t)n) {
        fprintf(stderr,
                "system: %s: write failed: %s; the log misses "
                "server output from here on\n",
                s->serial_path, strerror(errno));
        close(s->native_log_fd);
        s->native_log_fd = -1;
    }
    if (n > sizeof(s->native_out) - 1) {
        buf += n - (sizeof(s->native_out) - 1);
        n = sizeof(s->native_out) - 1;
    }
    /* Drop the oldest output: the counters line comes last. */
    if (n > room) {
        size_t drop = n - room;

        memmove(s->native_out, s->native_out + drop, s->native_out_len - drop);
        s->native_out_len -= drop;
    }
    memcpy(s->native_out + s->native_out_len, buf, n);
    s->native_out_len += n;
    s->native_out[s->native_out_len] = '\0';
}

static const char *describe_status(int status);

/*
 * Describes how a child that closed its ready pipe ended, waiting up to
 * 2 s for it to exit: the exit status (QEMU's decoded) or the signal.
 */
static void describe_early_exit(struct system *s, char *buf, size_t cap)
{
    int st;

    if (!system_wait(s, 2.0)) {
        snprintf(buf, cap, "closed its output but still runs");
        return;
    }
    st = s->wait_status;
    if (WIFSIGNALED(st))
        snprintf(buf, cap, "killed by signal %d, %s", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else if (is_qemu(s))
        snprintf(buf, cap, "QEMU exit status %d: %s", WEXITSTATUS(st),
                 describe_status(WEXITSTATUS(st)));
    else
        snprintf(buf, cap, "exit status %d", WEXITSTATUS(st));
}

/*
 * Waits for the ready signal on s->ready_fd. QEMU's debugcon pipe carries
 * the byte 'R'; the native server's stdout carries the ready line. EOF
 * means the child closed it, which it does only by exiting.
 */
static int wait_ready(struct system *s, char *err, size_t errlen)
{
    double deadline = s->start_s + s->cfg.timeout_s;

    for (;;) {
        double left = deadline - system_now();
        struct pollfd p = {.fd = s->ready_fd, .events = POLLIN};
        char buf[512];
        ssize_t n;
        int rc;

        if (left <= 0) {
            snprintf(err, errlen,
                     "system: %s: no ready signal within %.0f s (raise "
                     "--timeout if the host is slow)",
                     system_kind_name(s->cfg.kind), s->cfg.timeout_s);
            return -1;
        }
        rc = poll(&p, 1, (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            snprintf(err, errlen, "system: ready pipe: poll failed: %s",
                     strerror(errno));
            return -1;
        }
        if (rc == 0)
            continue;
        n = read(s->ready_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            char how[160];

            describe_early_exit(s, how, sizeof(how));
            snprintf(err, errlen,
                     "system: %s: exited before signalling ready (%s)",
                     system_kind_name(s->cfg.kind), how);
            return -1;
        }
        if (is_qemu(s)) {
            if (memchr(buf, BENCH_READY_BYTE, (size_t)n))
                return 0;
            continue;
        }
        keep_native_out(s, buf, (size_t)n);
        if (strstr(s->native_out, BENCH_READY_LINE))
            return 0;
    }
}

static void format_tail(const char *text, size_t len, int lines, char *buf,
                        size_t cap);
static char *slurp(const char *path, size_t *len);

/*
 * Appends to err what a system that failed to start printed: the last
 * serial lines (native: its log) and, for QEMU, the last lines of its
 * stderr when the serial log did not already fall back to them.
 */
static void append_start_output(struct system *s, char *err, size_t errlen)
{
    size_t used = strlen(err);
    struct stat st;
    char path[PATH_MAX];
    char *text;
    size_t len;

    if (used + 1 >= errlen)
        return;
    snprintf(err + used, errlen - used, "; last output: ");
    used = strlen(err);
    system_log_tail(s, 5, err + used, errlen - used);
    if (!is_qemu(s) || stat(s->serial_path, &st) < 0 || st.st_size == 0)
        return;
    snprintf(path, sizeof(path), "%s/qemu.log", s->cfg.work_dir);
    text = slurp(path, &len);
    used = strlen(err);
    if (text && len > 0 && used + 16 < errlen) {
        snprintf(err + used, errlen - used, "; QEMU stderr: ");
        used = strlen(err);
        format_tail(text, len, 3, err + used, errlen - used);
    }
    free(text);
}

int system_start(struct system *s, const struct system_config *cfg, char *err,
                 size_t errlen)
{
    int fds[2];
    int rc;

    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->pid = -1;
    s->ready_fd = -1;
    s->native_log_fd = -1;
    if (cfg->serial_log)
        snprintf(s->serial_path, sizeof(s->serial_path), "%s", cfg->serial_log);
    else
        snprintf(s->serial_path, sizeof(s->serial_path), "%s/%s", cfg->work_dir,
                 cfg->kind == SYSTEM_LINUX_NATIVE ? "server.log"
                                                  : "serial.log");
    snprintf(s->qmp_path, sizeof(s->qmp_path), "%s/qmp.sock", cfg->work_dir);
    if (locate_image(s, err, errlen) < 0)
        return -1;

    snprintf(s->addr, sizeof(s->addr), "127.0.0.1");
    if (cfg->net == QEMU_NET_TAP && is_qemu(s)) {
        /* The guest is reached directly on its own address and ports. */
        snprintf(s->addr, sizeof(s->addr), "%s",
                 cfg->guest_ip ? cfg->guest_ip : BENCH_GUEST_IP);
        s->port = strcmp(cfg->workload, "echo") == 0 ? BENCH_ECHO_PORT
                                                     : BENCH_DNS_PORT;
        s->control_port = BENCH_CONTROL_PORT;
    } else {
        s->port = cfg->port ? cfg->port : system_free_udp_port(err, errlen);
        s->control_port = system_free_udp_port(err, errlen);
        if (s->port == 0 || s->control_port == 0)
            return -1;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "system: ready pipe: pipe2 failed: %s",
                 strerror(errno));
        return -1;
    }
    s->ready_fd = fds[0];

    if (is_qemu(s))
        rc = start_qemu(s, fds[1], err, errlen);
    else
        rc = start_native(s, fds[1], err, errlen);
    close(fds[1]); /* only the child has the write end now */
    if (rc < 0) {
        close(s->ready_fd);
        s->ready_fd = -1;
        return -1;
    }

    if (wait_ready(s, err, errlen) < 0) {
        system_kill(s);
        append_start_output(s, err, errlen);
        return -1;
    }
    s->boot_s = system_now() - s->start_s;
    return 0;
}

int system_alive(struct system *s)
{
    int st;
    pid_t r;

    if (s->exited || s->pid <= 0)
        return 0;
    r = waitpid(s->pid, &st, WNOHANG);
    if (r == s->pid || (r < 0 && errno == ECHILD)) {
        s->exited = 1;
        s->wait_status = r == s->pid ? st : 0;
        return 0;
    }
    return 1;
}

void system_kill(struct system *s)
{
    if (s->pid == 0)
        return; /* never started: a zeroed struct, whose fds are not ours */
    if (s->pid > 0 && !s->exited) {
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, &s->wait_status, 0) < 0 && errno == EINTR)
            ;
        s->exited = 1;
    }
    if (s->ready_fd >= 0) {
        close(s->ready_fd);
        s->ready_fd = -1;
    }
    if (s->native_log_fd >= 0) {
        close(s->native_log_fd);
        s->native_log_fd = -1;
    }
}

int system_control(struct system *s, const char *cmd, char *reply, size_t cap,
                   double timeout_s, char *err, size_t errlen)
{
    struct sockaddr_in a = {0};
    double deadline = system_now() + timeout_s;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        snprintf(err, errlen, "system: control socket: socket failed: %s",
                 strerror(errno));
        return -1;
    }
    a.sin_family = AF_INET;
    inet_pton(AF_INET, s->addr, &a.sin_addr);
    a.sin_port = htons((uint16_t)s->control_port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        snprintf(err, errlen, "system: %s:%u: connect failed: %s", s->addr,
                 s->control_port, strerror(errno));
        close(fd);
        return -1;
    }
    /* UDP may drop: resend every 500 ms until the deadline. */
    while (system_now() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (send(fd, cmd, strlen(cmd), 0) < 0 && errno != ECONNREFUSED) {
            snprintf(err, errlen, "system: %s:%u: send failed: %s", s->addr,
                     s->control_port, strerror(errno));
            break;
        }
        if (poll(&p, 1, 500) <= 0)
            continue;
        n = recv(fd, reply, cap - 1, 0);
        if (n < 0)
            continue;
        reply[n] = '\0';
        while (n > 0 && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
            reply[--n] = '\0';
        close(fd);
        return 0;
    }
    if (system_now() >= deadline)
        snprintf(err, errlen,
                 "system: control port %s:%u: no reply to \"%s\" "
                 "within %.1f s",
                 s->addr, s->control_port, cmd, timeout_s);
    close(fd);
    return -1;
}

/* Sends one control datagram without waiting for a reply. */
static void control_send(const struct system *s, const char *cmd)
{
    struct sockaddr_in a = {0};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return;
    a.sin_family = AF_INET;
    inet_pton(AF_INET, s->addr, &a.sin_addr);
    a.sin_port = htons((uint16_t)s->control_port);
    if (sendto(fd, cmd, strlen(cmd), 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
        /* The exit wait reports the outcome; a lost datagram is resent. */
    }
    close(fd);
}

/*
 * Appends the native server's stdout to s->native_out until EOF, or for up
 * to timeout_s (0: only what is already there).
 */
static void drain_native(struct system *s, double timeout_s)
{
    double deadline = system_now() + timeout_s;

    while (s->ready_fd >= 0) {
        struct pollfd p = {.fd = s->ready_fd, .events = POLLIN};
        double left = deadline - system_now();
        char buf[512];
        ssize_t n;

        if (poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 0) <= 0)
            break;
        n = read(s->ready_fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        keep_native_out(s, buf, (size_t)n);
    }
}

/* Reads the file at path into a heap buffer (the serial log). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;

    *len = 0;
    if (!f)
        return NULL;
    for (;;) {
        char *grown;
        size_t n;

        if (cap - *len < 4096) {
            cap = cap ? cap * 2 : 16384;
            grown = realloc(buf, cap + 1);
            if (!grown)
                break;
            buf = grown;
        }
        n = fread(buf + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

/*
 * Copies the last line of text that starts with prefix into out, or ""
 * when there is none (text may be NULL).
 */
static void last_line_with(const char *text, const char *prefix, char *out,
                           size_t cap)
{
    const char *found = NULL;
    const char *p = text;

    if (cap == 0)
        return;
    out[0] = '\0';
    while (p && (p = strstr(p, prefix))) {
        found = p;
        p += strlen(prefix);
    }
    if (!found)
        return;
    snprintf(out, cap, "%.*s", (int)strcspn(found, "\r\n"), found);
}

static void read_counters(struct system *s, char *counters, size_t cap)
{
    char *log;
    size_t len;

    if (!is_qemu(s)) {
        last_line_with(s->native_out, BENCH_COUNTERS_PREFIX, counters, cap);
        return;
    }
    log = slurp(s->serial_path, &len);
    if (!log) {
        counters[0] = '\0';
        return;
    }
    last_line_with(log, BENCH_COUNTERS_PREFIX, counters, cap);
    free(log);
}

static int exit_code_ok(const struct system *s, int status)
{
    if (s->cfg.kind == SYSTEM_LINUX_NATIVE)
        return status == 0;
    if (s->cfg.kind == SYSTEM_EMPTY_QEMU)
        return status == 0 || /* stopped by QMP quit */
               status == BENCH_EXIT_STATUS(BENCH_EXIT_OK); /* loop image */
    return status == BENCH_EXIT_STATUS(BENCH_EXIT_OK);
}

/* Describes a QEMU exit status with the guest's own exit codes. */
static const char *describe_status(int status)
{
    switch (status) {
    case BENCH_EXIT_STATUS(BENCH_EXIT_OK):
        return "clean power-off";
    case BENCH_EXIT_STATUS(BENCH_EXIT_PANIC):
        return "guest panic";
    case BENCH_EXIT_STATUS(BENCH_EXIT_FAIL):
        return "guest start-up failure";
    case 0:
        return "QEMU exited without the exit device (reset or quit)";
    default:
        return "QEMU error";
    }
}

/* Waits until the child exits or the deadline passes; 1 if exited. */
static int wait_exit(struct system *s, double deadline)
{
    while (system_alive(s)) {
        if (system_now() >= deadline)
            return 0;
        usleep(1000);
    }
    return 1;
}

int system_wait(struct system *s, double timeout_s)
{
    return wait_exit(s, system_now() + timeout_s);
}

static void request_stop(struct system *s)
{
    struct qmp *q;
    char err[256];

    if (s->cfg.kind != SYSTEM_EMPTY_QEMU) {
        control_send(s, "poweroff");
        return;
    }
    q = qmp_connect(s->qmp_path, err, sizeof(err));
    if (q) {
        qmp_quit(q, err, sizeof(err));
        qmp_close(q);
    }
}

int system_stop(struct system *s, double timeout_s, int *status, char *counters,
                size_t cap, char *err, size_t errlen)
{
    double deadline = system_now() + timeout_s;
    int killed = 0;

    /* "poweroff" is a datagram and may drop: resend once a second. */
    while (!s->exited && system_now() < deadline) {
        request_stop(s);
        wait_exit(s, system_now() + 1.0 < deadline ? system_now() + 1.0
                                                   : deadline);
    }
    if (!s->exited) {
        if (s->cfg.kind == SYSTEM_LINUX_NATIVE) {
            kill(s->pid, SIGTERM);
            wait_exit(s, system_now() + 2.0);
        }
        if (!s->exited) {
            killed = 1;
            system_kill(s);
        }
    }
    if (!is_qemu(s))
        drain_native(s, 1.0);
    system_kill(s); /* closes the ready pipe */
    read_counters(s, counters, cap);

    if (killed || WIFSIGNALED(s->wait_status)) {
        *status =
            WIFSIGNALED(s->wait_status) ? -WTERMSIG(s->wait_status) : -SIGKILL;
        snprintf(err, errlen,
                 "system: %s: did not exit within %.0f s of poweroff; "
                 "killed",
                 system_kind_name(s->cfg.kind), timeout_s);
        return -1;
    }
    *status = WEXITSTATUS(s->wait_status);
    if (!exit_code_ok(s, *status)) {
        snprintf(err, errlen, "system: %s: exit status %d (%s)",
                 system_kind_name(s->cfg.kind), *status,
                 is_qemu(s) ? describe_status(*status) : "server error");
        return -1;
    }
    return 0;
}

/*
 * Copies the last `lines` lines of text[0..len) into buf[cap] (cap > 0),
 * newlines replaced by " | ".
 */
static void format_tail(const char *text, size_t len, int lines, char *buf,
                        size_t cap)
{
    const char *start;
    size_t o = 0;

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    start = text + len;
    for (int n = 0; start > text; start--) {
        if (start[-1] == '\n' && ++n == lines)
            break;
    }
    for (const char *p = start; p < text + len && o + 4 < cap; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            memcpy(buf + o, " | ", 3);
            o += 3;
        } else {
            buf[o++] = (*p >= 32 && *p < 127) ? *p : '?';
        }
    }
    buf[o] = '\0';
}

void system_log_tail(struct system *s, int lines, char *buf, size_t cap)
{
    char *owned = NULL;
    const char *text;
    size_t len;

    if (cap == 0)
        return;
    buf[0] = '\0';
    if (is_qemu(s)) {
        owned = slurp(s->serial_path, &len);
        if (!owned || len == 0) {
            /* Nothing on serial: QEMU's own error output is the clue. */
            char path[PATH_MAX];
            free(owned);
            snprintf(path, sizeof(path), "%s/qemu.log", s->cfg.work_dir);
            owned = slurp(path, &len);
        }
        text = owned ? owned : "";
    } else {
        /* The log has stderr (a failed bind, say) besides stdout. */
        drain_native(s, 0);
        owned = slurp(s->serial_path, &len);
        text = owned ? owned : s->native_out;
        if (!owned)
            len = s->native_out_len;
    }
    format_tail(text, len, lines, buf, cap);
    free(owned);
}

uint64_t system_image_bytes(const struct system *s)
{
    struct stat st;
    uint64_t total = 0;

    if (stat(s->image, &st) == 0)
        total += (uint64_t)st.st_size;
    else
        return 0;
    if (s->initrd[0]) {
        if (stat(s->initrd, &st) != 0)
            return 0;
        total += (uint64_t)st.st_size;
    }
    return total;
}
