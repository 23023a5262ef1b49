/*
 * boot: the `ukbench boot` and `ukbench calibrate` subcommands, and the
 * helpers shared with `run`: a temporary work folder and the guest
 * instruction counter of one boot.
 */
#ifndef BOOT_H
#define BOOT_H

#include <stddef.h>

#include "calibrate.h"
#include "insn.h"
#include "options.h"
#include "system.h"

/*
 * The plugin mode passed to insn-count.so: "tb" adds each translated
 * block's length once per execution, which is deterministic and emulates
 * faster than one add per instruction (harness/plugin/insn_count.c
 * describes where the two differ).
 */
#define BOOT_INSN_MODE "tb"

/*
 * Creates a private folder under $TMPDIR (default /tmp) into buf[cap].
 * Returns 0, or -1 with the reason in err.
 */
int boot_make_work_dir(char *buf, size_t cap, char *err, size_t errlen);

/* Removes the folder made by boot_make_work_dir() and the files in it. */
void boot_remove_work_dir(const char *dir);

/*
 * Prepares guest instruction counting for a QEMU system under TCG: when
 * build_dir/harness/insn-count.so exists, creates the counter in work_dir
 * and writes the -plugin argument into arg[cap]. Returns 1 when counting,
 * 0 when unavailable (reason in why[whycap]: KVM, native, no plugin).
 */
int boot_insn_setup(struct insn_counter *ic, enum system_kind kind,
                    enum qemu_accel accel, const char *build_dir,
                    const char *work_dir, char *arg, size_t cap, char *why,
                    size_t whycap);

/*
 * Starts a system as system_start() does. When a KVM guest under -cpu max
 * fails because QEMU rejected an MSR that calibrate_kvm_retry_cpu()
 * knows, prints a note prefixed with who, switches cal (its cpu and
 * figure, so later boots and the CSV follow) and cfg to the model it
 * returns, and starts once more. Returns as system_start().
 */
int boot_start_system(struct system *s, struct system_config *cfg,
                      struct calibration *cal, const char *who, char *err,
                      size_t errlen);

/* Runs `ukbench boot`; returns the process exit status. */
int boot_main(int argc, char **argv);

/* Runs `ukbench calibrate`; returns the process exit status. */
int calibrate_main(int argc, char **argv);

#endif
