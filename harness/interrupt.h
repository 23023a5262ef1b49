/*
 * interrupt: SIGINT and SIGTERM handling. The handler only sets a flag;
 * every wait loop of the harness checks it, stops its children and
 * returns, so no QEMU or server outlives an interrupted run.
 */
#ifndef INTERRUPT_H
#define INTERRUPT_H

/*
 * Installs handlers for SIGINT and SIGTERM without SA_RESTART, so a
 * blocking poll() or read() returns EINTR. Returns 0 or -1 (errno set).
 */
int interrupt_install(void);

/* Returns the signal number received so far, or 0. */
int interrupt_requested(void);

#endif
