/*
 * The interface every workload (request handler) implements. A workload is
 * freestanding C: no I/O, no allocation, no libc beyond memcpy, memset,
 * memcmp and strlen. The same object file is linked into the unikernel and
 * into the Linux server, which each define `workload` by linking exactly one
 * workload object.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

struct workload {
    const char *name; /* "dns", "echo" */
    uint16_t port;    /* UDP port served inside a guest */

    /*
     * Handles one request of `len` bytes and writes the response into
     * `resp`, which holds `cap` bytes. Returns the response length, or 0 to
     * send nothing (the caller counts it as dropped). Never reads outside
     * req[0..len) or writes outside resp[0..cap). Reentrant: no state
     * outside the arguments is written.
     */
    size_t (*handle)(const uint8_t *req, size_t len, uint8_t *resp,
                     size_t cap);
};

/* Defined by the one workload object linked into a program. */
extern const struct workload workload;

#endif
