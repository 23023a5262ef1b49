/*
 * Interrupt controllers: the 8259 PIC pair (remapped to vectors 32..47),
 * the local APIC (timer, EOI) and I/O APICs for interrupt lines above 15.
 */
#ifndef UK_IRQ_H
#define UK_IRQ_H

#include <stdint.h>

#include "trap.h"

/*
 * Remaps and masks the PIC, enables the local APIC with LINT0 as the PIC's
 * input (virtual-wire mode) and takes the LAPIC timer vector. Needs the
 * page tables that map the LAPIC (0xfee00000).
 */
void irq_init(void);

/*
 * Routes interrupt line `gsi` (active high; level-triggered when `level`,
 * else edge-triggered) to `fn`, which
 * runs with interrupts disabled and must quiet the device; the end of
 * interrupt is sent afterwards. Lines 0..15 go through the PIC, higher ones
 * through the I/O APIC at `ioapic_base` whose first line is `ioapic_gsi0`
 * (ioapic_base 0 selects the standard one at 0xfec00000 from line 0).
 * Returns 0, or -1 when the line cannot be routed.
 */
int irq_route(unsigned gsi, int level, trap_handler_fn fn,
              uintptr_t ioapic_base, unsigned ioapic_gsi0);

/* Masks (1) or unmasks (0) line `irq` (0..15) at the PIC. */
void irq_pic_mask(unsigned irq, int masked);

/* Address of the local APIC's registers. */
extern uintptr_t irq_lapic_base;

/* Reads and writes local APIC register `reg` (byte offset). */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);

#define LAPIC_EOI 0x0b0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_LVT_MASKED 0x00010000u
#define LAPIC_TIMER_TSC_DEADLINE 0x00040000u

#endif
