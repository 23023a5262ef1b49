/*
 * The echo workload: returns each datagram's payload unchanged, cut to the
 * response buffer's size. An empty datagram gets no reply, because a return
 * value of 0 means "send nothing" in struct workload's contract.
 */
#include "bench_abi.h"
#include "workload.h"

static size_t echo_handle(const uint8_t *req, size_t len, uint8_t *resp,
                          size_t cap)
{
    size_t n = len < cap ? len : cap;

    for (size_t i = 0; i < n; i++)
        resp[i] = req[i];
    return n;
}

const struct workload workload = {
    .name = "echo",
    .port = BENCH_ECHO_PORT,
    .handle = echo_handle,
};
