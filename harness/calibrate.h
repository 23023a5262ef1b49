/*
 * calibrate: decides whether KVM runs guest code near hardware speed.
 * Some hosts offer /dev/kvm inside a VM (nested KVM) where guest code can
 * run far slower than native; figures taken there would mislead.
 */
#ifndef CALIBRATE_H
#define CALIBRATE_H

#include <stddef.h>

#include "options.h"
#include "qemu_cmd.h"

/* Guest loop length: 2^28 iterations of dec/jnz, about 0.1 s natively. */
#define CALIBRATE_LOOPS (1u << 28)

/* A KVM guest loop must reach this share of the native loop rate. */
#define CALIBRATE_MIN_RATIO 0.5

struct calibration {
    double native_rate; /* loop iterations per second, run natively */
    int kvm_ok;         /* the KVM loop ran */
    double kvm_rate;    /* iterations per second under KVM */
    int tcg_ok;
    double tcg_rate; /* iterations per second under TCG */
    enum qemu_accel chosen;
    char cpu[64];     /* -cpu model to use with `chosen` ("max") */
    char figure[160]; /* the accel_calibration column */
    char reason[256]; /* why KVM was not used, "" if it was */
    int conclusive;   /* KVM's speed was measured, or there is no KVM */
};

/*
 * Times CALIBRATE_LOOPS iterations natively and in a guest under KVM (and
 * under TCG when with_tcg is set). A guest run is timed from its ready
 * byte to its exit, minus the same for a one-iteration loop. Picks KVM
 * when the KVM rate is at least CALIBRATE_MIN_RATIO of native. Uses
 * work_dir for the images and logs. Always fills cal, because a failed
 * KVM run is a reason to use TCG, not an error.
 */
void calibrate_run(struct calibration *cal, const struct common_options *c,
                   const char *work_dir, int with_tcg);

/*
 * Resolves the accelerator choice. tcg and kvm are taken as given and the
 * figure reads "forced: ...". auto runs calibrate_run(), or reuses its
 * result from build/harness/kvm-calibration.txt when that was written on
 * the same host boot for the same QEMU binary (the figure then ends in
 * "(cached)").
 */
void calibrate_resolve(struct calibration *cal, const struct common_options *c,
                       const char *work_dir);

/*
 * Stores cal as the cached calibration for this host boot and QEMU binary,
 * unless it is inconclusive (the calibration guest failed to run), so a
 * passing failure is measured again by the next run.
 */
void calibrate_save(const struct calibration *cal,
                    const struct common_options *c);

/*
 * Returns the -cpu model to retry a KVM guest with after it failed to
 * start with message err: "max,-arch-capabilities" when QEMU rejected the
 * IA32_ARCH_CAPABILITIES MSR under -cpu max, else NULL.
 */
const char *calibrate_kvm_retry_cpu(const char *err);

/* Times the loop natively; returns iterations per second. */
double calibrate_native_rate(void);

#endif
