/*
 * options: command-line parsing of every ukbench subcommand, kept apart
 * from main.c so the tests check that each bad option names itself and
 * the fix.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>

#include "qemu_cmd.h"
#include "system.h"

enum accel_choice { ACCEL_AUTO, ACCEL_TCG, ACCEL_KVM };

/* Options shared by the subcommands that boot systems. */
struct common_options {
    enum accel_choice accel;
    enum qemu_machine machine;
    enum qemu_net net;
    unsigned mem_mb;
    double timeout_s;
    const char *build_dir;
    const char *qemu;
};

struct boot_options {
    struct common_options c;
    enum system_kind system;
    const char *workload;
    unsigned port;          /* 0: a free port */
    const char *serial_log; /* NULL: in the temporary folder */
    char **cmd;             /* after "--", NULL-terminated; NULL: none */
};

struct run_options {
    struct common_options c;
    const char *profile; /* "default", "paper", "tiny" */
    const char *out_dir;
    const char *systems; /* comma list, NULL: the profile's */
    const char *workload;
    int reps;          /* paper-mode repetitions, 0: the profile's */
    int queries;       /* lookups per repetition, 0: the profile's */
    const char *rates; /* comma list of qps, NULL: the profile's */
    double rate_s;     /* duration of each rate step, 0: the profile's */
    int min_mem;       /* search the smallest working -m */
    const char *pin;   /* "auto", "none" or "VCPU,IO,LOAD" CPU numbers */
    int no_dnsperf;    /* skip the dnsperf mode */
    int no_insn;       /* run QEMU without the instruction-counting plugin */
};

struct boot_times_options {
    struct common_options c;
    const char *systems;
    const char *workload;
    int reps;
};

/*
 * Each parser fills its struct from argv (argv[0] is the subcommand
 * name). Returns 0 to go on, 1 when --help was given (usage printed on
 * stdout), or -1 with a message in err that names the bad option and
 * the fix.
 */
int options_parse_boot(int argc, char **argv, struct boot_options *o, char *err,
                       size_t errlen);
int options_parse_run(int argc, char **argv, struct run_options *o, char *err,
                      size_t errlen);
int options_parse_boot_times(int argc, char **argv,
                             struct boot_times_options *o, char *err,
                             size_t errlen);
int options_parse_calibrate(int argc, char **argv, struct common_options *o,
                            char *err, size_t errlen);

/* Returns "auto", "tcg" or "kvm". */
const char *options_accel_name(enum accel_choice a);

#endif
