/*
 * Identity-mapped x86_64 page tables. The builder only fills memory, so the
 * hosted unit tests run it on ordinary buffers.
 */
#ifndef UK_PAGETABLE_H
#define UK_PAGETABLE_H

#include <stddef.h>
#include <stdint.h>

#define PT_PRESENT 0x001ull
#define PT_WRITE 0x002ull
#define PT_PWT 0x008ull   /* write-through */
#define PT_PCD 0x010ull   /* cache disable */
#define PT_LARGE 0x080ull /* 2 MiB page in a PD, 1 GiB page in a PDPT */
#define PT_ADDR_MASK 0x000ffffffffff000ull

#define PT_ENTRIES 512
#define PT_PAGE_2M (2ull << 20)
#define PT_PAGE_1G (1ull << 30)

/*
 * Fills `tables` (ntables 4 KiB tables, 4 KiB aligned, at physical address
 * tables_pa) with a PML4 at tables[0] that identity-maps [0, limit),
 * rounded up to whole pages, with 1 GiB pages when use_1g is set and 2 MiB
 * pages otherwise. Pages at or above uncached_from get PCD|PWT (device
 * memory). limit must be at most 512 GiB. Returns the number of tables
 * used, or 0 when ntables is too small or limit is out of range.
 */
size_t pt_build_identity(uint64_t (*tables)[PT_ENTRIES], size_t ntables,
                         uint64_t tables_pa, uint64_t limit, int use_1g,
                         uint64_t uncached_from);

#endif
