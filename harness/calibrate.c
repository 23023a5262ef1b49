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
 * from its ready byte to its exit. Returns -2 when the loop outlasted
 * limit_s, or -1 when the guest did not run, with the reason in err.
 */
static double time_guest_loop(const struct common_options *c,
                              enum qemu_accel accel, const char *cpu,
                              const char *work_dir, unsigned loops,
                              double limit_s, char *err, size_t errlen)
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
    cfg.cpu = cpu;
    /*
     * The loop image runs in the default guest memory, not the run's
     * --mem: a memory search must not decide the accelerator.
     */
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
        return -2;
    }
    system_kill(&s); /* closes the pipe */
    return system_now() - ready;
}

/* Returns the guest loop rate under accel, or -1/-2 as time_guest_loop. */
static double guest_rate(const struct common_options *c, enum qemu_accel accel,
                         const char *cpu, const char *work_dir, double limit_s,
                         char *err, size_t errlen)
{
    double base =
        time_guest_loop(c, accel, cpu, work_dir, 1, limit_s, err, errlen);
    double full;

    if (base < 0)
        return base;
    full = time_guest_loop(c, accel, cpu, work_dir, CALIBRATE_LOOPS, limit_s,
                           err, errlen);
    if (full < 0)
        return full;
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

const char *calibrate_kvm_retry_cpu(const char *err)
{
    /*
     * Some nested hosts reject the IA32_ARCH_CAPABILITIES MSR (QEMU 7.2
     * aborts: "failed to set MSR 0x10a"), so retry without it. A Linux
     * guest then assumes its CPU has the speculation bugs that this MSR
     * rules out, and may turn on more mitigations.
     */
    return strstr(err, "MSR 0x10a") ? "max,-arch-capabilities" : NULL;
}

/* Runs the KVM loop; returns its rate or -1 with the reason in err. */
static double kvm_rate(struct calibration *cal, const struct common_options *c,
                       const char *work_dir, char *err, size_t errlen)
{
    /* 20x the native time: far beyond any usable KVM. */
    double limit = 20.0 * CALIBRATE_LOOPS / cal->native_rate + 1;
    double rate =
        guest_rate(c, QEMU_ACCEL_KVM, NULL, work_dir, limit, err, errlen);

    const char *retry_cpu = rate == -1 ? calibrate_kvm_retry_cpu(err) : NULL;

    if (retry_cpu) {
        snprintf(cal->cpu, sizeof(cal->cpu), "%s", retry_cpu);
        rate = guest_rate(c, QEMU_ACCEL_KVM, cal->cpu, work_dir, limit, err,
                          errlen);
    }
    return rate;
}

void calibrate_run(struct calibration *cal, const struct common_options *c,
                   const char *work_dir, int with_tcg)
{
    char err[512] = "";
    double ratio;

    memset(cal, 0, sizeof(*cal));
    cal->chosen = QEMU_ACCEL_TCG;
    snprintf(cal->cpu, sizeof(cal->cpu), "max");
    cal->native_rate = calibrate_native_rate();

    if (with_tcg) {
        cal->tcg_rate =
            guest_rate(c, QEMU_ACCEL_TCG, NULL, work_dir, 60, err, sizeof(err));
        cal->tcg_ok = cal->tcg_rate > 0;
    }
    if (!kvm_openable(err, sizeof(err))) {
        snprintf(cal->reason, sizeof(cal->reason), "%s", err);
        snprintf(cal->figure, sizeof(cal->figure), "auto: no /dev/kvm");
        cal->conclusive = 1;
        return;
    }
    cal->kvm_rate = kvm_rate(cal, c, work_dir, err, sizeof(err));
    cal->kvm_ok = cal->kvm_rate > 0;
    if (cal->kvm_rate == -2) {
        /* The loop ran but too slowly: an upper bound on the ratio. */
        double limit = 20.0 * CALIBRATE_LOOPS / cal->native_rate + 1;
        double bound = CALIBRATE_LOOPS / limit / cal->native_rate;

        snprintf(cal->reason, sizeof(cal->reason),
                 "KVM guest loop below %.4f of native speed (%s): nested or "
                 "emulated KVM",
                 bound, err);
        snprintf(cal->figure, sizeof(cal->figure), "auto: kvm-loop/native<%.4f",
                 bound);
        snprintf(cal->cpu, sizeof(cal->cpu), "max");
        cal->conclusive = 1;
        return;
    }
    if (!cal->kvm_ok) {
        snprintf(cal->reason, sizeof(cal->reason),
                 "the KVM calibration guest failed: %s", err);
        snprintf(cal->figure, sizeof(cal->figure),
                 "auto: kvm guest failed to run");
        snprintf(cal->cpu, sizeof(cal->cpu), "max");
        return;
    }
    ratio = cal->kvm_rate / cal->native_rate;
    cal->conclusive = 1;
    snprintf(
        cal->figure, sizeof(cal->figure), "auto: kvm-loop/native=%.4f%s", ratio,
        strcmp(cal->cpu, "max") ? " with -cpu max,-arch-capabilities" : "");
    if (ratio >= CALIBRATE_MIN_RATIO) {
        cal->chosen = QEMU_ACCEL_KVM;
        return;
    }
    snprintf(cal->reason, sizeof(cal->reason),
             "KVM guest loop at %.4f of native speed (below %.2f): "
             "nested or emulated KVM",
             ratio, CALIBRATE_MIN_RATIO);
    snprintf(cal->cpu, sizeof(cal->cpu), "max");
}

/* Reads the kernel's boot id, which changes on every host boot. */
static int read_boot_id(char *out, size_t cap)
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    int ok;

    if (!f)
        return -1;
    ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return ok ? 0 : -1;
}

/*
 * The calibration cache: one line "BOOT_ID QEMU ACCEL CPU|FIGURE|REASON".
 * It is valid only on the same host boot with the same QEMU binary, so a
 * reboot or another QEMU calibrates again.
 */
static void cache_path(const struct common_options *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/harness/kvm-calibration.txt", c->build_dir);
}

static int cache_load(struct calibration *cal, const struct common_options *c)
{
    char path[4096], line[1024], boot_id[64], key[160];
    char *fields[3];
    char *save;
    FILE *f;

    cache_path(c, path, sizeof(path));
    if (read_boot_id(boot_id, sizeof(boot_id)) < 0)
        return -1;
    f = fopen(path, "r");
    if (!f)
        return -1;
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    snprintf(key, sizeof(key), "%s %s ", boot_id,
             c->qemu ? c->qemu : "qemu-system-x86_64");
    if (strncmp(line, key, strlen(key)) != 0)
        return -1;
    fields[0] = strtok_r(line + strlen(key), "|", &save);
    fields[1] = strtok_r(NULL, "|", &save);
    fields[2] = strtok_r(NULL, "", &save);
    if (!fields[0] || !fields[1])
        return -1;
    memset(cal, 0, sizeof(*cal));
    if (sscanf(fields[0], "%*s %63s", cal->cpu) != 1)
        return -1;
    cal->chosen =
        strncmp(fields[0], "kvm ", 4) == 0 ? QEMU_ACCEL_KVM : QEMU_ACCEL_TCG;
    snprintf(cal->figure, sizeof(cal->figure), "%s (cached)", fields[1]);
    snprintf(cal->reason, sizeof(cal->reason), "%s",
             fields[2] ? fields[2] : "");
    return 0;
}

void calibrate_save(const struct calibration *cal,
                    const struct common_options *c)
{
    char path[4096], boot_id[64];
    FILE *f;

    if (!cal->conclusive)
        return; /* a guest that failed to start says nothing about KVM */

    cache_path(c, path, sizeof(path));
    if (read_boot_id(boot_id, sizeof(boot_id)) < 0)
        return;
    f = fopen(path, "w");
    if (!f)
        return; /* no cache: the next run calibrates again */
    fprintf(f, "%s %s %s %s|%s|%s\n", boot_id,
            c->qemu ? c->qemu : "qemu-system-x86_64",
            qemu_accel_name(cal->chosen), cal->cpu, cal->figure, cal->reason);
    if (fclose(f) != 0)
        unlink(path);
}

void calibrate_resolve(struct calibration *cal, const struct common_options *c,
                       const char *work_dir)
{
    if (c->accel == ACCEL_AUTO) {
        if (cache_load(cal, c) == 0)
            return;
        calibrate_run(cal, c, work_dir, 0);
        calibrate_save(cal, c);
        return;
    }
    memset(cal, 0, sizeof(*cal));
    snprintf(cal->cpu, sizeof(cal->cpu), "max");
    cal->chosen = c->accel == ACCEL_KVM ? QEMU_ACCEL_KVM : QEMU_ACCEL_TCG;
    snprintf(cal->figure, sizeof(cal->figure), "forced: --accel %s",
             options_accel_name(c->accel));
}
