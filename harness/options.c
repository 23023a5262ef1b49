/*
 * Option parsing with getopt_long. Every error message names the option,
 * the value it got and what it accepts.
 */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_ACCEL = 1000,
    OPT_MACHINE,
    OPT_NET,
    OPT_MEM,
    OPT_TIMEOUT,
    OPT_BUILD_DIR,
    OPT_QEMU,
    OPT_SYSTEM,
    OPT_SYSTEMS,
    OPT_WORKLOAD,
    OPT_PORT,
    OPT_SERIAL_LOG,
    OPT_PROFILE,
    OPT_OUT,
    OPT_REPS,
    OPT_QUERIES,
    OPT_RATES,
    OPT_RATE_SECONDS,
    OPT_MIN_MEM,
    OPT_PIN,
    OPT_NO_DNSPERF,
    OPT_NO_INSN,
    OPT_HELP,
};

#define COMMON_LONG_OPTIONS                                                    \
    {"accel", required_argument, NULL, OPT_ACCEL},                             \
        {"machine", required_argument, NULL, OPT_MACHINE},                     \
        {"net", required_argument, NULL, OPT_NET},                             \
        {"mem", required_argument, NULL, OPT_MEM},                             \
        {"timeout", required_argument, NULL, OPT_TIMEOUT},                     \
        {"build-dir", required_argument, NULL, OPT_BUILD_DIR},                 \
        {"qemu", required_argument, NULL, OPT_QEMU},                           \
    {                                                                          \
        "help", no_argument, NULL, OPT_HELP                                    \
    }

static const char common_usage[] =
    "  --accel tcg|kvm|auto   accelerator (default auto: KVM only when a\n"
    "                         calibration loop runs near native speed)\n"
    "  --machine pc|microvm   QEMU machine type (default pc)\n"
    "  --net user|tap         network backend (default user, hostfwd on\n"
    "                         127.0.0.1)\n"
    "  --mem MB               guest memory in MiB (default 128)\n"
    "  --timeout SECONDS      boot-to-ready limit (default 120)\n"
    "  --build-dir DIR        build products (default build)\n"
    "  --qemu PATH            QEMU binary (default qemu-system-x86_64)\n";

const char *options_accel_name(enum accel_choice a)
{
    return a == ACCEL_KVM ? "kvm" : a == ACCEL_TCG ? "tcg" : "auto";
}

static void common_defaults(struct common_options *c)
{
    c->accel = ACCEL_AUTO;
    c->machine = QEMU_MACHINE_PC;
    c->net = QEMU_NET_USER;
    c->mem_mb = QEMU_DEFAULT_MEM_MB;
    c->timeout_s = 120;
    c->build_dir = "build";
    c->qemu = NULL;
}

/* Parses a whole decimal number in [min, max]; -1 otherwise. */
static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !(v > 0) || v > 86400)
        return -1;
    *out = v;
    return 0;
}

/* Handles a common option; returns 0 if handled, -1 on error, 1 if not. */
static int common_option(int opt, const char *arg, struct common_options *c,
                         char *err, size_t errlen)
{
    long v;

    switch (opt) {
    case OPT_ACCEL:
        if (strcmp(arg, "auto") == 0)
            c->accel = ACCEL_AUTO;
        else if (strcmp(arg, "tcg") == 0)
            c->accel = ACCEL_TCG;
        else if (strcmp(arg, "kvm") == 0)
            c->accel = ACCEL_KVM;
        else
            goto bad_accel;
        return 0;
    case OPT_MACHINE:
        if (qemu_machine_parse(arg, &c->machine) < 0) {
            snprintf(err, errlen,
                     "--machine: invalid value \"%s\": use pc or microvm", arg);
            return -1;
        }
        return 0;
    case OPT_NET:
        if (qemu_net_parse(arg, &c->net) < 0) {
            snprintf(err, errlen,
                     "--net: invalid value \"%s\": use user or tap", arg);
            return -1;
        }
        return 0;
    case OPT_MEM:
        if (parse_long(arg, 1, 1048576, &v) < 0) {
            snprintf(err, errlen,
                     "--mem: invalid value \"%s\": give whole MiB from 1 "
                     "to 1048576",
                     arg);
            return -1;
        }
        c->mem_mb = (unsigned)v;
        return 0;
    case OPT_TIMEOUT:
        if (parse_seconds(arg, &c->timeout_s) < 0) {
            snprintf(err, errlen,
                     "--timeout: invalid value \"%s\": give seconds above "
                     "0, at most 86400",
                     arg);
            return -1;
        }
        return 0;
    case OPT_BUILD_DIR:
        c->build_dir = arg;
        return 0;
    case OPT_QEMU:
        c->qemu = arg;
        return 0;
    default:
        return 1;
    }
bad_accel:
    snprintf(err, errlen, "--accel: invalid value \"%s\": use tcg, kvm or auto",
             arg);
    return -1;
}

/* Formats getopt's own failures: an unknown option or a missing value. */
static void getopt_error(char **argv, const char *sub, char *err, size_t errlen)
{
    const char *bad = argv[optind - 1];

    if (optopt)
        snprintf(err, errlen,
                 "option %s needs a value: see `ukbench %s --help`", bad, sub);
    else
        snprintf(err, errlen, "unknown option %s: see `ukbench %s --help`", bad,
                 sub);
}

static int parse_workload(const char *arg, const char **out, char *err,
                          size_t errlen)
{
    if (strcmp(arg, "dns") != 0 && strcmp(arg, "echo") != 0) {
        snprintf(err, errlen,
                 "--workload: invalid value \"%s\": use dns or echo", arg);
        return -1;
    }
    *out = arg;
    return 0;
}

/*
 * Checks a comma list of systems ("unikernel,linux-guest,linux-native").
 */
static int check_systems(const char *list, char *err, size_t errlen)
{
    char buf[256];
    char *save;
    int seen[SYSTEM_EMPTY_QEMU + 1] = {0};
    int n = 0;

    if (strlen(list) >= sizeof(buf))
        goto bad;
    /* strtok_r skips empty items: find them first. */
    if (list[0] == ',' || strstr(list, ",,") ||
        (list[0] && list[strlen(list) - 1] == ',')) {
        snprintf(err, errlen,
                 "--systems: empty item in \"%s\": separate the names "
                 "with single commas",
                 list);
        return -1;
    }
    strcpy(buf, list);
    for (char *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        enum system_kind k;

        if (system_kind_parse(t, &k) < 0 || k == SYSTEM_EMPTY_QEMU)
            goto bad;
        if (seen[k]++) {
            snprintf(err, errlen,
                     "--systems: %s given twice in \"%s\": name each "
                     "system once",
                     t, list);
            return -1;
        }
        n++;
    }
    if (n > 0)
        return 0;
bad:
    snprintf(err, errlen,
             "--systems: invalid value \"%s\": give a comma list of "
             "unikernel, linux-guest, linux-native",
             list);
    return -1;
}

static const char boot_usage[] =
    "usage: ukbench boot --system unikernel|linux-guest|linux-native\n"
    "                    --workload dns|echo [options] [-- CMD ARGS...]\n"
    "Boots one system, waits for its ready signal and prints\n"
    "  ready port=P control=C pid=N boot_s=X guest_insn=N|unavailable\n"
    "With CMD: runs it with UKBENCH_PORT and UKBENCH_CONTROL_PORT set,\n"
    "then powers the system off and prints its exit status and counters;\n"
    "exits 0 only if CMD passed and the system exited cleanly. Without\n"
    "CMD: holds until stdin reaches EOF, SIGINT or SIGTERM.\n"
    "  --system NAME          system to boot (required)\n"
    "  --workload dns|echo    service (required)\n"
    "  --port P               127.0.0.1 port of the service (default: a\n"
    "                         free one)\n"
    "  --serial-log FILE      keep the serial log here (linux-native: the\n"
    "                         server's stdout and stderr)\n";

int options_parse_boot(int argc, char **argv, struct boot_options *o, char *err,
                       size_t errlen)
{
    static const struct option longopts[] = {
        COMMON_LONG_OPTIONS,
        {"system", required_argument, NULL, OPT_SYSTEM},
        {"workload", required_argument, NULL, OPT_WORKLOAD},
        {"port", required_argument, NULL, OPT_PORT},
        {"serial-log", required_argument, NULL, OPT_SERIAL_LOG},
        {NULL, 0, NULL, 0},
    };
    int have_system = 0;
    int opt;
    long v;

    memset(o, 0, sizeof(*o));
    common_defaults(&o->c);
    optind = 0; /* glibc: full reinitialisation */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        int rc = common_option(opt, optarg, &o->c, err, errlen);

        if (rc <= 0) {
            if (rc < 0)
                return -1;
            continue;
        }
        switch (opt) {
        case OPT_HELP:
            printf("%s%s", boot_usage, common_usage);
            return 1;
        case OPT_SYSTEM:
            if (system_kind_parse(optarg, &o->system) < 0 ||
                o->system == SYSTEM_EMPTY_QEMU) {
                snprintf(err, errlen,
                         "--system: invalid value \"%s\": use unikernel, "
                         "linux-guest or linux-native",
                         optarg);
                return -1;
            }
            have_system = 1;
            break;
        case OPT_WORKLOAD:
            if (parse_workload(optarg, &o->workload, err, errlen) < 0)
                return -1;
            break;
        case OPT_PORT:
            if (parse_long(optarg, 1, 65535, &v) < 0) {
                snprintf(err, errlen,
                         "--port: invalid value \"%s\": give a UDP port "
                         "from 1 to 65535",
                         optarg);
                return -1;
            }
            o->port = (unsigned)v;
            break;
        case OPT_SERIAL_LOG:
            o->serial_log = optarg;
            break;
        default:
            getopt_error(argv, "boot", err, errlen);
            return -1;
        }
    }
    if (!have_system) {
        snprintf(err, errlen,
                 "--system missing: give unikernel, linux-guest or "
                 "linux-native");
        return -1;
    }
    if (!o->workload) {
        snprintf(err, errlen, "--workload missing: give dns or echo");
        return -1;
    }
    if (optind < argc) {
        if (strcmp(argv[optind - 1], "--") != 0) {
            snprintf(err, errlen,
                     "unexpected argument \"%s\": put the command "
                     "to run after --",
                     argv[optind]);
            return -1;
        }
        o->cmd = argv + optind;
    }
    return 0;
}

/* NOTE: the per-profile defaults restate profiles[] in run.c. */
static const char run_usage[] =
    "usage: ukbench run [--profile default|paper|tiny] [--out DIR]\n"
    "                   [options]\n"
    "Boots each system in turn, measures boot, idle, paper-mode lookups,\n"
    "an open-loop rate sweep and a dnsperf run, and appends rows to\n"
    "DIR/PROFILE.csv (columns: results/README.md); then prints a summary.\n"
    "  --profile NAME         default (within 15 min under TCG), paper\n"
    "                         (100 x 1000 lookups), tiny (a smoke run);\n"
    "                         default: default\n"
    "  --out DIR              results folder (default results)\n"
    "  --systems LIST         comma list of unikernel, linux-guest,\n"
    "                         linux-native (default all three)\n"
    "  --workload dns|echo    service (default dns)\n"
    "  --reps N               paper-mode repetitions per system (default\n"
    "                         from the profile: default 20, paper 100,\n"
    "                         tiny 2)\n"
    "  --queries N            lookups per repetition (default from the\n"
    "                         profile: 1000, tiny 20)\n"
    "  --rates LIST           comma list of offered rates, queries/s\n"
    "                         (default from the profile:\n"
    "                         200,500,1000,2000,5000,10000, tiny 100)\n"
    "  --rate-seconds S       duration of each rate step, seconds (default\n"
    "                         from the profile: default 3, paper 5, tiny 1)\n"
    "  --min-mem              search the smallest working guest memory\n"
    "                         (default off)\n"
    "  --pin auto|none|V,I,L  pin the vCPU thread, QEMU's other threads and\n"
    "                         the load generator to CPUs V, I, L (default\n"
    "                         none)\n"
    "  --no-dnsperf           skip the dnsperf cross-check (default: run\n"
    "                         it for the dns workload)\n"
    "  --no-insn              run QEMU without the guest-instruction plugin\n"
    "                         (guest_insn unavailable; default: load it\n"
    "                         under TCG)\n";

static int check_rates(const char *list, char *err, size_t errlen)
{
    const char *p = list;

    while (*p) {
        char *end;
        double v;

        errno = 0;
        v = strtod(p, &end);
        if (errno || end == p || !(v > 0) || v > 10e6 ||
            (*end != ',' && *end != '\0'))
            goto bad;
        p = *end ? end + 1 : end;
    }
    /* A trailing comma would end the loop above with an empty last item. */
    if (*list && list[strlen(list) - 1] != ',')
        return 0;
bad:
    snprintf(err, errlen,
             "--rates: invalid value \"%s\": give a comma list of queries "
             "per second, each above 0 and at most 10000000",
             list);
    return -1;
}

static int check_pin(const char *pin, char *err, size_t errlen)
{
    int a, b, c;
    char extra;

    if (strcmp(pin, "auto") == 0 || strcmp(pin, "none") == 0)
        return 0;
    if (sscanf(pin, "%d,%d,%d%c", &a, &b, &c, &extra) == 3 && a >= 0 &&
        b >= 0 && c >= 0)
        return 0;
    snprintf(err, errlen,
             "--pin: invalid value \"%s\": use auto, none or three CPU "
             "numbers VCPU,IO,LOAD",
             pin);
    return -1;
}

static int run_option(int opt, const char *arg, struct run_options *o,
                      char *err, size_t errlen)
{
    long v;

    switch (opt) {
    case OPT_PROFILE:
        if (strcmp(arg, "default") && strcmp(arg, "paper") &&
            strcmp(arg, "tiny")) {
            snprintf(err, errlen,
                     "--profile: invalid value \"%s\": use default, paper "
                     "or tiny",
                     arg);
            return -1;
        }
        o->profile = arg;
        return 0;
    case OPT_OUT:
        o->out_dir = arg;
        return 0;
    case OPT_SYSTEMS:
        o->systems = arg;
        return check_systems(arg, err, errlen);
    case OPT_WORKLOAD:
        return parse_workload(arg, &o->workload, err, errlen);
    case OPT_REPS:
    case OPT_QUERIES:
        if (parse_long(arg, 1, 1000000, &v) < 0) {
            snprintf(err, errlen,
                     "%s: invalid value \"%s\": give a whole number from 1 "
                     "to 1000000",
                     opt == OPT_REPS ? "--reps" : "--queries", arg);
            return -1;
        }
        if (opt == OPT_REPS)
            o->reps = (int)v;
        else
            o->queries = (int)v;
        return 0;
    case OPT_RATES:
        o->rates = arg;
        return check_rates(arg, err, errlen);
    case OPT_RATE_SECONDS:
        if (parse_seconds(arg, &o->rate_s) < 0) {
            snprintf(err, errlen,
                     "--rate-seconds: invalid value \"%s\": give seconds "
                     "above 0, at most 86400",
                     arg);
            return -1;
        }
        return 0;
    case OPT_MIN_MEM:
        o->min_mem = 1;
        return 0;
    case OPT_PIN:
        o->pin = arg;
        return check_pin(arg, err, errlen);
    case OPT_NO_DNSPERF:
        o->no_dnsperf = 1;
        return 0;
    case OPT_NO_INSN:
        o->no_insn = 1;
        return 0;
    default:
        return 1;
    }
}

int options_parse_run(int argc, char **argv, struct run_options *o, char *err,
                      size_t errlen)
{
    static const struct option longopts[] = {
        COMMON_LONG_OPTIONS,
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"out", required_argument, NULL, OPT_OUT},
        {"systems", required_argument, NULL, OPT_SYSTEMS},
        {"workload", required_argument, NULL, OPT_WORKLOAD},
        {"reps", required_argument, NULL, OPT_REPS},
        {"queries", required_argument, NULL, OPT_QUERIES},
        {"rates", required_argument, NULL, OPT_RATES},
        {"rate-seconds", required_argument, NULL, OPT_RATE_SECONDS},
        {"min-mem", no_argument, NULL, OPT_MIN_MEM},
        {"pin", required_argument, NULL, OPT_PIN},
        {"no-dnsperf", no_argument, NULL, OPT_NO_DNSPERF},
        {"no-insn", no_argument, NULL, OPT_NO_INSN},
        {NULL, 0, NULL, 0},
    };
    int opt;

    memset(o, 0, sizeof(*o));
    common_defaults(&o->c);
    o->profile = "default";
    o->out_dir = "results";
    o->workload = "dns";
    o->pin = "none";
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int rc = common_option(opt, optarg, &o->c, err, errlen);

        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (opt == OPT_HELP) {
            printf("%s%s", run_usage, common_usage);
            return 1;
        }
        rc = run_option(opt, optarg, o, err, errlen);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            getopt_error(argv, "run", err, errlen);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen,
                 "unexpected argument \"%s\": see `ukbench run --help`",
                 argv[optind]);
        return -1;
    }
    return 0;
}

static const char boot_times_usage[] =
    "usage: ukbench boot-times [--systems LIST] [--reps N] [options]\n"
    "Boots each system N times (default 5) and prints the median wall\n"
    "time and guest instructions from QEMU start to the ready signal.\n"
    "  --systems LIST         comma list (default all three)\n"
    "  --workload dns|echo    service (default dns)\n"
    "  --reps N               boots per system (default 5)\n";

int options_parse_boot_times(int argc, char **argv,
                             struct boot_times_options *o, char *err,
                             size_t errlen)
{
    static const struct option longopts[] = {
        COMMON_LONG_OPTIONS,
        {"systems", required_argument, NULL, OPT_SYSTEMS},
        {"workload", required_argument, NULL, OPT_WORKLOAD},
        {"reps", required_argument, NULL, OPT_REPS},
        {NULL, 0, NULL, 0},
    };
    int opt;
    long v;

    memset(o, 0, sizeof(*o));
    common_defaults(&o->c);
    o->systems = "unikernel,linux-guest,linux-native";
    o->workload = "dns";
    o->reps = 5;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int rc = common_option(opt, optarg, &o->c, err, errlen);

        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        switch (opt) {
        case OPT_HELP:
            printf("%s%s", boot_times_usage, common_usage);
            return 1;
        case OPT_SYSTEMS:
            if (check_systems(optarg, err, errlen) < 0)
                return -1;
            o->systems = optarg;
            break;
        case OPT_WORKLOAD:
            if (parse_workload(optarg, &o->workload, err, errlen) < 0)
                return -1;
            break;
        case OPT_REPS:
            if (parse_long(optarg, 1, 1000, &v) < 0) {
                snprintf(err, errlen,
                         "--reps: invalid value \"%s\": give a whole "
                         "number from 1 to 1000",
                         optarg);
                return -1;
            }
            o->reps = (int)v;
            break;
        default:
            getopt_error(argv, "boot-times", err, errlen);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen,
                 "unexpected argument \"%s\": see `ukbench "
                 "boot-times --help`",
                 argv[optind]);
        return -1;
    }
    return 0;
}

static const char calibrate_usage[] =
    "usage: ukbench calibrate [options]\n"
    "Times a guest loop of known length under KVM and TCG against the same\n"
    "loop run natively, and prints which accelerator `--accel auto`\n"
    "picks and why.\n";

int options_parse_calibrate(int argc, char **argv, struct common_options *o,
                            char *err, size_t errlen)
{
    static const struct option longopts[] = {
        COMMON_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int opt;

    common_defaults(o);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int rc = common_option(opt, optarg, o, err, errlen);

        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (opt == OPT_HELP) {
            printf("%s%s", calibrate_usage, common_usage);
            return 1;
        }
        getopt_error(argv, "calibrate", err, errlen);
        return -1;
    }
    if (optind < argc) {
        snprintf(err, errlen,
                 "unexpected argument \"%s\": see `ukbench "
                 "calibrate --help`",
                 argv[optind]);
        return -1;
    }
    return 0;
}
