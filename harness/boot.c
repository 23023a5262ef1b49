/*
 * `ukbench boot`: boot one system, print the ready line, run a command
 * against it (or hold until EOF on stdin or a signal), power it off.
 */
#define _GNU_SOURCE
#include "boot.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calibrate.h"
#include "interrupt.h"
#include "netns.h"

int boot_make_work_dir(char *buf, size_t cap, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(buf, cap, "%s/ukbench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(buf)) {
        snprintf(err, errlen, "boot: %s: mkdtemp failed: %s", buf,
                 strerror(errno));
        return -1;
    }
    return 0;
}

void boot_remove_work_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d))) {
        char path[PATH_MAX];

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int boot_insn_setup(struct insn_counter *ic, enum system_kind kind,
                    enum qemu_accel accel, const char *build_dir,
                    const char *work_dir, char *arg, size_t cap, char *why,
                    size_t whycap)
{
    char rel[PATH_MAX];
    char plugin[PATH_MAX];
    char plugin_esc[PATH_MAX * 2], out_esc[PATH_MAX * 2];
    char err[512];
    int n;

    if (kind == SYSTEM_LINUX_NATIVE) {
        snprintf(why, whycap, "no guest: a native process");
        return 0;
    }
    if (accel != QEMU_ACCEL_TCG) {
        snprintf(why, whycap, "the TCG plugin needs --accel tcg");
        return 0;
    }
    snprintf(rel, sizeof(rel), "%s/harness/insn-count.so", build_dir);
    if (realpath(rel, plugin) == NULL) {
        snprintf(why, whycap, "%s: not usable (%s): run make -C harness", rel,
                 strerror(errno));
        return 0;
    }
    if (insn_create(ic, work_dir, err, sizeof(err)) < 0) {
        snprintf(why, whycap, "%s", err);
        return 0;
    }
    /*
     * The argument insn_plugin_arg() would build, with the commas in both
     * paths doubled for QEMU's option parser instead of rejected.
     */
    qemu_opt_escape(plugin, plugin_esc, sizeof(plugin_esc));
    qemu_opt_escape(ic->path, out_esc, sizeof(out_esc));
    n = snprintf(arg, cap, "%s,out=%s,mode=%s", plugin_esc, out_esc,
                 BOOT_INSN_MODE);
    if (n < 0 || (size_t)n >= cap) {
        snprintf(why, whycap, "plugin argument longer than %zu bytes", cap);
        insn_close(ic);
        return 0;
    }
    return 1;
}

int boot_start_system(struct system *s, struct system_config *cfg,
                      struct calibration *cal, const char *who, char *err,
                      size_t errlen)
{
    const char *retry_cpu;
    char figure[sizeof(cal->figure)];

    if (system_start(s, cfg, err, errlen) == 0)
        return 0;
    if (cfg->accel != QEMU_ACCEL_KVM || strcmp(cal->cpu, "max") != 0)
        return -1;
    retry_cpu = calibrate_kvm_retry_cpu(err);
    if (!retry_cpu)
        return -1;
    fprintf(stderr,
            "%s: QEMU rejected MSR 0x10a under -cpu max; retrying with -cpu "
            "%s for this and later boots\n",
            who, retry_cpu);
    snprintf(cal->cpu, sizeof(cal->cpu), "%s", retry_cpu);
    snprintf(figure, sizeof(figure), "%.100s with -cpu %s", cal->figure,
             retry_cpu);
    snprintf(cal->figure, sizeof(cal->figure), "%s", figure);
    cfg->cpu = cal->cpu;
    return system_start(s, cfg, err, errlen);
}

/* Runs cmd with the ports in its environment; returns its wait status. */
static int run_command(char **cmd, const struct system *s, int *status)
{
    char port[16], control[16];
    pid_t pid;

    snprintf(port, sizeof(port), "%u", s->port);
    snprintf(control, sizeof(control), "%u", s->control_port);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "boot: %s: fork failed: %s\n", cmd[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setenv("UKBENCH_PORT", port, 1);
        setenv("UKBENCH_CONTROL_PORT", control, 1);
        setenv("UKBENCH_ADDR", s->addr, 1);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execvp(cmd[0], cmd);
        fprintf(stderr, "boot: %s: exec failed: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "boot: %s: waitpid failed: %s\n", cmd[0],
                    strerror(errno));
            return -1;
        }
        if (interrupt_requested())
            kill(pid, SIGTERM);
    }
    return 0;
}

/* Holds until stdin reaches EOF (or errors) or a signal arrives. */
static void hold(struct system *s)
{
    char buf[256];

    while (!interrupt_requested() && system_alive(s)) {
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int rc = poll(&p, 1, 500);

        if (rc < 0 && errno != EINTR)
            return;
        if (rc > 0 && read(0, buf, sizeof(buf)) <= 0)
            return;
    }
}

static int boot_system(const struct boot_options *o, const char *work_dir)
{
    char tap[32], guest_ip[32], gateway[32];
    struct system_config cfg;
    struct calibration cal;
    struct insn_counter ic;
    struct system s;
    char plugin_arg[PATH_MAX * 2 + 64];
    char why[512], err[2048], counters[256];
    char insn_text[32] = "unavailable";
    int counting = 0;
    int cmd_status = 0;
    int cmd_ok = 1;
    int status;
    int rc;

    system_config_init(&cfg);
    cfg.kind = o->system;
    cfg.workload = o->workload;
    cfg.build_dir = o->c.build_dir;
    cfg.work_dir = work_dir;
    cfg.serial_log = o->serial_log;
    cfg.machine = o->c.machine;
    cfg.net = o->c.net;
    cfg.mem_mb = o->c.mem_mb;
    cfg.port = o->port;
    cfg.timeout_s = o->c.timeout_s;
    cfg.qemu = o->c.qemu;
    if (o->c.net == QEMU_NET_TAP) {
        netns_tap_names(0, tap, guest_ip, gateway, sizeof(tap));
        cfg.tap_ifname = tap;
        cfg.guest_ip = guest_ip;
        cfg.gateway = gateway;
    }
    /* Missing files are reported before a calibration can hide them. */
    if (system_check(&cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (o->system != SYSTEM_LINUX_NATIVE) {
        calibrate_resolve(&cal, &o->c, work_dir);
        cfg.accel = cal.chosen;
        cfg.cpu = cal.cpu;
        if (o->c.accel == ACCEL_AUTO && cal.reason[0])
            fprintf(stderr, "boot: using TCG: %s\n", cal.reason);
        counting =
            boot_insn_setup(&ic, cfg.kind, cfg.accel, cfg.build_dir, work_dir,
                            plugin_arg, sizeof(plugin_arg), why, sizeof(why));
        if (counting)
            cfg.plugin = plugin_arg;
    }

    rc = o->system == SYSTEM_LINUX_NATIVE
             ? system_start(&s, &cfg, err, sizeof(err))
             : boot_start_system(&s, &cfg, &cal, "boot", err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        if (counting)
            insn_close(&ic);
        return 1;
    }
    if (counting && insn_loaded(&ic))
        snprintf(insn_text, sizeof(insn_text), "%llu",
                 (unsigned long long)insn_read(&ic));
    /* addr= only with tap: user networking is always 127.0.0.1. */
    printf("ready port=%u control=%u pid=%d boot_s=%.3f guest_insn=%s%s%s\n",
           s.port, s.control_port, (int)s.pid, s.boot_s, insn_text,
           o->c.net == QEMU_NET_TAP ? " addr=" : "",
           o->c.net == QEMU_NET_TAP ? s.addr : "");
    fflush(stdout);

    if (o->cmd) {
        if (run_command(o->cmd, &s, &cmd_status) < 0)
            cmd_ok = 0;
        else
            cmd_ok = WIFEXITED(cmd_status) && WEXITSTATUS(cmd_status) == 0;
        if (!cmd_ok)
            fprintf(stderr, "boot: command %s failed (%s %d)\n", o->cmd[0],
                    WIFEXITED(cmd_status) ? "exit status" : "signal",
                    WIFEXITED(cmd_status) ? WEXITSTATUS(cmd_status)
                                          : WTERMSIG(cmd_status));
    } else {
        hold(&s);
    }

    rc = system_stop(&s, 10, &status, counters, sizeof(counters), err,
                     sizeof(err));
    printf("exit status=%d\n", status);
    if (counters[0])
        printf("%s\n", counters);
    else
        printf("counters: none printed\n");
    fflush(stdout);
    if (rc < 0) {
        char tail[1024];

        system_log_tail(&s, 5, tail, sizeof(tail));
        fprintf(stderr, "%s; last output: %s\n", err, tail);
    }
    if (counting)
        insn_close(&ic);
    return rc == 0 && cmd_ok ? 0 : 1;
}

int boot_main(int argc, char **argv)
{
    struct boot_options o;
    struct netns ns;
    char work_dir[PATH_MAX];
    char err[512];
    int rc = options_parse_boot(argc, argv, &o, err, sizeof(err));

    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "ukbench boot: %s\n", err);
        return rc < 0 ? 2 : 0;
    }
    if (interrupt_install() < 0) {
        fprintf(stderr, "boot: sigaction failed: %s\n", strerror(errno));
        return 1;
    }
    if (boot_make_work_dir(work_dir, sizeof(work_dir), err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (o.c.net == QEMU_NET_TAP) {
        if (netns_create(&ns, err, sizeof(err)) < 0 ||
            netns_add_tap(&ns, 0, err, sizeof(err)) < 0) {
            fprintf(stderr, "ukbench boot: %s\n", err);
            netns_destroy(&ns);
            boot_remove_work_dir(work_dir);
            return 1;
        }
    }
    rc = boot_system(&o, work_dir);
    if (o.c.net == QEMU_NET_TAP)
        netns_destroy(&ns);
    boot_remove_work_dir(work_dir);
    return rc;
}

int calibrate_main(int argc, char **argv)
{
    struct common_options c;
    struct calibration cal;
    char work_dir[PATH_MAX];
    char err[512];
    int rc = options_parse_calibrate(argc, argv, &c, err, sizeof(err));

    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "ukbench calibrate: %s\n", err);
        return rc < 0 ? 2 : 0;
    }
    if (boot_make_work_dir(work_dir, sizeof(work_dir), err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    calibrate_run(&cal, &c, work_dir, 1);
    calibrate_save(&cal, &c); /* later `--accel auto` runs reuse it */
    boot_remove_work_dir(work_dir);

    printf("native loop: %.0f M iterations/s\n", cal.native_rate / 1e6);
    if (cal.tcg_ok)
        printf("tcg guest loop: %.0f M iterations/s (%.4f of native)\n",
               cal.tcg_rate / 1e6, cal.tcg_rate / cal.native_rate);
    else
        printf("tcg guest loop: failed\n");
    if (cal.kvm_ok)
        printf("kvm guest loop: %.0f M iterations/s (%.4f of native)\n",
               cal.kvm_rate / 1e6, cal.kvm_rate / cal.native_rate);
    printf("--accel auto picks: %s\n", qemu_accel_name(cal.chosen));
    if (cal.reason[0])
        printf("why not kvm: %s\n", cal.reason);
    printf("accel_calibration: %s\n", cal.figure);
    return 0;
}
