#include <string.h>

#include "pagetable.h"

#define PT_TABLE_SIZE 4096ull

static uint64_t leaf_flags(uint64_t addr, uint64_t uncached_from)
{
    uint64_t f = PT_PRESENT | PT_WRITE | PT_LARGE;

    if (addr >= uncached_from)
        f |= PT_PCD | PT_PWT;
    return f;
}

size_t pt_build_identity(uint64_t (*tables)[PT_ENTRIES], size_t ntables,
                         uint64_t tables_pa, uint64_t limit, int use_1g,
                         uint64_t uncached_from)
{
    uint64_t gib = (limit + PT_PAGE_1G - 1) / PT_PAGE_1G;

    if (limit == 0 || gib > PT_ENTRIES)
        return 0;
    size_t needed = 2 + (use_1g ? 0 : (size_t)gib);
    if (ntables < needed)
        return 0;

    memset(tables, 0, needed * PT_TABLE_SIZE);
    /* tables[0] is the PML4, tables[1] the PDPT, tables[2..] the PDs. */
    tables[0][0] = (tables_pa + PT_TABLE_SIZE) | PT_PRESENT | PT_WRITE;

    for (uint64_t g = 0; g < gib; g++) {
        uint64_t base = g * PT_PAGE_1G;

        if (use_1g) {
            tables[1][g] = base | leaf_flags(base, uncached_from);
            continue;
        }
        uint64_t pd_pa = tables_pa + (2 + g) * PT_TABLE_SIZE;
        tables[1][g] = pd_pa | PT_PRESENT | PT_WRITE;
        for (uint64_t i = 0; i < PT_ENTRIES; i++) {
            uint64_t addr = base + i * PT_PAGE_2M;

            if (addr >= limit)
                break;
            tables[2 + g][i] = addr | leaf_flags(addr, uncached_from);
        }
    }
    return needed;
}
