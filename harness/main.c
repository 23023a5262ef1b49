/*
 * ukbench: boots the systems under test, drives load against them and
 * writes measurements as CSV rows. See harness/README.md.
 */
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "run.h"

static const char usage[] =
    "usage: ukbench COMMAND [OPTIONS]\n"
    "commands:\n"
    "  boot        boot one system and wait for ready (then run a command)\n"
    "  run         run a measurement profile and append CSV rows\n"
    "  boot-times  median boot-to-ready per system, as a table\n"
    "  calibrate   print the KVM calibration behind --accel auto\n"
    "`ukbench COMMAND --help` describes each command's options.\n";

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "boot") == 0)
        return boot_main(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return run_main(argc - 1, argv + 1);
    if (strcmp(cmd, "boot-times") == 0)
        return boot_times_main(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0)
        return calibrate_main(argc - 1, argv + 1);
    fprintf(stderr,
            "ukbench: unknown command \"%s\": use boot, run, boot-times or "
            "calibrate (see ukbench --help)\n",
            cmd);
    return 2;
}
