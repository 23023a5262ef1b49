/*
 * qmp: a small client of the QEMU Machine Protocol over a UNIX socket,
 * with jansson for the JSON. Used for query-status, quit and, under KVM,
 * query-stats (KVM exit counts).
 */
#ifndef QMP_H
#define QMP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct qmp;

/*
 * Connects to QEMU's QMP socket at path, reads the greeting and enters
 * command mode (qmp_capabilities). Returns the connection, or NULL with the
 * reason in err (the socket does not exist yet, QEMU sent no greeting).
 */
struct qmp *qmp_connect(const char *path, char *err, size_t errlen);

/* Closes the connection; NULL is ignored. */
void qmp_close(struct qmp *q);

/*
 * Runs the command `execute` with arguments args, whose reference it
 * steals (NULL: no arguments). Returns the reply's "return" member as a
 * new reference for the caller to json_decref, skipping asynchronous
 * events. Returns NULL with the reason in err on an "error" reply, EOF or
 * a 5 s timeout.
 */
json_t *qmp_execute(struct qmp *q, const char *execute, json_t *args, char *err,
                    size_t errlen);

/*
 * Copies the run state from query-status ("running", "paused",
 * "shutdown"...) into out. Returns 0, or -1 with the reason in err.
 */
int qmp_status(struct qmp *q, char *out, size_t cap, char *err, size_t errlen);

/* Asks QEMU to quit. Returns 0, or -1 with the reason in err. */
int qmp_quit(struct qmp *q, char *err, size_t errlen);

/*
 * Sums the KVM "exits" statistic over every vCPU from query-stats
 * (target "vcpu", provider "kvm"). Returns 0 with *exits set, or -1 with
 * the reason in err (TCG, or a QEMU without query-stats).
 */
int qmp_kvm_exits(struct qmp *q, uint64_t *exits, char *err, size_t errlen);

/*
 * Extracts the sum of the "exits" statistic from a query-stats reply
 * (the "return" array). Returns 0, or -1 when the reply has no such
 * statistic. Separate from qmp_kvm_exits() so tests feed a recorded reply.
 */
int qmp_parse_kvm_exits(const json_t *ret, uint64_t *exits);

#endif
