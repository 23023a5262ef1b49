/* Hosted tests of the identity-map page table builder. */
#include <criterion/criterion.h>
#include <string.h>

#include "pagetable.h"

#define FAKE_PA 0x200000ull /* where the tables would sit in the guest */

static uint64_t tables[8][PT_ENTRIES];

Test(pagetable, map_4g_with_2m_pages)
{
    memset(tables, 0xaa, sizeof(tables));
    size_t used =
        pt_build_identity(tables, 8, FAKE_PA, 4ull << 30, 0, 3ull << 30);
    cr_assert_eq(used, 6);
    cr_expect_eq(tables[0][0], (FAKE_PA + 4096) | PT_PRESENT | PT_WRITE);
    cr_expect_eq(tables[0][1], 0);
    for (int g = 0; g < 4; g++)
        cr_expect_eq(tables[1][g],
                     (FAKE_PA + (2 + g) * 4096ull) | PT_PRESENT | PT_WRITE);
    cr_expect_eq(tables[1][4], 0);

    /* 2 MiB page i of GiB g maps to itself. */
    cr_expect_eq(tables[2][0], PT_PRESENT | PT_WRITE | PT_LARGE);
    cr_expect_eq(tables[2][1], (2ull << 20) | PT_PRESENT | PT_WRITE | PT_LARGE);
    uint64_t lapic = 0xfee00000ull;
    uint64_t e = tables[2 + 3][(lapic % (1ull << 30)) >> 21];
    cr_expect_eq(e & PT_ADDR_MASK, lapic);
    cr_expect(e & PT_PCD, "device memory must be uncached");
    cr_expect_eq(tables[2 + 2][511] & PT_PCD, 0);
}

Test(pagetable, map_with_1g_pages)
{
    size_t used =
        pt_build_identity(tables, 8, FAKE_PA, 4ull << 30, 1, 3ull << 30);
    cr_assert_eq(used, 2);
    for (uint64_t g = 0; g < 4; g++) {
        cr_expect_eq(tables[1][g] & PT_ADDR_MASK, g << 30);
        cr_expect(tables[1][g] & PT_LARGE);
    }
    cr_expect_eq(tables[1][2] & PT_PCD, 0);
    cr_expect(tables[1][3] & PT_PCD);
    cr_expect_eq(tables[1][4], 0);
}

Test(pagetable, partial_gib_rounds_up_to_2m)
{
    size_t used =
        pt_build_identity(tables, 8, FAKE_PA, (1ull << 30) + 1, 0, ~0ull);
    cr_assert_eq(used, 4);
    cr_expect_neq(tables[3][0], 0); /* covers the byte past 1 GiB */
    cr_expect_eq(tables[3][1], 0);
}

Test(pagetable, rejects_too_few_tables)
{
    cr_expect_eq(pt_build_identity(tables, 5, FAKE_PA, 4ull << 30, 0, ~0ull),
                 0);
    cr_expect_eq(pt_build_identity(tables, 1, FAKE_PA, 1ull << 30, 1, ~0ull),
                 0);
}

Test(pagetable, rejects_bad_limits)
{
    cr_expect_eq(pt_build_identity(tables, 8, FAKE_PA, 0, 1, ~0ull), 0);
    cr_expect_eq(pt_build_identity(tables, 8, FAKE_PA, 513ull << 30, 1, ~0ull),
                 0);
}
