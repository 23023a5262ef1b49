#include "run.h"

#include <stdio.h>

int run_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "ukbench run: not implemented yet\n");
    return 1;
}

int boot_times_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "ukbench boot-times: not implemented yet\n");
    return 1;
}
