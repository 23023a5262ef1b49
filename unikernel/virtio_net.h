/*
 * Legacy virtio-net driver (virtio 1.0 spec, legacy interface) over two
 * transports: PCI with an I/O BAR (-M pc, disable-modern=on) and legacy
 * virtio-mmio (-M microvm). Feature bits negotiated: MAC and EVENT_IDX
 * only, so the header before each frame is 10 bytes and lwIP computes
 * every checksum.
 */
#ifndef UK_VIRTIO_NET_H
#define UK_VIRTIO_NET_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_NET_MTU_FRAME 1514 /* largest Ethernet frame, no FCS */

struct virtio_net_stats {
    uint64_t rx_frames;
    uint64_t tx_frames;
    uint64_t rx_dropped; /* malformed or oversized, or no pbuf for it */
    uint64_t tx_dropped; /* no TX slot freed in time, or frame too large */
    uint64_t tx_waits;   /* sends that waited for a free TX slot */
    uint64_t interrupts;
    uint64_t rx_kicks; /* notifications sent, each an exit to QEMU */
    uint64_t tx_kicks;
};

/*
 * Called for each received frame (without the virtio header). The buffer is
 * reused once the call returns.
 */
typedef void (*virtio_net_rx_fn)(const uint8_t *frame, size_t len);

/*
 * Finds and starts the NIC: a legacy virtio-net PCI function on bus 0, or
 * else a virtio-mmio device from virtio_mmio.device= words of `cmdline` or,
 * without those, from a scan of QEMU microvm's transports (`acpi`: the
 * firmware offered ACPI tables, which changes microvm's interrupt lines).
 * Fills mac[6]. Returns 0, or -1 with the reason printed.
 */
int virtio_net_init(const char *cmdline, int acpi, uint8_t mac[6],
                    virtio_net_rx_fn rx);

/*
 * Hands every received frame to the rx callback, reposts the buffers and
 * reclaims finished transmissions. Returns the number of frames handled.
 */
int virtio_net_poll(void);

/* Whether received frames are waiting (call with interrupts disabled). */
int virtio_net_rx_pending(void);

/*
 * Queues one frame of `len` bytes gathered from `parts` (copied into a TX
 * buffer). When every TX slot is in flight it waits up to 100 ms for the
 * device. Returns 0, or -1 when the frame is too large or no slot freed
 * (counted in tx_dropped).
 */
struct virtio_net_part {
    const void *data;
    size_t len;
};
int virtio_net_send(const struct virtio_net_part *parts, int nparts);

/* Transport name and address for the boot log, e.g. "pci 00:03.0". */
extern char virtio_net_where[48];
extern struct virtio_net_stats virtio_net_stats;

#endif
