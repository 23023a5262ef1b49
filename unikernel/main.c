/*
 * Start-up and main loop: serial, traps, page tables, interrupts, timer,
 * NIC and lwIP, the service, the ready signal, then poll-and-halt.
 */
#include <stdint.h>
#include <string.h>

#include "arch.h"
#include "bench_abi.h"
#include "cmdline.h"
#include "console.h"
#include "irq.h"
#include "net.h"
#include "pagetable.h"
#include "service.h"
#include "timer.h"
#include "trap.h"
#include "virtio_net.h"
#include "workload.h"

#include "lwip/init.h"
#include "lwip/timeouts.h"

#define PVH_START_MAGIC 0x336ec578u
#define CMDLINE_MAX 1024
#define MAP_LIMIT (4ull << 30) /* RAM of -m up to 3 GiB, and the APICs */
#define UNCACHED_FROM (3ull << 30)
#define ARP_WAIT_MS 200

/* PVH boot ABI: the structure whose address arrives in EBX. */
struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

static char cmdline[CMDLINE_MAX];
static int boot_has_acpi; /* the loader passed an ACPI RSDP */
static uint64_t page_tables[6][PT_ENTRIES] __attribute__((aligned(4096)));

void kmain(uint32_t start_info_pa);

static void read_cmdline(uint32_t start_info_pa)
{
    const struct hvm_start_info *si =
        (const struct hvm_start_info *)(uintptr_t)start_info_pa;

    if (si == NULL || si->magic != PVH_START_MAGIC) {
        uk_printf("boot: no PVH start info (magic %x); using defaults\n",
                  si ? si->magic : 0);
        return;
    }
    boot_has_acpi = si->rsdp_paddr != 0;
    if (si->cmdline_paddr == 0 || si->cmdline_paddr >= (16u << 20))
        return; /* boot.S maps only the first 16 MiB */
    const char *src = (const char *)(uintptr_t)si->cmdline_paddr;
    size_t n = 0;
    while (n + 1 < sizeof(cmdline) && src[n] != '\0') {
        cmdline[n] = src[n];
        n++;
    }
    cmdline[n] = '\0';
}

static void map_memory(void)
{
    uint32_t r[4];

    cpuid(0x80000000, 0, r);
    int has_1g = 0;
    if (r[0] >= 0x80000001) {
        cpuid(0x80000001, 0, r);
        has_1g = (r[3] >> 26) & 1;
    }
    size_t used = pt_build_identity(page_tables, 6, (uintptr_t)page_tables,
                                    MAP_LIMIT, has_1g, UNCACHED_FROM);
    UK_ASSERT(used != 0);
    write_cr3((uintptr_t)page_tables);
}

/*
 * Runs lwIP and the NIC, halting whenever nothing is due, until done()
 * returns nonzero (never, when done is NULL) or `limit_ms` pass (0: no
 * limit).
 */
static void run_loop(int (*done)(void), uint32_t limit_ms)
{
    uint32_t start = timer_now_ms();

    for (;;) {
        virtio_net_poll();
        sys_check_timeouts();

        if (done != NULL && done())
            return;
        uint32_t elapsed = timer_now_ms() - start;
        if (limit_ms != 0 && elapsed >= limit_ms)
            return;

        irq_disable();
        if (virtio_net_rx_pending()) {
            irq_enable();
            continue;
        }
        u32_t sleep = sys_timeouts_sleeptime();
        if (limit_ms != 0 && sleep > limit_ms - elapsed)
            sleep = limit_ms - elapsed;
        if (sleep == 0) {
            irq_enable();
            continue;
        }
        if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
            timer_disarm();
        else
            timer_arm_ms(sleep);
        irq_enable_and_halt();
    }
}

void kmain(uint32_t start_info_pa)
{
    struct cmdline_net cfg;
    char err[96];

    console_init();
    trap_init();
    read_cmdline(start_info_pa);
    uk_printf("ukbench unikernel: workload %s, lwIP %s, cmdline \"%s\"\n",
              workload.name, LWIP_VERSION_STRING, cmdline);
    if (cmdline_parse_net(cmdline, &cfg, err, sizeof(err)) != 0) {
        uk_printf("boot: %s\n", err);
        uk_poweroff(BENCH_EXIT_FAIL);
    }

    map_memory();
    irq_init();
    if (timer_init() != 0)
        uk_poweroff(BENCH_EXIT_FAIL);
    uk_printf("timer: %lu TSC ticks per ms (%s), %s\n", timer_tsc_per_ms,
              timer_source, timer_mode);

    if (net_init(&cfg, cmdline, boot_has_acpi) != 0 || service_start() != 0)
        uk_poweroff(BENCH_EXIT_FAIL);

    /*
     * Replies to the first queries would wait in lwIP's ARP queue, which
     * holds at most ARP_QUEUE_LEN of them: learn the gateway's MAC first.
     */
    run_loop(net_gateway_resolved, ARP_WAIT_MS);
    if (!net_gateway_resolved())
        uk_printf("net: gateway did not answer ARP within %u ms\n",
                  ARP_WAIT_MS);
    uk_printf("%s system=unikernel workload=%s port=%u control=%u "
              "ms=%u\n",
              BENCH_READY_LINE, workload.name, workload.port,
              BENCH_CONTROL_PORT, timer_now_ms());
    outb(BENCH_DEBUGCON_PORT, BENCH_READY_BYTE);

    run_loop(NULL, 0);
}
