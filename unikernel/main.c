#include <stdint.h>

#include "arch.h"
#include "bench_abi.h"
#include "console.h"
#include "trap.h"

void kmain(uint32_t start_info_pa);

void kmain(uint32_t start_info_pa)
{
    console_init();
    trap_init();
    uk_printf("hello from ukbench unikernel, start_info=%x\n", start_info_pa);
    uk_poweroff(BENCH_EXIT_OK);
}
