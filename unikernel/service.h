/* The UDP service around the linked workload, and the control port. */
#ifndef UK_SERVICE_H
#define UK_SERVICE_H

#include <stdint.h>

/* Counters of the service, as in BENCH_COUNTERS_PREFIX (bench_abi.h). */
struct service_counters {
    uint64_t rx;       /* requests received */
    uint64_t tx;       /* responses sent */
    uint64_t dropped;  /* requests given no response */
    uint64_t answered; /* equal to tx */
};

extern struct service_counters service_counters;

/*
 * Binds the workload's UDP port and the control port (BENCH_CONTROL_PORT).
 * Returns 0, or -1 with the reason printed.
 */
int service_start(void);

/* Prints the counters line and the NIC's frame counters on the serial port. */
void service_print_counters(void);

#endif
