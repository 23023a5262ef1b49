/*
 * libFuzzer target over the DNS handler. The request buffer is exactly the
 * input's size and the response buffer exactly `cap`, both on the heap, so
 * AddressSanitizer catches a read or write past either one. The first input
 * byte picks `cap`, so small response buffers are covered too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

static void fuzz_check_reply(const uint8_t *req, size_t len,
                             const uint8_t *resp, size_t n, size_t cap)
{
    if (n == 0)
        return;
    /* Any reply echoes the ID, sets QR and fits the buffer. */
    if (n > cap || n < DNS_HEADER_LEN || len < DNS_HEADER_LEN)
        abort();
    if (resp[0] != req[0] || resp[1] != req[1] || (resp[2] & 0x80) == 0)
        abort();
    /* Responses are never answered. */
    if (req[2] & 0x80)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = data[0] < 8 ? (size_t)data[0] * 8 : 1232;
    const uint8_t *req = data + 1;
    size_t len = size - 1;

    uint8_t *resp = malloc(cap ? cap : 1);
    if (resp == NULL)
        abort();
    size_t n = dns_handle(req, len, resp, cap);
    fuzz_check_reply(req, len, resp, n, cap);
    free(resp);
    return 0;
}
