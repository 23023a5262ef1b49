/* Interrupt descriptor table, CPU exceptions and interrupt handlers. */
#ifndef UK_TRAP_H
#define UK_TRAP_H

#include <stdint.h>

/* Register state pushed by isr.S, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* First vector of the remapped 8259 PIC (IRQ n arrives as 32 + n). */
#define TRAP_PIC_BASE 32
/* Vector of the local APIC timer. */
#define TRAP_LAPIC_TIMER 48
/* First vector for interrupts routed through an I/O APIC. */
#define TRAP_IOAPIC_BASE 49
/* Vectors 0..TRAP_STUB_COUNT-1 and 255 have entry stubs. */
#define TRAP_STUB_COUNT 64
#define TRAP_SPURIOUS 255

typedef void (*trap_handler_fn)(struct trap_frame *frame);

/*
 * Loads the IDT: every CPU exception prints its vector, error code, RIP,
 * CR2 and a stack trace, then powers off with BENCH_EXIT_PANIC. Other
 * vectors without a handler are counted and ignored.
 */
void trap_init(void);

/* Calls `fn` with interrupts disabled for each interrupt on `vector`. */
void trap_set_handler(unsigned vector, trap_handler_fn fn);

/*
 * Prints up to 16 return addresses found by following the frame-pointer
 * chain from `rbp`, stopping at the first frame outside the boot stack.
 */
void trap_print_backtrace(uintptr_t rbp);

/* Number of interrupts that arrived on a vector without a handler. */
extern uint64_t trap_unhandled_count;

#endif
