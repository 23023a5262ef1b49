#include "arch.h"
#include "console.h"
#include "irq.h"
#include "timer.h"
#include "trap.h"

#define MSR_TSC_DEADLINE 0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182u
#define PIT_CALIBRATE_MS 10u
#define PIT_IRQ 0
#define PIT_READBACK_STATUS_CH0 0xe2 /* read-back: status only, channel 0 */
#define PIT_STATUS_OUT 0x80

#define LAPIC_DIVIDE_BY_1 0x0b

uint64_t timer_tsc_per_ms;
const char *timer_source = "none";
const char *timer_mode = "none";
static uint64_t lapic_per_ms; /* 0 in TSC-deadline mode */
static uint64_t tsc_boot;
static volatile int pit_fired;
static uint64_t armed_tsc; /* TSC when the pending one-shot fires; 0: none */
uint64_t timer_programmed;

static void timer_lapic_irq(struct trap_frame *f)
{
    (void)f;
    armed_tsc = 0;
    lapic_write(LAPIC_EOI, 0);
}

static void timer_pit_irq(struct trap_frame *f)
{
    (void)f;
    pit_fired = 1;
}

/* TSC kHz from CPUID, or 0 when no leaf states it. */
static uint64_t tsc_khz_from_cpuid(void)
{
    uint32_t r[4];

    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    if (max_leaf >= 0x15) {
        /* TSC = crystal (ECX Hz) * EBX / EAX. */
        cpuid(0x15, 0, r);
        if (r[0] != 0 && r[1] != 0 && r[2] != 0) {
            timer_source = "cpuid-0x15";
            return (uint64_t)r[2] * r[1] / r[0] / 1000;
        }
    }
    if (max_leaf >= 0x16) {
        /* Base frequency in MHz: the TSC rate on CPUs with invariant TSC. */
        cpuid(0x16, 0, r);
        if ((r[0] & 0xffff) != 0) {
            timer_source = "cpuid-0x16";
            return (uint64_t)(r[0] & 0xffff) * 1000;
        }
    }
    cpuid(1, 0, r);
    if (r[2] & (1u << 31)) { /* running under a hypervisor */
        cpuid(0x40000000, 0, r);
        if (r[0] >= 0x40000010) {
            cpuid(0x40000010, 0, r);
            if (r[0] != 0) {
                timer_source = "cpuid-0x40000010";
                return r[0];
            }
        }
    }
    return 0;
}

/*
 * Measures the TSC and the LAPIC timer against one PIT interval. The CPU
 * halts while it waits, so the measurement costs a few hundred guest
 * instructions however slow the emulation is.
 */
static int calibrate_with_pit(void)
{
    uint16_t count = (uint16_t)(PIT_HZ * PIT_CALIBRATE_MS / 1000);

    /* Channel 0, low then high byte, mode 0 (interrupt on terminal count). */
    outb(PIT_CMD, 0x30);
    outb(PIT_CH0, (uint8_t)count);
    outb(PIT_CH0, (uint8_t)(count >> 8));

    /* The PIT counts down: a latched read equal to 0xffff means no PIT. */
    outb(PIT_CMD, 0x00);
    uint16_t latched = inb(PIT_CH0);
    latched |= (uint16_t)(inb(PIT_CH0) << 8);
    if (latched == 0xffff) {
        uk_printf("timer: no i8254 PIT to calibrate against\n");
        return -1;
    }

    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | TRAP_LAPIC_TIMER);

    /* A control word stops the count and holds the output low. */
    outb(PIT_CMD, 0x30);
    irq_route(PIT_IRQ, 0, timer_pit_irq, 0, 0);

    lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
    uint64_t t0 = rdtsc();
    outb(PIT_CH0, (uint8_t)count);
    outb(PIT_CH0, (uint8_t)(count >> 8));
    /*
     * An interrupt alone does not end the interval: KVM's in-kernel PIT
     * re-injects the firmware's periodic ticks that arrived while the line
     * was masked. The interval is over once the PIT's output pin is high.
     */
    for (;;) {
        irq_enable_and_halt();
        irq_disable();
        if (!pit_fired)
            continue;
        pit_fired = 0;
        outb(PIT_CMD, PIT_READBACK_STATUS_CH0);
        if (inb(PIT_CH0) & PIT_STATUS_OUT)
            break;
    }
    /*
     * The wake-up comes late by however long the host took to run the
     * vCPU. In mode 0 the count goes on down past zero (wrapping to
     * 0xffff), so the latched count tells the PIT ticks really elapsed,
     * up to 55 ms of lateness.
     */
    outb(PIT_CMD, 0x00);
    uint64_t t1 = rdtsc();
    uint32_t left = lapic_read(LAPIC_TIMER_CURRENT);
    uint16_t after = inb(PIT_CH0);
    after |= (uint16_t)(inb(PIT_CH0) << 8);
    irq_pic_mask(PIT_IRQ, 1);
    lapic_write(LAPIC_TIMER_INITIAL, 0);

    uint64_t pit_ticks = count + ((0x10000u - after) & 0xffffu);
    uint64_t elapsed_us = pit_ticks * 1000000 / PIT_HZ;
    timer_tsc_per_ms = (t1 - t0) * 1000 / elapsed_us;
    lapic_per_ms = (uint64_t)(0xffffffffu - left) * 1000 / elapsed_us;
    if (timer_tsc_per_ms == 0 || lapic_per_ms == 0) {
        uk_printf("timer: calibration failed (tsc %lu, lapic %lu ticks)\n",
                  t1 - t0, (uint64_t)(0xffffffffu - left));
        return -1;
    }
    return 0;
}

int timer_init(void)
{
    uint32_t r[4];

    trap_set_handler(TRAP_LAPIC_TIMER, timer_lapic_irq);
    cpuid(1, 0, r);
    int deadline = (r[2] & CPUID1_ECX_TSC_DEADLINE) != 0;
    uint64_t khz = tsc_khz_from_cpuid();

    /* Calibrate when CPUID gives no TSC rate, or for the LAPIC's rate. */
    if (khz == 0 || !deadline) {
        if (khz == 0)
            timer_source = "pit-calibration";
        if (calibrate_with_pit() != 0)
            return -1;
    }
    if (khz != 0)
        timer_tsc_per_ms = khz;
    if (deadline) {
        timer_mode = "tsc-deadline";
        lapic_per_ms = 0;
        lapic_write(LAPIC_LVT_TIMER,
                    LAPIC_TIMER_TSC_DEADLINE | TRAP_LAPIC_TIMER);
    } else {
        timer_mode = "lapic-one-shot";
        lapic_write(LAPIC_LVT_TIMER, TRAP_LAPIC_TIMER);
    }
    tsc_boot = rdtsc();
    return 0;
}

uint32_t timer_now_ms(void)
{
    return (uint32_t)((rdtsc() - tsc_boot) / timer_tsc_per_ms);
}

void timer_arm_ms(uint32_t ms)
{
    uint64_t now = rdtsc();
    uint64_t deadline = now + ms * timer_tsc_per_ms;

    /*
     * A pending interrupt due no later than this one will do: the loop
     * arms again after it. Skipping the write saves an exit to the
     * hypervisor on every pass of the main loop.
     */
    if (armed_tsc > now && armed_tsc <= deadline)
        return;
    timer_programmed++;
    if (lapic_per_ms == 0) {
        wrmsr(MSR_TSC_DEADLINE, deadline);
        armed_tsc = deadline;
        return;
    }
    uint64_t count = ms * lapic_per_ms;
    if (count > 0xffffffffu) {
        count = 0xffffffffu;
        deadline = now + count / lapic_per_ms * timer_tsc_per_ms;
    }
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)count);
    armed_tsc = deadline;
}

void timer_disarm(void)
{
    if (armed_tsc == 0)
        return;
    armed_tsc = 0;
    timer_programmed++;
    if (lapic_per_ms == 0)
        wrmsr(MSR_TSC_DEADLINE, 0);
    else
        lapic_write(LAPIC_TIMER_INITIAL, 0);
}
