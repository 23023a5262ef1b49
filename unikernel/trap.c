#include <stdint.h>

#include "arch.h"
#include "bench_abi.h"
#include "console.h"
#include "trap.h"

struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define KERNEL_CS 0x08
#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define STUB_SIZE 16
#define BACKTRACE_MAX 16

extern const char isr_stubs[];
extern const char isr_stub_255[];
extern const char boot_stack_bottom[];
extern const char boot_stack_top[];

static struct idt_entry idt[256];
static trap_handler_fn handlers[256];
uint64_t trap_unhandled_count;

static const char *const exception_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FPU error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
};

static void idt_set(unsigned vector, uintptr_t addr)
{
    struct idt_entry *e = &idt[vector];

    e->offset_lo = (uint16_t)addr;
    e->selector = KERNEL_CS;
    e->ist = 0;
    e->type_attr = IDT_INTERRUPT_GATE;
    e->offset_mid = (uint16_t)(addr >> 16);
    e->offset_hi = (uint32_t)(addr >> 32);
    e->reserved = 0;
}

void trap_init(void)
{
    for (unsigned v = 0; v < TRAP_STUB_COUNT; v++)
        idt_set(v, (uintptr_t)isr_stubs + v * STUB_SIZE);
    idt_set(TRAP_SPURIOUS, (uintptr_t)isr_stub_255);

    struct idt_ptr ptr = {sizeof(idt) - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    UK_ASSERT(vector < TRAP_STUB_COUNT || vector == TRAP_SPURIOUS);
    handlers[vector] = fn;
}

static int on_boot_stack(uintptr_t p)
{
    return p >= (uintptr_t)boot_stack_bottom &&
           p + 16 <= (uintptr_t)boot_stack_top && (p & 7) == 0;
}

void trap_print_backtrace(uintptr_t rbp)
{
    uk_printf("stack trace:");
    for (int i = 0; i < BACKTRACE_MAX && on_boot_stack(rbp); i++) {
        const uint64_t *frame = (const uint64_t *)rbp;

        uk_printf(" %lx", frame[1]);
        if (frame[0] <= rbp)
            break; /* the chain must move up the stack */
        rbp = frame[0];
    }
    uk_printf("\n");
}

static void trap_exception(struct trap_frame *f)
{
    const char *name = "reserved";

    if (f->vector < 32 && exception_names[f->vector] != 0)
        name = exception_names[f->vector];
    uk_printf("panic: CPU exception %lu (%s) error=%lx rip=%lx cr2=%lx "
              "rsp=%lx\n",
              f->vector, name, f->error, f->rip, read_cr2(), f->rsp);
    trap_print_backtrace(f->rbp);
    uk_poweroff(BENCH_EXIT_PANIC);
}

void trap_dispatch(struct trap_frame *f);

void trap_dispatch(struct trap_frame *f)
{
    trap_handler_fn fn = handlers[f->vector & 0xff];

    if (fn != 0)
        fn(f);
    else if (f->vector < 32)
        trap_exception(f);
    else
        trap_unhandled_count++;
}
