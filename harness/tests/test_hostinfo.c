/*
 * Unit tests of hostinfo: the cpuinfo parser on recorded text, command
 * output capture, and the real host's facts.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hostinfo.h"

Test(hostinfo_cpu, model_from_recorded_cpuinfo)
{
    static const char cpuinfo[] =
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
        "model\t\t: 1\nmodel name\t: AMD EPYC 7B13\nstepping\t: 0\n\n"
        "processor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
    char model[64] = "";

    cr_assert_eq(hostinfo_parse_cpu_model(cpuinfo, model, sizeof(model)), 0);
    cr_assert_str_eq(model, "AMD EPYC 7B13");
}

Test(hostinfo_cpu, model_truncated_to_buffer)
{
    char model[4];

    cr_assert_eq(hostinfo_parse_cpu_model("model name\t: Intel(R) Xeon(R)\n",
                                          model, sizeof(model)),
                 0);
    cr_assert_str_eq(model, "Int");
}

Test(hostinfo_cpu, no_model_line)
{
    char model[16] = "keep";

    cr_assert_eq(hostinfo_parse_cpu_model("processor\t: 0\nBogoMIPS\t: 50\n",
                                          model, sizeof(model)),
                 -ENOENT);
    cr_assert_str_eq(model, "keep");
}

Test(hostinfo_run, first_line_of_output)
{
    char *argv[] = {"printf", "first\\nsecond\\n", NULL};
    char out[32];

    cr_assert_eq(hostinfo_run_first_line(argv, NULL, out, sizeof(out)), 0);
    cr_assert_str_eq(out, "first");
}

Test(hostinfo_run, runs_in_given_directory)
{
    char *argv[] = {"pwd", NULL};
    char out[64];

    cr_assert_eq(hostinfo_run_first_line(argv, "/tmp", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "/tmp");
}

Test(hostinfo_run, failure_and_missing_command)
{
    char *fails[] = {"false", NULL};
    char *missing[] = {"ukb-no-such-command", NULL};
    char out[32];

    cr_assert_eq(hostinfo_run_first_line(fails, NULL, out, sizeof(out)),
                 -ECHILD);
    cr_assert_eq(hostinfo_run_first_line(missing, NULL, out, sizeof(out)),
                 -ENOENT);
}

Test(hostinfo_read, real_host)
{
    struct hostinfo info;
    struct utsname uts;

    cr_assert_eq(hostinfo_read(&info, NULL, NULL, UKB_SOURCE_DIR), 0);
    cr_assert_eq(uname(&uts), 0);
    cr_assert_str_eq(info.kernel, uts.release);
    cr_assert_eq(info.cores, sysconf(_SC_NPROCESSORS_ONLN));
    cr_assert_neq(info.cpu_model[0], '\0');
    /* qemu-system-x86 is a build dependency (scripts/deps.sh). */
    cr_assert_eq(strncmp(info.qemu_version, "QEMU emulator version ", 22), 0,
                 "%s", info.qemu_version);
    cr_assert_neq(strcmp(info.git_commit, "unknown"), 0);
}

Test(hostinfo_read, not_a_checkout_is_unknown)
{
    struct hostinfo info;

    cr_assert_eq(hostinfo_read(&info, NULL, "ukb-no-such-qemu", "/"), 0);
    cr_assert_str_eq(info.git_commit, "unknown");
    cr_assert_str_eq(info.qemu_version, "unavailable");
}
