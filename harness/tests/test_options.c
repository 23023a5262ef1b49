/*
 * options: every bad option is rejected with a message that names the
 * option and states what to give instead.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "../options.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* Parses a boot command line that must fail; returns the message. */
static const char *boot_error(char **argv, int argc)
{
    static char err[512];
    struct boot_options o;

    err[0] = '\0';
    cr_assert_eq(options_parse_boot(argc, argv, &o, err, sizeof(err)), -1,
                 "accepted: %s", argv[argc - 1]);
    return err;
}

static void expect_mentions(const char *err, const char *a, const char *b)
{
    cr_expect(strstr(err, a) != NULL, "\"%s\" does not name %s", err, a);
    cr_expect(strstr(err, b) != NULL, "\"%s\" does not say %s", err, b);
}

Test(options_boot, valid_line_with_command)
{
    char *argv[] = {"boot",    "--system", "linux-guest", "--workload", "echo",
                    "--accel", "tcg",      "--machine",   "microvm",    "--mem",
                    "64",      "--port",   "5353",        "--timeout",  "30",
                    "--",      "dig",      "+short",      NULL};
    struct boot_options o;
    char err[256];

    cr_assert_eq(options_parse_boot(ARGC(argv), argv, &o, err, sizeof(err)), 0,
                 "%s", err);
    cr_expect_eq(o.system, SYSTEM_LINUX_GUEST);
    cr_expect_str_eq(o.workload, "echo");
    cr_expect_eq(o.c.accel, ACCEL_TCG);
    cr_expect_eq(o.c.machine, QEMU_MACHINE_MICROVM);
    cr_expect_eq(o.c.mem_mb, 64);
    cr_expect_eq(o.port, 5353);
    cr_expect_float_eq(o.c.timeout_s, 30, 1e-9);
    cr_assert_not_null(o.cmd);
    cr_expect_str_eq(o.cmd[0], "dig");
    cr_expect_str_eq(o.cmd[1], "+short");
    cr_expect_null(o.cmd[2]);
}

Test(options_boot, defaults)
{
    char *argv[] = {"boot", "--system", "unikernel", "--workload", "dns", NULL};
    struct boot_options o;
    char err[256];

    cr_assert_eq(options_parse_boot(ARGC(argv), argv, &o, err, sizeof(err)), 0,
                 "%s", err);
    cr_expect_eq(o.c.accel, ACCEL_AUTO);
    cr_expect_eq(o.c.machine, QEMU_MACHINE_PC);
    cr_expect_eq(o.c.mem_mb, 128);
    cr_expect_eq(o.port, 0);
    cr_expect_null(o.cmd);
}

Test(options_boot, bad_values_name_option_and_fix)
{
    char *sys[] = {"boot", "--workload", "dns", "--system", "bsd", NULL};
    char *wl[] = {"boot", "--system", "unikernel", "--workload", "http", NULL};
    char *acc[] = {"boot", "--system", "unikernel", "--workload",
                   "dns",  "--accel",  "hvf",       NULL};
    char *mach[] = {"boot", "--system",  "unikernel", "--workload",
                    "dns",  "--machine", "q35",       NULL};
    char *mem[] = {"boot", "--system", "unikernel", "--workload",
                   "dns",  "--mem",    "12x",       NULL};
    char *mem0[] = {"boot", "--system", "unikernel", "--workload",
                    "dns",  "--mem",    "0",         NULL};
    char *port[] = {"boot", "--system", "unikernel", "--workload",
                    "dns",  "--port",   "70000",     NULL};
    char *tmo[] = {"boot", "--system",  "unikernel", "--workload",
                   "dns",  "--timeout", "-1",        NULL};

    expect_mentions(boot_error(sys, ARGC(sys)), "--system", "unikernel");
    expect_mentions(boot_error(wl, ARGC(wl)), "--workload", "dns or echo");
    expect_mentions(boot_error(acc, ARGC(acc)), "--accel", "tcg, kvm or auto");
    expect_mentions(boot_error(mach, ARGC(mach)), "--machine", "microvm");
    expect_mentions(boot_error(mem, ARGC(mem)), "--mem", "MiB");
    expect_mentions(boot_error(mem0, ARGC(mem0)), "--mem", "from 1");
    expect_mentions(boot_error(port, ARGC(port)), "--port", "65535");
    expect_mentions(boot_error(tmo, ARGC(tmo)), "--timeout", "above 0");
}

Test(options_boot, missing_required_options)
{
    char *nosys[] = {"boot", "--workload", "dns", NULL};
    char *nowl[] = {"boot", "--system", "unikernel", NULL};

    expect_mentions(boot_error(nosys, ARGC(nosys)), "--system", "missing");
    expect_mentions(boot_error(nowl, ARGC(nowl)), "--workload", "missing");
}

Test(options_boot, unknown_option_and_stray_argument)
{
    char *unk[] = {"boot", "--system", "unikernel", "--workload",
                   "dns",  "--fast",   NULL};
    char *noval[] = {"boot", "--system", "unikernel", "--workload",
                     "dns",  "--mem",    NULL};
    char *stray[] = {"boot", "--system", "unikernel", "--workload",
                     "dns",  "dig",      NULL};

    expect_mentions(boot_error(unk, ARGC(unk)), "--fast", "--help");
    expect_mentions(boot_error(noval, ARGC(noval)), "--mem", "needs a value");
    expect_mentions(boot_error(stray, ARGC(stray)), "dig", "after --");
}

Test(options_boot, net_values)
{
    char *tap[] = {"boot", "--system", "unikernel", "--workload",
                   "dns",  "--net",    "tap",       NULL};
    char *bad[] = {"boot", "--system", "unikernel", "--workload",
                   "dns",  "--net",    "bridge",    NULL};
    struct boot_options o;
    char err[256];

    cr_expect_eq(options_parse_boot(ARGC(tap), tap, &o, err, sizeof(err)), 0,
                 "%s", err);
    cr_expect_eq(o.c.net, QEMU_NET_TAP);
    expect_mentions(boot_error(bad, ARGC(bad)), "--net", "user or tap");
}

/* Parses a run command line that must fail; returns the message. */
static const char *run_error(char **argv, int argc)
{
    static char err[512];
    struct run_options o;

    err[0] = '\0';
    cr_assert_eq(options_parse_run(argc, argv, &o, err, sizeof(err)), -1,
                 "accepted: %s", argv[argc - 1]);
    return err;
}

Test(options_run, valid_line)
{
    char *argv[] = {"run",
                    "--profile",
                    "tiny",
                    "--out",
                    "/tmp/r",
                    "--systems",
                    "unikernel,linux-native",
                    "--reps",
                    "3",
                    "--queries",
                    "50",
                    "--rates",
                    "100,2000.5",
                    "--rate-seconds",
                    "0.5",
                    "--pin",
                    "0,1,1",
                    "--min-mem",
                    "--no-dnsperf",
                    "--no-insn",
                    NULL};
    struct run_options o;
    char err[256];

    cr_assert_eq(options_parse_run(ARGC(argv), argv, &o, err, sizeof(err)), 0,
                 "%s", err);
    cr_expect_str_eq(o.profile, "tiny");
    cr_expect_str_eq(o.out_dir, "/tmp/r");
    cr_expect_str_eq(o.systems, "unikernel,linux-native");
    cr_expect_eq(o.reps, 3);
    cr_expect_eq(o.queries, 50);
    cr_expect_str_eq(o.rates, "100,2000.5");
    cr_expect_float_eq(o.rate_s, 0.5, 1e-9);
    cr_expect_str_eq(o.pin, "0,1,1");
    cr_expect_eq(o.min_mem, 1);
    cr_expect_eq(o.no_dnsperf, 1);
    cr_expect_eq(o.no_insn, 1);
}

Test(options_run, bad_values_name_option_and_fix)
{
    char *prof[] = {"run", "--profile", "huge", NULL};
    char *sys[] = {"run", "--systems", "unikernel,freebsd", NULL};
    char *gap[] = {"run", "--systems", "unikernel,,linux-native", NULL};
    char *lead[] = {"run", "--systems", ",unikernel", NULL};
    char *trail[] = {"run", "--systems", "unikernel,", NULL};
    char *rtrail[] = {"run", "--rates", "100,", NULL};
    char *empty[] = {"run", "--systems", "empty-qemu", NULL};
    char *reps[] = {"run", "--reps", "0", NULL};
    char *q[] = {"run", "--queries", "many", NULL};
    char *rates[] = {"run", "--rates", "100,,200", NULL};
    char *rate0[] = {"run", "--rates", "0", NULL};
    char *pin[] = {"run", "--pin", "0,1", NULL};
    char *rs[] = {"run", "--rate-seconds", "0", NULL};
    char *stray[] = {"run", "extra", NULL};
    char *twice[] = {"run", "--systems", "unikernel,linux-native,unikernel",
                     NULL};

    expect_mentions(run_error(prof, ARGC(prof)), "--profile", "tiny");
    expect_mentions(run_error(sys, ARGC(sys)), "--systems", "linux-guest");
    expect_mentions(run_error(gap, ARGC(gap)), "--systems", "empty item");
    expect_mentions(run_error(lead, ARGC(lead)), "--systems", "empty item");
    expect_mentions(run_error(trail, ARGC(trail)), "--systems", "empty item");
    expect_mentions(run_error(rtrail, ARGC(rtrail)), "--rates", "per second");
    expect_mentions(run_error(empty, ARGC(empty)), "--systems", "comma");
    expect_mentions(run_error(reps, ARGC(reps)), "--reps", "from 1");
    expect_mentions(run_error(q, ARGC(q)), "--queries", "whole number");
    expect_mentions(run_error(rates, ARGC(rates)), "--rates", "per second");
    expect_mentions(run_error(rate0, ARGC(rate0)), "--rates", "above 0");
    expect_mentions(run_error(pin, ARGC(pin)), "--pin", "VCPU,IO,LOAD");
    expect_mentions(run_error(rs, ARGC(rs)), "--rate-seconds", "above 0");
    expect_mentions(run_error(stray, ARGC(stray)), "extra", "--help");
    expect_mentions(run_error(twice, ARGC(twice)), "unikernel given twice",
                    "once");
}

/* Every option of `ukbench run --help` but --help itself names a default. */
Test(options_run, help_gives_every_default, .init = cr_redirect_stdout)
{
    char *help[] = {"run", "--help", NULL};
    struct run_options o;
    char err[256];
    char text[8192];
    size_t n;
    int options = 0;
    FILE *out;

    cr_assert_eq(options_parse_run(ARGC(help), help, &o, err, sizeof(err)), 1);
    fflush(stdout);
    out = cr_get_redirected_stdout();
    n = fread(text, 1, sizeof(text) - 1, out);
    text[n] = '\0';
    for (char *opt = strstr(text, "\n  --"); opt;) {
        char *next = strstr(opt + 1, "\n  --");
        char name[32];

        if (next)
            *next = '\0';
        sscanf(opt + 3, "%31s", name);
        cr_expect(strstr(opt, "default") != NULL, "%s: no default in \"%s\"",
                  name, opt + 1);
        options++;
        if (next)
            *next = '\n';
        opt = next;
    }
    /* 12 of run and 7 common ones. */
    cr_expect_eq(options, 19, "%d options found", options);
}

Test(options_boot_times, reps_and_systems)
{
    char *ok[] = {"boot-times", "--reps", "3", "--systems", "unikernel", NULL};
    char *bad[] = {"boot-times", "--reps", "5000", NULL};
    struct boot_times_options o;
    char err[256];

    cr_assert_eq(options_parse_boot_times(ARGC(ok), ok, &o, err, sizeof(err)),
                 0, "%s", err);
    cr_expect_eq(o.reps, 3);
    cr_expect_str_eq(o.systems, "unikernel");
    cr_expect_eq(options_parse_boot_times(ARGC(bad), bad, &o, err, sizeof(err)),
                 -1);
    expect_mentions(err, "--reps", "1000");
}
