/* Unit tests of the echo workload, linked with build/workloads/echo.o. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench_abi.h"
#include "workload.h"

Test(echo, identity)
{
    cr_assert_str_eq(workload.name, "echo");
    cr_assert_eq(workload.port, BENCH_ECHO_PORT);
}

Test(echo, returns_payload_unchanged)
{
    uint8_t req[300];
    uint8_t resp[300];

    for (size_t i = 0; i < sizeof(req); i++)
        req[i] = (uint8_t)(i * 7 + 3);
    size_t n = workload.handle(req, sizeof(req), resp, sizeof(resp));
    cr_assert_eq(n, sizeof(req));
    cr_assert_arr_eq(resp, req, sizeof(req));
}

Test(echo, truncates_to_cap)
{
    uint8_t req[100];
    uint8_t resp[64];

    memset(req, 'x', sizeof(req));
    memset(resp, 0xee, sizeof(resp));
    size_t n = workload.handle(req, sizeof(req), resp, 40);
    cr_assert_eq(n, 40);
    cr_assert_arr_eq(resp, req, 40);
    for (size_t i = 40; i < sizeof(resp); i++)
        cr_assert_eq(resp[i], 0xee, "byte %zu past cap was written", i);
}

Test(echo, empty_datagram_gets_no_reply)
{
    uint8_t req[1] = {0};
    uint8_t resp[16];

    cr_assert_eq(workload.handle(req, 0, resp, sizeof(resp)), 0);
}
