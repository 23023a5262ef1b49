/*
 * Time: the TSC as the clock, and a one-shot local APIC timer (TSC-deadline
 * mode where the CPU has it) to wake the idle loop. There is no periodic
 * tick: when nothing is due the CPU halts until a device interrupt.
 */
#ifndef UK_TIMER_H
#define UK_TIMER_H

#include <stdint.h>

/*
 * Finds the TSC frequency from CPUID (leaf 0x15, 0x16 or the hypervisor's
 * 0x40000010) and, where that fails or the LAPIC timer has no TSC-deadline
 * mode, measures it and the LAPIC timer rate over one 10 ms PIT interval
 * spent halted. The one-shot timer then runs in TSC-deadline mode where
 * the CPU has it. Needs irq_init(). Returns 0, or -1 with a message
 * printed when no frequency can be found.
 */
int timer_init(void);

/* Milliseconds since timer_init(), monotonic. */
uint32_t timer_now_ms(void);

/*
 * Arms the one-shot timer to fire `ms` milliseconds from now (ms > 0),
 * unless an interrupt already pending fires no later. Call with
 * interrupts disabled.
 */
void timer_arm_ms(uint32_t ms);

/* Cancels a pending one-shot timer. Call with interrupts disabled. */
void timer_disarm(void);

/* TSC ticks per millisecond and how they were found, for the boot log. */
extern uint64_t timer_tsc_per_ms;
extern const char *timer_source;
extern const char *timer_mode;    /* "tsc-deadline" or "lapic-one-shot" */
extern uint64_t timer_programmed; /* writes to the timer hardware */

#endif
