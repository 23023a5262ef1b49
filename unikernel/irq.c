#include "arch.h"
#include "console.h"
#include "irq.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_ELCR1 0x4d0 /* edge/level control, lines 0..7 */
#define PIC_ELCR2 0x4d1 /* lines 8..15 */
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0b

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE 0x800
#define LAPIC_ID 0x020
#define LAPIC_SVR 0x0f0
#define LAPIC_LINT0 0x350
#define LAPIC_LINT1 0x360
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_DELIVERY_EXTINT 0x700
#define LAPIC_DELIVERY_NMI 0x400

#define IOAPIC_DEFAULT_BASE 0xfec00000u
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIR 0x10
#define IOAPIC_LEVEL 0x8000u
#define IOAPIC_MASKED 0x10000u

#define IOAPIC_VECTORS (TRAP_STUB_COUNT - TRAP_IOAPIC_BASE)

uintptr_t irq_lapic_base;
static uint16_t pic_mask = 0xffff & ~(1u << 2); /* cascade line open */
static trap_handler_fn pic_handlers[16];
static trap_handler_fn ioapic_handlers[IOAPIC_VECTORS];
static unsigned ioapic_used;

uint32_t lapic_read(uint32_t reg)
{
    return mmio_read32(irq_lapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(irq_lapic_base + reg, v);
}

static void pic_write_mask(void)
{
    outb(PIC1_DATA, (uint8_t)pic_mask);
    outb(PIC2_DATA, (uint8_t)(pic_mask >> 8));
}

void irq_pic_mask(unsigned irq, int masked)
{
    if (masked)
        pic_mask |= (uint16_t)(1u << irq);
    else
        pic_mask &= (uint16_t) ~(1u << irq);
    pic_write_mask();
}

static int pic_in_service(unsigned irq)
{
    uint16_t port = irq < 8 ? PIC1_CMD : PIC2_CMD;

    outb(port, PIC_READ_ISR);
    return (inb(port) >> (irq & 7)) & 1;
}

/*
 * Runs the line's handler, then acknowledges the PIC(s). NOTE: automatic
 * EOI would save these port writes, but under KVM's in-kernel PIC (QEMU
 * 7.2) each level-triggered interrupt was then followed by a spurious one
 * on line 15, which costs more than the writes.
 */
static void pic_dispatch(struct trap_frame *f)
{
    unsigned irq = (unsigned)f->vector - TRAP_PIC_BASE;

    /* Lines 7 and 15 fire spuriously with no bit in service: no EOI. */
    if ((irq == 7 || irq == 15) && !pic_in_service(irq)) {
        if (irq == 15)
            outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade */
        return;
    }
    if (pic_handlers[irq] != 0)
        pic_handlers[irq](f);
    else
        trap_unhandled_count++;
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

static void ioapic_dispatch(struct trap_frame *f)
{
    ioapic_handlers[f->vector - TRAP_IOAPIC_BASE](f);
    lapic_write(LAPIC_EOI, 0);
}

static void lapic_spurious(struct trap_frame *f)
{
    (void)f; /* a spurious LAPIC interrupt takes no EOI */
}

void irq_init(void)
{
    /* 8259 initialisation words: edge mode default, cascade, 8086 mode. */
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, TRAP_PIC_BASE);
    outb(PIC2_DATA, TRAP_PIC_BASE + 8);
    outb(PIC1_DATA, 0x04); /* slave on line 2 */
    outb(PIC2_DATA, 0x02); /* cascade identity */
    outb(PIC1_DATA, 0x01);
    outb(PIC2_DATA, 0x01);
    pic_write_mask();
    for (unsigned v = 0; v < 16; v++)
        trap_set_handler(TRAP_PIC_BASE + v, pic_dispatch);

    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    irq_lapic_base = (uintptr_t)(base & 0xfffff000u);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | TRAP_SPURIOUS);
    lapic_write(LAPIC_LINT0, LAPIC_DELIVERY_EXTINT);
    lapic_write(LAPIC_LINT1, LAPIC_DELIVERY_NMI);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | TRAP_LAPIC_TIMER);
    trap_set_handler(TRAP_SPURIOUS, lapic_spurious);
}

static uint32_t ioapic_read(uintptr_t base, uint32_t reg)
{
    mmio_write32(base + IOAPIC_REGSEL, reg);
    return mmio_read32(base + IOAPIC_WINDOW);
}

static void ioapic_write(uintptr_t base, uint32_t reg, uint32_t v)
{
    mmio_write32(base + IOAPIC_REGSEL, reg);
    mmio_write32(base + IOAPIC_WINDOW, v);
}

int irq_route(unsigned gsi, int level, trap_handler_fn fn,
              uintptr_t ioapic_base, unsigned ioapic_gsi0)
{
    if (gsi < 16 && ioapic_base == 0) {
        /* ELCR: PCI lines are level-triggered and shared, ISA lines edge. */
        uint16_t port = gsi < 8 ? PIC_ELCR1 : PIC_ELCR2;
        uint8_t bit = (uint8_t)(1u << (gsi & 7));
        outb(port, level ? (inb(port) | bit) : (inb(port) & ~bit));
        pic_handlers[gsi] = fn;
        irq_pic_mask(gsi, 0);
        return 0;
    }

    if (ioapic_base == 0)
        ioapic_base = IOAPIC_DEFAULT_BASE;
    uint32_t version = ioapic_read(ioapic_base, IOAPIC_VERSION);
    unsigned lines = ((version >> 16) & 0xff) + 1;
    if (version == 0xffffffffu || gsi < ioapic_gsi0 ||
        gsi - ioapic_gsi0 >= lines || ioapic_used >= IOAPIC_VECTORS)
        return -1;

    unsigned vector = TRAP_IOAPIC_BASE + ioapic_used;
    ioapic_handlers[ioapic_used++] = fn;
    trap_set_handler(vector, ioapic_dispatch);
    uint32_t dest = lapic_read(LAPIC_ID) >> 24;
    uint32_t reg = IOAPIC_REDIR + 2 * (gsi - ioapic_gsi0);
    ioapic_write(ioapic_base, reg + 1, dest << 24);
    ioapic_write(ioapic_base, reg, (level ? IOAPIC_LEVEL : 0) | vector);
    return 0;
}
