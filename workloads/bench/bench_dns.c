/*
 * Measures the bare DNS handler on one thread: responses per second of CPU
 * time over a fixed mix of queries, with no sockets involved. The loop
 * stops after BENCH_MAX_CALLS calls or BENCH_MAX_SECONDS of CPU time,
 * whichever comes first. Where the PMU is available to perf_event_open, it
 * also prints user-space instructions per response; elsewhere (most VMs)
 * that figure is reported as unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dns_client.h"
#include "workload.h"

#define BENCH_QUERIES 1024
#define BENCH_MAX_CALLS 100000000L
#define BENCH_MAX_SECONDS 3.0
#define BENCH_CHECK_EVERY 65536

struct bench_query {
    uint8_t msg[128];
    size_t len;
};

static double bench_cpu_seconds(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) {
        fprintf(stderr, "bench-dns: clock_gettime failed: %s\n",
                strerror(errno));
        return -1;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Fills the mix: of every ten queries, seven are A queries for server<i>
 * with i spread over the zone, one is for a missing name (NXDOMAIN), one
 * asks for AAAA (NODATA) and one carries EDNS.
 */
static int bench_fill(struct bench_query *qs)
{
    uint32_t state = 1;

    for (int i = 0; i < BENCH_QUERIES; i++) {
        char name[64];
        state = state * 1103515245u + 12345u;
        unsigned index = (state >> 8) % 10000;
        struct dns_client_query q = {
            .id = (uint16_t)i,
            .flags = 0x0100,
            .name = name,
            .qtype = 1,
            .qclass = 1,
            .edns_size = -1,
        };

        snprintf(name, sizeof(name), "server%u.local.org", index);
        if (i % 10 == 7)
            snprintf(name, sizeof(name), "host%u.local.org", index);
        if (i % 10 == 8)
            q.qtype = 28;
        if (i % 10 == 9)
            q.edns_size = 1232;
        qs[i].len = dns_client_build(&q, qs[i].msg, sizeof(qs[i].msg));
        if (qs[i].len == 0)
            return -1;
    }
    return 0;
}

/*
 * Opens a counter of this thread's user-space instructions, stopped.
 * Returns its fd, or -1 after printing why it is unavailable.
 */
static int bench_open_insn_counter(void)
{
    struct perf_event_attr attr = {
        .type = PERF_TYPE_HARDWARE,
        .size = sizeof(attr),
        .config = PERF_COUNT_HW_INSTRUCTIONS,
        .disabled = 1,
        .exclude_kernel = 1,
        .exclude_hv = 1,
    };

    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) {
        printf("bench-dns: instructions per response: unavailable "
               "(perf_event_open: %s)\n",
               strerror(errno));
        return -1;
    }
    return (int)fd;
}

static void bench_report_insn(int fd, long calls)
{
    uint64_t count;

    if (read(fd, &count, sizeof(count)) != (ssize_t)sizeof(count)) {
        printf("bench-dns: instructions per response: unavailable "
               "(read of the counter failed: %s)\n",
               strerror(errno));
        return;
    }
    printf("bench-dns: %.0f user-space instructions per response "
           "(perf, loop overhead included)\n",
           (double)count / (double)calls);
}

/* Pins the process to the CPU it runs on, so the loop stays on one core. */
static void bench_pin_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;

    if (cpu < 0) {
        printf("bench-dns: not pinned (sched_getcpu: %s)\n", strerror(errno));
        return;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        printf("bench-dns: not pinned (sched_setaffinity: %s)\n",
               strerror(errno));
        return;
    }
    printf("bench-dns: pinned to CPU %d\n", cpu);
}

int main(void)
{
    static struct bench_query qs[BENCH_QUERIES];
    uint8_t resp[1232];
    size_t bytes = 0;
    long calls = 0;

    if (bench_fill(qs) != 0) {
        fprintf(stderr, "bench-dns: building the query mix failed\n");
        return 1;
    }

    bench_pin_cpu();
    int insn_fd = bench_open_insn_counter();
    if (insn_fd >= 0 && ioctl(insn_fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
        printf("bench-dns: instructions per response: unavailable "
               "(enabling the counter failed: %s)\n",
               strerror(errno));
        close(insn_fd);
        insn_fd = -1;
    }

    double start = bench_cpu_seconds();
    double elapsed = 0;
    if (start < 0)
        return 1;
    while (calls < BENCH_MAX_CALLS) {
        const struct bench_query *q = &qs[calls % BENCH_QUERIES];
        bytes += workload.handle(q->msg, q->len, resp, sizeof(resp));
        calls++;
        if (calls % BENCH_CHECK_EVERY == 0) {
            double now = bench_cpu_seconds();
            if (now < 0)
                return 1;
            elapsed = now - start;
            if (elapsed >= BENCH_MAX_SECONDS)
                break;
        }
    }
    if (insn_fd >= 0 && ioctl(insn_fd, PERF_EVENT_IOC_DISABLE, 0) != 0) {
        printf("bench-dns: instructions per response: unavailable "
               "(disabling the counter failed: %s)\n",
               strerror(errno));
        close(insn_fd);
        insn_fd = -1;
    }
    double end = bench_cpu_seconds();
    if (end < 0)
        return 1;
    elapsed = end - start;

    printf("bench-dns: %ld responses (%zu bytes) in %.3f s of CPU time\n",
           calls, bytes, elapsed);
    printf("bench-dns: %.0f responses/s on one core, %.1f ns per response\n",
           (double)calls / elapsed, elapsed * 1e9 / (double)calls);
    if (insn_fd >= 0) {
        bench_report_insn(insn_fd, calls);
        close(insn_fd);
    }
    return 0;
}
