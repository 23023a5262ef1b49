/*
 * host-tsc-khz: a host build tool for guest.mk. Prints the host's TSC
 * frequency in kHz, rounded to whole MHz, for the guest kernel's
 * tsc_early_khz= option.
 *
 * Why the guest needs it: under TCG, QEMU 7.2 returns the host's own TSC
 * to the guest's RDTSC, so the guest TSC runs at the host's rate. Linux
 * measures that rate against the emulated PIT in busy loops, which fail
 * when the host deschedules QEMU's vCPU thread ("tsc: Unable to calibrate
 * against PIT"). On -M pc the kernel falls back to the HPET; -M microvm has
 * neither HPET nor ACPI PM timer, so the TSC is marked unstable and the
 * boot hangs waiting for timer ticks that never arrive.
 *
 * Method: counts TSC ticks over 50 ms of CLOCK_MONOTONIC_RAW, five times,
 * and takes the median. Rounding to MHz keeps the kernel command line the
 * same from one build to the next on one host.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define SAMPLES 5
#define SAMPLE_NS 50000000LL

static int64_t now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0) {
        fprintf(stderr, "host-tsc-khz: clock_gettime failed: %s\n",
                strerror(errno));
        exit(1);
    }
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Measures the TSC rate over one SAMPLE_NS interval, in kHz. */
static double sample_khz(void)
{
    int64_t t0 = now_ns();
    uint64_t c0 = __rdtsc();
    int64_t t1;
    uint64_t c1;

    do {
        t1 = now_ns();
        c1 = __rdtsc();
    } while (t1 - t0 < SAMPLE_NS);
    return (double)(c1 - c0) * 1e6 / (double)(t1 - t0);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(void)
{
    double khz[SAMPLES];

    for (int i = 0; i < SAMPLES; i++)
        khz[i] = sample_khz();
    qsort(khz, SAMPLES, sizeof(khz[0]), compare_double);
    if (khz[SAMPLES / 2] < 1000.0) {
        fprintf(stderr, "host-tsc-khz: TSC rate %.0f kHz is implausible\n",
                khz[SAMPLES / 2]);
        return 1;
    }
    printf("%.0f\n", 1000.0 * (long long)(khz[SAMPLES / 2] / 1000.0 + 0.5));
    return 0;
}
