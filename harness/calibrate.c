/*
 * KVM calibration: the same two-instruction loop timed natively and in a
 * guest. Under hardware-assisted KVM the guest loop runs at native speed;
 * under nested or emulated KVM it can be orders of magnitude slower.
 */
#define _GNU_SOURCE
#include "calibrate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "system.h"

double calibrate_native_rate(void)
{
    double best = 0;

    /* The best of three: the fastest run is the least disturbed one. */
    for (int i = 0; i < 3; i++) {
        unsigned n = CALIBRATE_LOOPS;
        double t0 = system_now();
        double dt;

        __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
        dt = system_now() - t0;
        if (dt > 0 && CALIBRATE_LOOPS / dt > best)
            best = CALIBRATE_LOOPS / dt;
    }
    return best;
}

/*
 * Boots the loop image with `loops` iterations and returns the seconds
 * from its ready byte to its exit, or -1 with the reason in err.
 */
static double time_guest_loop(const struct common_options *c,
                              enum qemu_accel accel, const char *work_dir,
                              unsigned loops, double limit_s, char *err,
                              size_t errlen)
{
    struct system_config cfg;
    struct system s;
    double ready;

    system_config_init(&cfg);
    cfg.kind = SYSTEM_EMPTY_QEMU;
    cfg.empty_loops = loops;
    cfg.work_dir = work_dir;
    cfg.machine = c->machine;
    cfg.accel = accel;
    cfg.mem_mb = c->mem_mb;
    cfg.qemu = c->qemu;
    cfg.timeout_s = c->timeout_s < 30 ? c->timeout_s : 30;
    if (system_start(&s, &cfg, err, errlen) < 0)
        return -1;
    ready = s.start_s + s.boot_s;
    if (!system_wait(&s, limit_s)) {
        system_kill(&s);
        snprintf(err, errlen,
                 "%u guest loop iterations did not finish within %.0f s", loops,
                 limit_s);
        return -1;
    }
    system_kill(&s); /* closes the pipe */
    return system_now() - ready;
}

/* Returns the guest loop rate under accel, or -1 with the reason. */
static double guest_rate(const struct common_options *c, enum qemu_accel accel,
                         const char *work_dir, double limit_s, char *err,
                         size_t errlen)
{
    double base = time_guest_loop(c, accel, work_dir, 1, limit_s, err, errlen);
    double full;

    if (base < 0)
        return -1;
    full = time_guest_loop(c, accel, work_dir, CALIBRATE_LOOPS, limit_s, err,
                           errlen);
    if (full < 0)
        return -1;
    /* Exit detection adds up to a millisecond; keep the divisor sane. */
    if (full - base < 1e-3)
        return CALIBRATE_LOOPS / 1e-3;
    return CALIBRATE_LOOPS / (full - base);
}

static int kvm_openable(char *err, size_t errlen)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        snprintf(err, errlen, "/dev/kvm: open failed: %s", strerror(errno));
        return 0;
    }
    close(fd);
    return 1;
}

void calibrate_run(struct calibration *cal, const struct common_options *c,
                   const char *work_dir, int with_tcg)
{
    char err[512] = "";
    double ratio;

    memset(cal, 0, sizeof(*cal));
    cal->chosen = QEMU_ACCEL_TCG;
    cal->native_rate = calibrate_native_rate();

    if (with_tcg) {
        cal->tcg_rate =
            guest_rate(c, QEMU_ACCEL_TCG, work_dir, 60, err, sizeof(err));
        cal->tcg_ok = cal->tcg_rate > 0;
    }
    if (!kvm_openable(err, sizeof(err))) {
        snprintf(cal->reason, sizeof(cal->reason), "%s", err);
        snprintf(cal->figure, sizeof(cal->figure), "auto: no /dev/kvm");
        return;
    } else {
        /* 20x the native time: far beyond any usable KVM. */
        double limit = 20.0 * CALIBRATE_LOOPS / cal->native_rate + 1;

        cal->kvm_rate =
            guest_rate(c, QEMU_ACCEL_KVM, work_dir, limit, err, sizeof(err));
        cal->kvm_ok = cal->kvm_rate > 0;
    }
    if (!cal->kvm_ok) {
        snprintf(cal->reason, sizeof(cal->reason),
                 "the KVM calibration guest failed: %s", err);
        snprintf(cal->figure, sizeof(cal->figure),
                 "auto: kvm guest failed to run");
        return;
    }
    ratio = cal->kvm_rate / cal->native_rate;
    if (ratio >= CALIBRATE_MIN_RATIO) {
        cal->chosen = QEMU_ACCEL_KVM;
        cal->reason[0] = '\0';
    } else {
        snprintf(cal->reason, sizeof(cal->reason),
                 "KVM guest loop at %.4f of native speed (below %.2f): "
                 "nested or emulated KVM",
                 ratio, CALIBRATE_MIN_RATIO);
    }
    snprintf(cal->figure, sizeof(cal->figure), "auto: kvm-loop/native=%.4f",
             ratio);
}

void calibrate_resolve(struct calibration *cal, const struct common_options *c,
                       const char *work_dir)
{
    if (c->accel == ACCEL_AUTO) {
        calibrate_run(cal, c, work_dir, 0);
        return;
    }
    memset(cal, 0, sizeof(*cal));
    cal->chosen = c->accel == ACCEL_KVM ? QEMU_ACCEL_KVM : QEMU_ACCEL_TCG;
    snprintf(cal->figure, sizeof(cal->figure), "forced: --accel %s",
             options_accel_name(c->accel));
}
