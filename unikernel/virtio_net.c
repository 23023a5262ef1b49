#include <string.h>

#include "arch.h"
#include "cmdline.h"
#include "console.h"
#include "irq.h"
#include "pci.h"
#include "timer.h"
#include "trap.h"
#include "virtio_net.h"
#include "virtq.h"

/* Legacy PCI I/O registers (virtio 1.0 section 4.1.4.8). */
#define VPCI_HOST_FEATURES 0x00
#define VPCI_GUEST_FEATURES 0x04
#define VPCI_QUEUE_PFN 0x08
#define VPCI_QUEUE_NUM 0x0c
#define VPCI_QUEUE_SEL 0x0e
#define VPCI_QUEUE_NOTIFY 0x10
#define VPCI_STATUS 0x12
#define VPCI_ISR 0x13
#define VPCI_CONFIG 0x14 /* without MSI-X */

/* Legacy MMIO registers (virtio 1.0 section 4.2.4). */
#define VMMIO_MAGIC 0x000
#define VMMIO_VERSION 0x004
#define VMMIO_DEVICE_ID 0x008
#define VMMIO_HOST_FEATURES 0x010
#define VMMIO_HOST_FEATURES_SEL 0x014
#define VMMIO_GUEST_FEATURES 0x020
#define VMMIO_GUEST_FEATURES_SEL 0x024
#define VMMIO_GUEST_PAGE_SIZE 0x028
#define VMMIO_QUEUE_SEL 0x030
#define VMMIO_QUEUE_NUM_MAX 0x034
#define VMMIO_QUEUE_NUM 0x038
#define VMMIO_QUEUE_ALIGN 0x03c
#define VMMIO_QUEUE_PFN 0x040
#define VMMIO_QUEUE_NOTIFY 0x050
#define VMMIO_INTERRUPT_STATUS 0x060
#define VMMIO_INTERRUPT_ACK 0x064
#define VMMIO_STATUS 0x070
#define VMMIO_CONFIG 0x100
#define VMMIO_MAGIC_VALUE 0x74726976 /* "virt" */

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_NET_F_MAC (1u << 5)
#define VIRTIO_RING_F_EVENT_IDX (1u << 29)
#define VIRTIO_ID_NET 1
#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_NET_LEGACY 0x1000

#define RXQ 0
#define TXQ 1
#define QUEUE_MAX 1024 /* largest queue size QEMU offers (rx_queue_size) */

/* Header without MRG_RXBUF and without VERSION_1: 10 bytes. */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 10, "legacy header size");

/*
 * One buffer per ring slot: the header and the frame as two descriptors
 * (slot s uses descriptors 2s and 2s+1), since without ANY_LAYOUT a legacy
 * device may expect the header in a descriptor of its own.
 */
struct net_buf {
    struct virtio_net_hdr hdr;
    uint8_t pad[6];
    uint8_t frame[VIRTIO_NET_MTU_FRAME + 2];
};

#define RX_SLOTS 128
#define TX_SLOTS 64
/*
 * How long a send waits for the device to finish an earlier transmission
 * when every TX slot is in flight. QEMU transmits from its main-loop
 * thread while the vCPU runs on, so a burst of replies can outrun it.
 */
#define TX_WAIT_MS 100

enum transport { TRANSPORT_PCI, TRANSPORT_MMIO };

static struct {
    enum transport transport;
    uint16_t io;    /* PCI: I/O BAR base */
    uintptr_t mmio; /* MMIO: register base */
    struct virtq q[2];
    uint16_t rx_slots, tx_slots;
    uint16_t tx_free[TX_SLOTS];
    uint16_t tx_nfree;
    int event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
    virtio_net_rx_fn rx;
} nic;

static uint8_t queue_mem[2][(QUEUE_MAX * 16 + 4096 + 2 * QUEUE_MAX +
                             QUEUE_MAX * 8 + 4096) /
                                4096 * 4096 +
                            4096] __attribute__((aligned(4096)));
static struct net_buf rx_bufs[RX_SLOTS];
static struct net_buf tx_bufs[TX_SLOTS];

char virtio_net_where[48];
struct virtio_net_stats virtio_net_stats;

static uint32_t vio_get_features(void)
{
    if (nic.transport == TRANSPORT_PCI)
        return inl(nic.io + VPCI_HOST_FEATURES);
    mmio_write32(nic.mmio + VMMIO_HOST_FEATURES_SEL, 0);
    return mmio_read32(nic.mmio + VMMIO_HOST_FEATURES);
}

static void vio_set_features(uint32_t f)
{
    if (nic.transport == TRANSPORT_PCI) {
        outl(nic.io + VPCI_GUEST_FEATURES, f);
        return;
    }
    mmio_write32(nic.mmio + VMMIO_GUEST_FEATURES_SEL, 0);
    mmio_write32(nic.mmio + VMMIO_GUEST_FEATURES, f);
}

static void vio_set_status(uint8_t s)
{
    if (nic.transport == TRANSPORT_PCI)
        outb(nic.io + VPCI_STATUS, s);
    else
        mmio_write32(nic.mmio + VMMIO_STATUS, s);
}

static uint8_t vio_config8(unsigned off)
{
    if (nic.transport == TRANSPORT_PCI)
        return inb(nic.io + VPCI_CONFIG + off);
    return *(volatile uint8_t *)(nic.mmio + VMMIO_CONFIG + off);
}

static void vio_notify(uint16_t queue)
{
    if (nic.transport == TRANSPORT_PCI)
        outw(nic.io + VPCI_QUEUE_NOTIFY, queue);
    else
        mmio_write32(nic.mmio + VMMIO_QUEUE_NOTIFY, queue);
}

/* Reads (and so clears) the interrupt status; returns its bits. */
static uint32_t vio_ack_interrupt(void)
{
    if (nic.transport == TRANSPORT_PCI)
        return inb(nic.io + VPCI_ISR);
    uint32_t s = mmio_read32(nic.mmio + VMMIO_INTERRUPT_STATUS);
    if (s != 0)
        mmio_write32(nic.mmio + VMMIO_INTERRUPT_ACK, s);
    return s;
}

/*
 * Selects queue `index`, lays it out with the device's size and gives the
 * device its page frame number. Returns the size, or 0 on failure.
 */
static uint16_t vio_setup_queue(uint16_t index)
{
    uint16_t num;

    if (nic.transport == TRANSPORT_PCI) {
        outw(nic.io + VPCI_QUEUE_SEL, index);
        num = inw(nic.io + VPCI_QUEUE_NUM); /* fixed by the device */
    } else {
        mmio_write32(nic.mmio + VMMIO_QUEUE_SEL, index);
        uint32_t max = mmio_read32(nic.mmio + VMMIO_QUEUE_NUM_MAX);
        num = (uint16_t)(max > 256 ? 256 : max);
    }
    if (num == 0 || num > QUEUE_MAX || virtq_size(num) > sizeof(queue_mem[0])) {
        uk_printf("virtio-net: queue %u: unusable size %u\n", index, num);
        return 0;
    }
    if (virtq_init(&nic.q[index], queue_mem[index], num) != 0) {
        uk_printf("virtio-net: queue %u: size %u not a power of two\n", index,
                  num);
        return 0;
    }
    uint32_t pfn = (uint32_t)((uintptr_t)queue_mem[index] / VIRTQ_ALIGN);
    if (nic.transport == TRANSPORT_PCI) {
        outl(nic.io + VPCI_QUEUE_PFN, pfn);
    } else {
        mmio_write32(nic.mmio + VMMIO_QUEUE_NUM, num);
        mmio_write32(nic.mmio + VMMIO_QUEUE_ALIGN, VIRTQ_ALIGN);
        mmio_write32(nic.mmio + VMMIO_QUEUE_PFN, pfn);
    }
    return num;
}

static void virtio_net_irq(struct trap_frame *f)
{
    (void)f;
    /*
     * Reading the ISR (PCI) or acknowledging the status (MMIO) lowers the
     * level-triggered line; without it the line stays up and no later
     * interrupt is seen. Both routes are level-triggered, so a status that
     * rises again after this read raises the interrupt again after EOI.
     */
    vio_ack_interrupt();
    virtio_net_stats.interrupts++;
}

static void rx_post(uint16_t slot)
{
    struct virtq *q = &nic.q[RXQ];
    struct virtq_desc *d = &q->desc[2 * slot];

    d[0].addr = (uintptr_t)&rx_bufs[slot].hdr;
    d[0].len = sizeof(struct virtio_net_hdr);
    d[0].flags = VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT;
    d[0].next = (uint16_t)(2 * slot + 1);
    d[1].addr = (uintptr_t)rx_bufs[slot].frame;
    d[1].len = sizeof(rx_bufs[slot].frame);
    d[1].flags = VIRTQ_DESC_F_WRITE;
    d[1].next = 0;
    virtq_push(q, (uint16_t)(2 * slot));
}

static int find_pci(void)
{
    struct pci_dev dev;

    if (pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_LEGACY, &dev) != 0)
        return -1;
    uint32_t bar0 = pci_read32(&dev, PCI_BAR0);
    if ((bar0 & 1) == 0) {
        uk_printf("virtio-net: pci %02x:%02x.%x: BAR0 is not an I/O BAR "
                  "(start QEMU with disable-modern=on)\n",
                  dev.bus, dev.slot, dev.func);
        return -2;
    }
    nic.transport = TRANSPORT_PCI;
    nic.io = (uint16_t)(bar0 & ~3u);
    pci_write16(&dev, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    uk_snprintf(virtio_net_where, sizeof(virtio_net_where),
                "pci %02x:%02x.%x io 0x%x irq %u", dev.bus, dev.slot, dev.func,
                nic.io, dev.irq_line);
    if (dev.irq_line == 0 || dev.irq_line >= 16 ||
        irq_route(dev.irq_line, 1, virtio_net_irq, 0, 0) != 0) {
        uk_printf("virtio-net: %s: cannot route the interrupt line\n",
                  virtio_net_where);
        return -2;
    }
    return 0;
}

/*
 * QEMU's -M microvm places up to 24 legacy virtio-mmio transports 512
 * bytes apart from 0xfeb00000 (QEMU 7.2 hw/i386/microvm.c). Transport i
 * raises line 24 + i on a second I/O APIC at 0xfec10000 when that exists
 * (ACPI on, the default), line 16 + i with ACPI but one I/O APIC, and line
 * 5 + i without ACPI.
 */
#define MICROVM_MMIO_BASE 0xfeb00000u
#define MICROVM_MMIO_SLOTS 24
#define MICROVM_IOAPIC2 0xfec10000u

static int microvm_has_ioapic2(void)
{
    mmio_write32(MICROVM_IOAPIC2, 0x01); /* select the version register */
    uint32_t v = mmio_read32(MICROVM_IOAPIC2 + 0x10);
    return v != 0 && v != 0xffffffffu;
}

/* Lists the microvm transports that hold a device, as the command line would.
 */
static int microvm_scan(struct cmdline_mmio_dev *devs, int max, int acpi)
{
    int n = 0;
    unsigned irq_base = 5;

    if (acpi)
        irq_base = microvm_has_ioapic2() ? 24 : 16;
    for (unsigned i = 0; i < MICROVM_MMIO_SLOTS && n < max; i++) {
        uintptr_t base = MICROVM_MMIO_BASE + 512 * i;

        if (mmio_read32(base + VMMIO_MAGIC) != VMMIO_MAGIC_VALUE ||
            mmio_read32(base + VMMIO_DEVICE_ID) == 0)
            continue;
        devs[n].base = base;
        devs[n].size = 512;
        devs[n].irq = irq_base + i;
        n++;
    }
    return n;
}

static int find_mmio(const char *cmdline, int acpi)
{
    struct cmdline_mmio_dev devs[8];
    int n = cmdline_parse_mmio(cmdline, devs, 8);

    if (n == 0)
        n = microvm_scan(devs, 8, acpi);
    for (int i = 0; i < n; i++) {
        uintptr_t base = (uintptr_t)devs[i].base;

        if (devs[i].base >= (4ull << 30) ||
            mmio_read32(base + VMMIO_MAGIC) != VMMIO_MAGIC_VALUE ||
            mmio_read32(base + VMMIO_DEVICE_ID) != VIRTIO_ID_NET)
            continue;
        if (mmio_read32(base + VMMIO_VERSION) != 1) {
            uk_printf("virtio-net: mmio 0x%lx: version %u, only the "
                      "legacy version 1 is supported\n",
                      (uint64_t)base, mmio_read32(base + VMMIO_VERSION));
            return -2;
        }
        nic.transport = TRANSPORT_MMIO;
        nic.mmio = base;
        uk_snprintf(virtio_net_where, sizeof(virtio_net_where),
                    "mmio 0x%lx irq %u", (uint64_t)base, devs[i].irq);
        int rc;
        if (devs[i].irq < 24)
            rc = irq_route(devs[i].irq, 1, virtio_net_irq, 0, 0);
        else
            rc = irq_route(devs[i].irq, 1, virtio_net_irq, MICROVM_IOAPIC2, 24);
        if (rc != 0) {
            uk_printf("virtio-net: %s: cannot route the interrupt line\n",
                      virtio_net_where);
            return -2;
        }
        return 0;
    }
    return -1;
}

int virtio_net_init(const char *cmdline, int acpi, uint8_t mac[6],
                    virtio_net_rx_fn rx)
{
    int rc = find_pci();

    if (rc == -1)
        rc = find_mmio(cmdline, acpi);
    if (rc == -1)
        uk_printf("virtio-net: no legacy virtio-net device on PCI bus 0 "
                  "or virtio-mmio device\n");
    if (rc != 0)
        return -1;
    nic.rx = rx;

    /* 3.1.1 steps 1-3: reset, ACKNOWLEDGE, DRIVER. */
    vio_set_status(0);
    vio_set_status(VIRTIO_STATUS_ACKNOWLEDGE);
    vio_set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

    /*
     * Step 4: features. MAC, and EVENT_IDX to skip notifications and
     * interrupts that are not needed. No CSUM/GUEST_CSUM, because lwIP
     * checks and fills checksums itself and frames flagged NEEDS_CSUM
     * would reach it with a wrong checksum. No MRG_RXBUF, which keeps the
     * header at 10 bytes.
     */
    uint32_t host = vio_get_features();
    uint32_t guest = host & (VIRTIO_NET_F_MAC | VIRTIO_RING_F_EVENT_IDX);
    vio_set_features(guest);
    nic.event_idx = (guest & VIRTIO_RING_F_EVENT_IDX) != 0;
    if (nic.transport == TRANSPORT_MMIO)
        mmio_write32(nic.mmio + VMMIO_GUEST_PAGE_SIZE, VIRTQ_ALIGN);

    /* Step 5 (legacy: no FEATURES_OK): queues, receive then transmit. */
    uint16_t rx_num = vio_setup_queue(RXQ);
    uint16_t tx_num = vio_setup_queue(TXQ);
    if (rx_num == 0 || tx_num == 0) {
        vio_set_status(VIRTIO_STATUS_FAILED);
        return -1;
    }

    /* Device configuration: the MAC, when offered. */
    for (unsigned i = 0; i < 6; i++)
        mac[i] = (host & VIRTIO_NET_F_MAC) ? vio_config8(i) : 0;
    if ((host & VIRTIO_NET_F_MAC) == 0) {
        mac[0] = 0x02; /* a locally administered address */
        mac[5] = 0x01;
    }

    /* Fill the receive ring; transmit completions need no interrupt. */
    nic.rx_slots = (uint16_t)(rx_num / 2 < RX_SLOTS ? rx_num / 2 : RX_SLOTS);
    for (uint16_t s = 0; s < nic.rx_slots; s++)
        rx_post(s);
    nic.tx_slots = (uint16_t)(tx_num / 2 < TX_SLOTS ? tx_num / 2 : TX_SLOTS);
    for (uint16_t s = 0; s < nic.tx_slots; s++)
        nic.tx_free[nic.tx_nfree++] = s;
    nic.q[TXQ].avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    /* With EVENT_IDX the flag is ignored: an event behind us never fires. */
    *virtq_used_event(&nic.q[TXQ]) = (uint16_t)(nic.q[TXQ].last_used - 1);

    /* Step 8: DRIVER_OK, then tell the device about the buffers. */
    vio_set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                   VIRTIO_STATUS_DRIVER_OK);
    vio_notify(RXQ);
    uk_printf("virtio-net: %s: queues rx %u tx %u, features host 0x%x "
              "guest 0x%x\n",
              virtio_net_where, rx_num, tx_num, host, guest);
    return 0;
}

static void tx_reclaim(void)
{
    uint16_t head;
    uint32_t len;

    while (virtq_pop(&nic.q[TXQ], &head, &len)) {
        UK_ASSERT(head % 2 == 0 && head / 2 < nic.tx_slots);
        UK_ASSERT(nic.tx_nfree < nic.tx_slots);
        nic.tx_free[nic.tx_nfree++] = head / 2;
    }
    *virtq_used_event(&nic.q[TXQ]) = (uint16_t)(nic.q[TXQ].last_used - 1);
}

int virtio_net_rx_pending(void)
{
    return virtq_used_pending(&nic.q[RXQ]) != 0;
}

int virtio_net_poll(void)
{
    struct virtq *q = &nic.q[RXQ];
    uint16_t head;
    uint32_t len;
    uint16_t old_avail = q->avail_idx;
    int handled = 0;

    while (virtq_pop(q, &head, &len)) {
        UK_ASSERT(head % 2 == 0 && head / 2 < nic.rx_slots);
        uint16_t slot = head / 2;

        /* len counts the header; a frame has at least its 14-byte header. */
        if (len < sizeof(struct virtio_net_hdr) + 14 ||
            len > sizeof(struct virtio_net_hdr) + VIRTIO_NET_MTU_FRAME) {
            virtio_net_stats.rx_dropped++;
        } else {
            virtio_net_stats.rx_frames++;
            nic.rx(rx_bufs[slot].frame, len - sizeof(struct virtio_net_hdr));
        }
        rx_post(slot);
        handled++;
    }
    if (handled > 0) {
        /* Interrupt on the next frame; the caller rechecks before halting. */
        *virtq_used_event(q) = q->last_used;
        __sync_synchronize();
        /* QEMU requests a kick (avail_event) only after finding the ring empty.
         */
        if (virtq_kick_needed(q, old_avail, nic.event_idx)) {
            vio_notify(RXQ);
            virtio_net_stats.rx_kicks++;
        }
    }
    tx_reclaim();
    return handled;
}

/*
 * Spins until the device completes a transmission or TX_WAIT_MS pass.
 * Returns 0 when a slot is free.
 */
static int tx_wait_for_slot(void)
{
    uint32_t start = timer_now_ms();

    virtio_net_stats.tx_waits++;
    /* The device may sleep with notifications on: make sure it looks. */
    vio_notify(TXQ);
    while (nic.tx_nfree == 0) {
        if (timer_now_ms() - start > TX_WAIT_MS)
            return -1;
        __asm__ volatile("pause");
        tx_reclaim();
    }
    return 0;
}

int virtio_net_send(const struct virtio_net_part *parts, int nparts)
{
    size_t total = 0;

    for (int i = 0; i < nparts; i++)
        total += parts[i].len;
    if (total > VIRTIO_NET_MTU_FRAME) {
        virtio_net_stats.tx_dropped++;
        return -1;
    }
    tx_reclaim();
    if (nic.tx_nfree == 0 && tx_wait_for_slot() != 0) {
        virtio_net_stats.tx_dropped++;
        return -1;
    }
    uint16_t slot = nic.tx_free[--nic.tx_nfree];
    struct net_buf *b = &tx_bufs[slot];
    size_t off = 0;
    for (int i = 0; i < nparts; i++) {
        memcpy(b->frame + off, parts[i].data, parts[i].len);
        off += parts[i].len;
    }

    struct virtq *q = &nic.q[TXQ];
    struct virtq_desc *d = &q->desc[2 * slot];
    d[0].addr = (uintptr_t)&b->hdr; /* all zero: no offloads */
    d[0].len = sizeof(struct virtio_net_hdr);
    d[0].flags = VIRTQ_DESC_F_NEXT;
    d[0].next = (uint16_t)(2 * slot + 1);
    d[1].addr = (uintptr_t)b->frame;
    d[1].len = (uint32_t)total;
    d[1].flags = 0;
    d[1].next = 0;
    uint16_t old_avail = q->avail_idx;
    virtq_push(q, (uint16_t)(2 * slot));
    if (virtq_kick_needed(q, old_avail, nic.event_idx)) {
        vio_notify(TXQ);
        virtio_net_stats.tx_kicks++;
    }
    virtio_net_stats.tx_frames++;
    return 0;
}
