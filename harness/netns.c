/*
 * Network namespace and tap devices for `--net tap`, made with iproute2
 * (`ip netns add`, `ip -n NS tuntap add`, ...) run by fork/exec, and
 * entered with setns(2).
 */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs `ip ARGS...` with its output discarded; 0 on exit status 0. */
static int run_ip(char *err, size_t errlen, const char *first, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    int status;
    pid_t pid;

    argv[argc++] = "ip";
    va_start(ap, first);
    for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;

    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "netns: ip: fork failed: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);

        if (devnull >= 0)
            dup2(devnull, 1);
        execvp("ip", argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "netns: ip: waitpid failed: %s",
                     strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(err, errlen,
                 "netns: ip not found: install Debian package iproute2");
    else
        snprintf(err, errlen, "netns: `ip %s %s %s ...` failed", argv[1],
                 argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "");
    return -1;
}

int netns_create(struct netns *ns, char *err, size_t errlen)
{
    char path[128];
    int fd;

    memset(ns, 0, sizeof(*ns));
    ns->orig_fd = -1;
    if (geteuid() != 0) {
        snprintf(err, errlen,
                 "--net tap: needs root to create a network namespace and "
                 "tap devices: run as root or use --net user");
        return -1;
    }
    snprintf(ns->name, sizeof(ns->name), "ukbench-%d", (int)getpid());
    ns->orig_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (ns->orig_fd < 0) {
        snprintf(err, errlen, "netns: /proc/self/ns/net: open failed: %s",
                 strerror(errno));
        return -1;
    }
    if (run_ip(err, errlen, "netns", "add", ns->name, NULL) < 0) {
        close(ns->orig_fd);
        ns->orig_fd = -1;
        ns->name[0] = '\0';
        return -1;
    }
    if (run_ip(err, errlen, "-n", ns->name, "link", "set", "lo", "up", NULL) <
        0)
        goto fail;
    snprintf(path, sizeof(path), "/run/netns/%s", ns->name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "netns: %s: open failed: %s", path,
                 strerror(errno));
        goto fail;
    }
    if (setns(fd, CLONE_NEWNET) < 0) {
        snprintf(err, errlen, "netns: %s: setns failed: %s", path,
                 strerror(errno));
        close(fd);
        goto fail;
    }
    close(fd);
    return 0;
fail:
    netns_destroy(ns);
    return -1;
}

void netns_tap_names(int k, char *ifname, char *guest_ip, char *gateway,
                     size_t cap)
{
    snprintf(ifname, cap, "ukbtap%d", k);
    snprintf(guest_ip, cap, "10.0.%d.15", 2 + k);
    snprintf(gateway, cap, "10.0.%d.2", 2 + k);
}

int netns_add_tap(struct netns *ns, int k, char *err, size_t errlen)
{
    char ifname[32], guest[32], gw[32], cidr[40];

    if (k < 0 || k >= NETNS_MAX_TAPS) {
        snprintf(err, errlen, "netns: tap %d: at most %d taps", k,
                 NETNS_MAX_TAPS);
        return -1;
    }
    netns_tap_names(k, ifname, guest, gw, sizeof(ifname));
    snprintf(cidr, sizeof(cidr), "%s/24", gw);
    if (run_ip(err, errlen, "-n", ns->name, "tuntap", "add", "dev", ifname,
               "mode", "tap", NULL) < 0 ||
        run_ip(err, errlen, "-n", ns->name, "addr", "add", cidr, "dev", ifname,
               NULL) < 0 ||
        run_ip(err, errlen, "-n", ns->name, "link", "set", ifname, "up", NULL) <
            0)
        return -1;
    ns->ntaps++;
    return 0;
}

void netns_destroy(struct netns *ns)
{
    char err[256];

    if (ns->orig_fd >= 0) {
        if (setns(ns->orig_fd, CLONE_NEWNET) < 0)
            fprintf(stderr, "netns: setns back failed: %s\n", strerror(errno));
        close(ns->orig_fd);
        ns->orig_fd = -1;
    }
    if (ns->name[0]) {
        if (run_ip(err, sizeof(err), "netns", "del", ns->name, NULL) < 0)
            fprintf(stderr, "%s (delete it with: ip netns del %s)\n", err,
                    ns->name);
        ns->name[0] = '\0';
    }
}
