/*
 * hostinfo: the facts every result row carries about the host: CPU model,
 * online cores, kernel release, QEMU version and the project's git commit.
 */
#ifndef HOSTINFO_H
#define HOSTINFO_H

#include <stddef.h>

struct hostinfo {
    char cpu_model[128];    /* /proc/cpuinfo "model name", or "unknown" */
    long cores;             /* online CPUs, sysconf(_SC_NPROCESSORS_ONLN) */
    char kernel[128];       /* uname -r */
    char qemu_version[160]; /* first line of --version, or "unavailable" */
    char git_commit[64];    /* git describe --always --dirty, or "unknown" */
};

/*
 * Fills info. proc_root is "/proc" when NULL, qemu is the QEMU binary
 * ("qemu-system-x86_64" found in PATH when NULL), repo_dir the checkout to
 * describe. Fields that cannot be read get the fallback text above, so this
 * always returns 0 after a failure of one field; -errno only if uname
 * fails.
 */
int hostinfo_read(struct hostinfo *info, const char *proc_root,
                  const char *qemu, const char *repo_dir);

/*
 * Copies the value of the first "model name" line of /proc/cpuinfo text
 * into out. Returns 0, or -ENOENT when there is no such line (some ARM
 * kernels), in which case out is left unchanged.
 */
int hostinfo_parse_cpu_model(const char *cpuinfo, char *out, size_t cap);

/*
 * Runs argv (argv[0] searched in PATH) with posix_spawnp, no shell, in
 * directory dir (the current one when NULL), with stdin from /dev/null and
 * stderr discarded, and copies the first line of its standard output
 * (without the newline) into out. Returns 0 when the command exited with
 * status 0 and printed a line, else -errno or -ECHILD.
 */
int hostinfo_run_first_line(char *const argv[], const char *dir, char *out,
                            size_t cap);

#endif
