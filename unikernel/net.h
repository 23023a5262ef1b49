/* lwIP glue: the network interface over virtio-net, and lwIP's clock. */
#ifndef UK_NET_H
#define UK_NET_H

#include "cmdline.h"

/*
 * Starts lwIP and the NIC with the static address in *cfg, and sends an
 * ARP request for the gateway so its MAC is known before the first reply.
 * `cmdline` and `acpi` go to virtio_net_init() to find virtio-mmio devices.
 * Returns 0, or -1 with the reason printed.
 */
int net_init(const struct cmdline_net *cfg, const char *cmdline, int acpi);

/* Whether the gateway's MAC address is in the ARP table. */
int net_gateway_resolved(void);

/* Frames lwIP did not accept (no pbuf, or rejected by the stack). */
extern uint64_t net_rx_rejected;

#endif
