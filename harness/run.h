/*
 * run: the `ukbench run` and `ukbench boot-times` subcommands.
 */
#ifndef RUN_H
#define RUN_H

/* Runs `ukbench run`; returns the process exit status. */
int run_main(int argc, char **argv);

/* Runs `ukbench boot-times`; returns the process exit status. */
int boot_times_main(int argc, char **argv);

#endif
