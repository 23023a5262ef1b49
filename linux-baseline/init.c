/*
 * /init of the Linux guest: the smallest user space that serves the
 * benchmark's UDP service under a stock Debian kernel. It mounts the kernel
 * file systems and loads the virtio-net modules shipped in the initramfs in
 * dependency order. It configures the network from the ukb.* kernel command
 * line keys and runs /server, the same static program as the native
 * baseline. When the server exits, it powers the VM off through
 * isa-debug-exit.
 *
 * Initramfs layout (built by guest.mk):
 *   /init, /server
 *   /etc/bench-port            UDP port of the workload, decimal
 *   /modules/NAME.ko           uncompressed modules, any order
 *   /modules/modules.builtin   the kernel's list of built-in modules
 *
 * PID 1 must never exit, or the kernel panics: every path ends in
 * init_poweroff().
 */
#define _GNU_SOURCE
#include "init_guest.h"

#include "../include/bench_abi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INIT_MODULE_DIR "/modules"
#define INIT_MODULES_MAX 64
#define INIT_SERVER "/server"
#define INIT_PORT_FILE "/etc/bench-port"

/* How long to wait for the NIC after its driver loaded, in ms. */
#define INIT_NIC_WAIT_MS 2000

static struct modinfo_module modules[INIT_MODULES_MAX];
static char module_paths[INIT_MODULES_MAX][sizeof(INIT_MODULE_DIR) + 256];

/*
 * Powers the VM off with isa-debug-exit code `code` (QEMU exits with status
 * 2 * code + 1). Without that device, falls back to an ACPI power-off,
 * which QEMU reports as status 0.
 */
static void __attribute__((noreturn)) init_poweroff(unsigned char code)
{
    fflush(stdout);
    fflush(stderr);
    if (ioperm(BENCH_EXIT_PORT, 1, 1) == 0)
        outb(code, BENCH_EXIT_PORT);
    else
        fprintf(stderr, "init: ioperm(0x%x) failed: %s\n", BENCH_EXIT_PORT,
                strerror(errno));

    /* Still running: no isa-debug-exit device on this VM. */
    sync();
    if (reboot(RB_POWER_OFF) != 0)
        fprintf(stderr, "init: reboot(RB_POWER_OFF) failed: %s\n",
                strerror(errno));
    for (;;)
        pause();
}

static void __attribute__((noreturn)) init_fail(void)
{
    init_poweroff(BENCH_EXIT_FAIL);
}

static double uptime_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Mounts a kernel file system. An already mounted one is fine. */
static int mount_fs(const char *type, const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "init: mkdir %s failed: %s\n", dir, strerror(errno));
        return -1;
    }
    if (mount(type, dir, type, MS_NOSUID | MS_NOEXEC, NULL) != 0 &&
        errno != EBUSY) {
        fprintf(stderr, "init: mount %s on %s failed: %s\n", type, dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * Opens /dev/console as file descriptors 0, 1 and 2 where they are closed.
 * The kernel opens them for init only when the root file system has a
 * /dev/console node, so without one the console is reachable only after
 * devtmpfs is mounted.
 */
static void open_console(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int c = open("/dev/console", fd == 0 ? O_RDONLY : O_WRONLY);
        if (c < 0)
            return; /* nowhere to report it */
        if (c != fd) {
            dup2(c, fd);
            close(c);
        }
    }
}

/* Reads a whole small file into a malloc'd, NUL-terminated buffer. */
static char *read_file(const char *path, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 4096, len = 0;
    char *buf;

    if (fd < 0)
        return NULL;
    buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            free(buf);
            buf = NULL;
            errno = saved;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    if (buf) {
        buf[len] = '\0';
        if (len_out)
            *len_out = len;
    }
    return buf;
}

/* Reads the name and dependencies of the module file at path. */
static int read_module_info(const char *path, const char *file_name,
                            struct modinfo_module *mod)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char fallback[MODINFO_NAME_MAX];
    char err[160];
    const char *info;
    size_t info_len;
    int rc = -1;

    if (fd < 0) {
        fprintf(stderr, "init: %s: open failed: %s\n", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "init: %s: fstat failed: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (st.st_size <= 0) {
        fprintf(stderr, "init: %s: file is empty\n", path);
        close(fd);
        return -1;
    }
    void *image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (image == MAP_FAILED) {
        fprintf(stderr, "init: %s: mmap failed: %s\n", path, strerror(errno));
        return -1;
    }

    snprintf(fallback, sizeof(fallback), "%.*s", (int)(strlen(file_name) - 3),
             file_name);
    if (modinfo_find(image, (size_t)st.st_size, &info, &info_len, err,
                     sizeof(err)) != 0 ||
        modinfo_parse_module(info, info_len, fallback, mod, err, sizeof(err)) !=
            0)
        fprintf(stderr, "init: %s: %s\n", path, err);
    else
        rc = 0;
    munmap(image, (size_t)st.st_size);
    return rc;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(a, b);
}

/*
 * Fills module_paths[] and modules[] from every *.ko in INIT_MODULE_DIR,
 * sorted by file name so that the load order does not depend on the order
 * of the cpio archive. Returns the count, or -1 after printing what failed.
 */
static long scan_modules(void)
{
    DIR *dir = opendir(INIT_MODULE_DIR);
    struct dirent *de;
    size_t n = 0;

    if (!dir) {
        if (errno == ENOENT)
            return 0; /* a kernel with virtio-net built in needs none */
        fprintf(stderr, "init: opendir %s failed: %s\n", INIT_MODULE_DIR,
                strerror(errno));
        return -1;
    }
    while ((errno = 0, de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);

        if (len <= 3 || strcmp(de->d_name + len - 3, ".ko") != 0)
            continue;
        if (n == INIT_MODULES_MAX) {
            fprintf(stderr, "init: %s: more than %d modules\n", INIT_MODULE_DIR,
                    INIT_MODULES_MAX);
            closedir(dir);
            return -1;
        }
        snprintf(module_paths[n], sizeof(module_paths[n]), "%s/%s",
                 INIT_MODULE_DIR, de->d_name);
        n++;
    }
    if (errno != 0) {
        fprintf(stderr, "init: readdir %s failed: %s\n", INIT_MODULE_DIR,
                strerror(errno));
        closedir(dir);
        return -1;
    }
    closedir(dir);

    qsort(module_paths, n, sizeof(module_paths[0]), compare_paths);
    for (size_t i = 0; i < n; i++) {
        const char *file_name = module_paths[i] + sizeof(INIT_MODULE_DIR);

        if (read_module_info(module_paths[i], file_name, &modules[i]) != 0)
            return -1;
    }
    return (long)n;
}

static int load_module(const char *path, const char *name)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        fprintf(stderr, "init: %s: open failed: %s\n", path, strerror(errno));
        return -1;
    }
    /* EEXIST: a module of that name is loaded already. */
    if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
        fprintf(stderr, "init: finit_module %s failed: %s\n", name,
                strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/*
 * Loads every module in INIT_MODULE_DIR in dependency order. Returns the
 * number loaded, or -1 after printing what failed.
 */
static long load_modules(void)
{
    static size_t order[INIT_MODULES_MAX];
    char *builtin;
    size_t builtin_len = 0;
    char err[200];
    long n = scan_modules();

    if (n <= 0)
        return n;

    builtin = read_file(INIT_MODULE_DIR "/modules.builtin", &builtin_len);
    if (!builtin && errno != ENOENT) {
        fprintf(stderr, "init: %s/modules.builtin: read failed: %s\n",
                INIT_MODULE_DIR, strerror(errno));
        return -1;
    }
    if (modinfo_sort(modules, (size_t)n, builtin, builtin_len, order, err,
                     sizeof(err)) != 0) {
        fprintf(stderr, "init: module order: %s\n", err);
        free(builtin);
        return -1;
    }
    free(builtin);

    for (long i = 0; i < n; i++) {
        size_t m = order[i];

        if (load_module(module_paths[m], modules[m].name) != 0)
            return -1;
    }
    return n;
}

/*
 * Finds the first network interface other than lo in /sys/class/net and
 * writes its name into ifname. The driver registers it while its module
 * loads, but a bus may probe asynchronously, so this polls every ms for up
 * to INIT_NIC_WAIT_MS. Returns 0, or -1 after printing what failed.
 */
static int find_nic(char ifname[IF_NAMESIZE])
{
    const struct timespec one_ms = {0, 1000000};
    double deadline = uptime_ms() + INIT_NIC_WAIT_MS;

    /* Under TCG one pass (scan and sleep) takes well over 1 ms, so the
     * loop ends on the clock, not on a count of passes. */
    for (;;) {
        DIR *dir = opendir("/sys/class/net");
        struct dirent *de;

        if (!dir) {
            fprintf(stderr, "init: opendir /sys/class/net failed: %s\n",
                    strerror(errno));
            return -1;
        }
        while ((de = readdir(dir)) != NULL) {
            size_t len = strlen(de->d_name);

            /* The kernel keeps names under IF_NAMESIZE bytes. */
            if (de->d_name[0] == '.' || strcmp(de->d_name, "lo") == 0 ||
                len >= IF_NAMESIZE)
                continue;
            memcpy(ifname, de->d_name, len + 1);
            closedir(dir);
            return 0;
        }
        closedir(dir);
        double now = uptime_ms();
        if (now < 0 || now >= deadline)
            break;
        nanosleep(&one_ms, NULL);
    }
    fprintf(stderr,
            "init: no network interface after %d ms: is a virtio-net "
            "device attached?\n",
            INIT_NIC_WAIT_MS);
    return -1;
}

/* Reads the workload's UDP port from INIT_PORT_FILE into port (decimal). */
static int read_port(char port[8])
{
    char *text = read_file(INIT_PORT_FILE, NULL);
    char *end;
    long value;

    if (!text) {
        fprintf(stderr, "init: %s: read failed: %s\n", INIT_PORT_FILE,
                strerror(errno));
        return -1;
    }
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || (*end != '\0' && *end != '\n') ||
        value < 1 || value > 65535) {
        fprintf(stderr, "init: %s: '%s' is not a port number\n", INIT_PORT_FILE,
                text);
        free(text);
        return -1;
    }
    free(text);
    snprintf(port, 8, "%ld", value);
    return 0;
}

/*
 * Runs the server and waits for it, reaping any other child that PID 1
 * inherits. Returns its wait status, or -1 after printing what failed.
 */
static int run_server(const char *port)
{
    char control[8];
    pid_t pid;

    snprintf(control, sizeof(control), "%d", BENCH_CONTROL_PORT);
    char *const argv[] = {
        INIT_SERVER, "--address",         "0.0.0.0",
        "--port",    (char *)port,        "--control-port",
        control,     "--signal-debugcon", NULL,
    };

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "init: fork failed: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execv(INIT_SERVER, argv);
        fprintf(stderr, "init: execv %s failed: %s\n", INIT_SERVER,
                strerror(errno));
        _exit(127);
    }

    for (;;) {
        int status;
        pid_t done = waitpid(-1, &status, 0);

        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0) {
            fprintf(stderr, "init: waitpid failed: %s\n", strerror(errno));
            return -1;
        }
        if (done == pid)
            return status;
    }
}

int main(void)
{
    struct init_net_config net;
    char ifname[IF_NAMESIZE];
    char port[8];
    char err[200];
    char *cmdline;
    long nmods;

    /* Step 1: kernel file systems, /dev first for the console. */
    int dev_rc = mount_fs("devtmpfs", "/dev");
    open_console();
    if (dev_rc != 0 || mount_fs("proc", "/proc") != 0 ||
        mount_fs("sysfs", "/sys") != 0)
        init_fail();

    /* Step 2: the virtio-net driver and the modules it depends on. */
    nmods = load_modules();
    if (nmods < 0)
        init_fail();

    /* Step 3: network settings from the kernel command line. */
    cmdline = read_file("/proc/cmdline", NULL);
    if (!cmdline) {
        fprintf(stderr, "init: /proc/cmdline: read failed: %s\n",
                strerror(errno));
        init_fail();
    }
    if (init_net_parse_cmdline(cmdline, &net, err, sizeof(err)) != 0) {
        fprintf(stderr, "init: %s\n", err);
        init_fail();
    }
    free(cmdline);

    /* Step 4: lo and the NIC up, default route through the gateway. */
    if (find_nic(ifname) != 0 || init_net_up(ifname, &net) != 0)
        init_fail();
    if (read_port(port) != 0)
        init_fail();
    printf("init: %ld modules loaded, %s up, %.0f ms after boot\n", nmods,
           ifname, uptime_ms());

    /* Step 5: serve until a "poweroff" request makes the server exit 0. */
    int status = run_server(port);
    if (status < 0)
        init_fail();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        init_poweroff(BENCH_EXIT_OK);
    /*
     * A non-zero exit is most likely a start-up failure, such as an invalid
     * option or a port in use. A signal means that the server crashed.
     */
    if (WIFEXITED(status)) {
        fprintf(stderr, "init: %s exited with status %d\n", INIT_SERVER,
                WEXITSTATUS(status));
        init_fail();
    }
    fprintf(stderr, "init: %s killed by signal %d\n", INIT_SERVER,
            WTERMSIG(status));
    init_poweroff(BENCH_EXIT_PANIC);
}
