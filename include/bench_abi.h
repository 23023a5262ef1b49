/*
 * Constants shared by everything that runs inside a guest (the unikernel,
 * the Linux guest's init and server) and the host-side harness.
 */
#ifndef BENCH_ABI_H
#define BENCH_ABI_H

/*
 * Ready signal: once the network service is listening, the guest writes
 * BENCH_READY_BYTE to I/O port BENCH_DEBUGCON_PORT. QEMU's isa-debugcon
 * device (0xe9 is its default iobase) forwards the byte to a chardev the
 * harness reads, so boot-to-ready is timed without parsing the serial log.
 */
#define BENCH_DEBUGCON_PORT 0xe9
#define BENCH_READY_BYTE 'R'

/*
 * Power-off: QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04`.
 * A guest write of v makes QEMU exit with status 2v+1, so status 0 can never
 * come from the guest. The harness maps these statuses back.
 */
#define BENCH_EXIT_PORT 0xf4
#define BENCH_EXIT_OK 0x10    /* clean power-off on request: status 33 */
#define BENCH_EXIT_PANIC 0x11 /* CPU exception or failed assert: status 35 */
#define BENCH_EXIT_FAIL 0x12  /* start-up failed (no NIC, no stack): 37 */
#define BENCH_EXIT_STATUS(v) (2 * (v) + 1)

/* Serial-log line printed once when ready, followed by details. */
#define BENCH_READY_LINE "bench: ready"

/*
 * Counters line, printed on a "stats" request and at power-off, with the
 * fields in this order (decimal, space separated):
 *   bench: counters rx=N tx=N dropped=N answered=N
 * rx: requests received by the service; tx: responses sent; dropped:
 * requests given no response (malformed, or the workload chose to drop);
 * answered: equal to tx for request-response services.
 */
#define BENCH_COUNTERS_PREFIX "bench: counters"

/*
 * Control port: a UDP datagram "stats" to this port (inside the guest) makes
 * the service reply with the counters line and print it on the serial port;
 * "poweroff" makes it print the counters and power off with BENCH_EXIT_OK.
 * The harness reaches it through its own hostfwd rule on 127.0.0.1.
 */
#define BENCH_CONTROL_PORT 7777

/* Guest-side UDP ports of the workloads. */
#define BENCH_DNS_PORT 53
#define BENCH_ECHO_PORT 7

/* QEMU user-network defaults: the guest's address, mask and gateway. */
#define BENCH_GUEST_IP "10.0.2.15"
#define BENCH_GUEST_NETMASK "255.255.255.0"
#define BENCH_GUEST_GATEWAY "10.0.2.2"

#endif
