/*
 * hostinfo: CPU model, cores, kernel, QEMU version and git commit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int hostinfo_parse_cpu_model(const char *cpuinfo, char *out, size_t cap)
{
    const char *p = cpuinfo;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, "model name", 10) == 0) {
            const char *colon = strchr(p, ':');
            const char *end;
            size_t len;

            if (colon == NULL)
                return -ENOENT;
            colon++;
            while (*colon == ' ' || *colon == '\t')
                colon++;
            end = strchr(colon, '\n');
            len = end != NULL ? (size_t)(end - colon) : strlen(colon);
            if (len >= cap)
                len = cap - 1;
            memcpy(out, colon, len);
            out[len] = '\0';
            return 0;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -ENOENT;
}

/* Reads the start of a file (cpuinfo's first CPU is enough). */
static int read_head(const char *path, char *buf, size_t cap)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;

            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return 0;
}

/* Reads fd to EOF and keeps its first line, without newline, in out. */
static void read_first_line(int fd, char *out, size_t cap)
{
    size_t len = 0;
    int done = 0;
    char buf[512];
    ssize_t n;

    out[0] = '\0';
    /* Drain the pipe so the child never blocks on a full pipe. */
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (ssize_t i = 0; i < n && !done; i++) {
            if (buf[i] == '\n') {
                done = 1;
                break;
            }
            if (len + 1 < cap)
                out[len++] = buf[i];
        }
        out[len] = '\0';
    }
}

int hostinfo_run_first_line(char *const argv[], const char *dir, char *out,
                            size_t cap)
{
    posix_spawn_file_actions_t actions;
    int pipefd[2], status, rc;
    pid_t pid;

    if (cap == 0)
        return -EINVAL;
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    rc = posix_spawn_file_actions_init(&actions);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null",
                                              O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&actions, 2, "/dev/null",
                                              O_WRONLY, 0);
    if (rc == 0 && dir != NULL)
        rc = posix_spawn_file_actions_addchdir_np(&actions, dir);
    if (rc == 0)
        rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return -rc;
    }

    read_first_line(pipefd[0], out, cap);
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out[0] == '\0')
        return -ECHILD;
    return 0;
}

int hostinfo_read(struct hostinfo *info, const char *proc_root,
                  const char *qemu, const char *repo_dir)
{
    char path[PATH_MAX], cpuinfo[8192];
    struct utsname uts;
    char *qemu_argv[] = {(char *)(qemu != NULL ? qemu : "qemu-system-x86_64"),
                         "--version", NULL};
    char *git_argv[] = {"git", "describe", "--always", "--dirty", NULL};

    memset(info, 0, sizeof(*info));
    snprintf(info->cpu_model, sizeof(info->cpu_model), "unknown");
    if (snprintf(path, sizeof(path), "%s/cpuinfo",
                 proc_root != NULL ? proc_root : "/proc") < (int)sizeof(path) &&
        read_head(path, cpuinfo, sizeof(cpuinfo)) == 0)
        hostinfo_parse_cpu_model(cpuinfo, info->cpu_model,
                                 sizeof(info->cpu_model));

    info->cores = sysconf(_SC_NPROCESSORS_ONLN);

    if (uname(&uts) < 0)
        return -errno;
    snprintf(info->kernel, sizeof(info->kernel), "%s", uts.release);

    if (hostinfo_run_first_line(qemu_argv, NULL, info->qemu_version,
                                sizeof(info->qemu_version)) < 0)
        snprintf(info->qemu_version, sizeof(info->qemu_version), "unavailable");
    if (hostinfo_run_first_line(git_argv, repo_dir, info->git_commit,
                                sizeof(info->git_commit)) < 0)
        snprintf(info->git_commit, sizeof(info->git_commit), "unknown");
    return 0;
}
