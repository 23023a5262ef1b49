/* Hosted tests of the virtqueue layout and ring index arithmetic. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "virtq.h"

static void *queue_alloc(uint16_t num)
{
    void *mem = aligned_alloc(VIRTQ_ALIGN, virtq_size(num));
    cr_assert_not_null(mem);
    return mem;
}

Test(virtq, legacy_layout_256)
{
    /* 256 descriptors: 4096 bytes, avail ring 518 bytes, used on page 2. */
    cr_expect_eq(virtq_used_offset(256), 8192);
    cr_expect_eq(virtq_size(256), 8192 + 4096);
}

Test(virtq, legacy_layout_1024)
{
    cr_expect_eq(virtq_used_offset(1024), 20480);
    cr_expect_eq(virtq_size(1024), 20480 + 12288);
}

Test(virtq, used_ring_page_aligned)
{
    for (unsigned num = 1; num <= 32768; num *= 2) {
        cr_expect_eq(virtq_used_offset((uint16_t)num) % VIRTQ_ALIGN, 0,
                     "num %u", num);
        cr_expect_geq(virtq_used_offset((uint16_t)num), 16 * num + 6 + 2 * num,
                      "num %u", num);
    }
}

Test(virtq, init_rejects_bad_sizes)
{
    struct virtq q;
    void *mem = queue_alloc(256);

    cr_expect_eq(virtq_init(&q, mem, 0), -1);
    cr_expect_eq(virtq_init(&q, mem, 100), -1);
    cr_expect_eq(virtq_init(&q, mem, 256), 0);
    free(mem);
}

Test(virtq, push_wraps_avail_ring)
{
    struct virtq q;
    void *mem = queue_alloc(8);

    cr_assert_eq(virtq_init(&q, mem, 8), 0);
    q.avail_idx = 65534;
    for (uint16_t i = 0; i < 4; i++)
        virtq_push(&q, (uint16_t)(10 + i));
    cr_expect_eq(q.avail->idx, 2); /* 65534 + 4 wraps to 2 */
    cr_expect_eq(q.avail->ring[65534 % 8], 10);
    cr_expect_eq(q.avail->ring[65535 % 8], 11);
    cr_expect_eq(q.avail->ring[0], 12);
    cr_expect_eq(q.avail->ring[1], 13);
    free(mem);
}

Test(virtq, used_index_wraps_at_65536)
{
    struct virtq q;
    void *mem = queue_alloc(256);

    cr_assert_eq(virtq_init(&q, mem, 256), 0);
    q.last_used = 65534;
    /* The device has written 4 entries: 65534, 65535, 0, 1. */
    uint16_t idx = 65534;
    for (uint32_t i = 0; i < 4; i++, idx++) {
        q.used->ring[idx % 256].id = 2 * i;
        q.used->ring[idx % 256].len = 100 + i;
    }
    q.used->idx = idx;
    cr_expect_eq(idx, 2);
    cr_expect_eq(virtq_used_pending(&q), 4);

    uint16_t head;
    uint32_t len;
    for (uint32_t i = 0; i < 4; i++) {
        cr_assert_eq(virtq_pop(&q, &head, &len), 1);
        cr_expect_eq(head, 2 * i);
        cr_expect_eq(len, 100 + i);
    }
    cr_expect_eq(virtq_pop(&q, &head, &len), 0);
    cr_expect_eq(q.last_used, 2);
    free(mem);
}

Test(virtq, pop_empty)
{
    struct virtq q;
    void *mem = queue_alloc(16);
    uint16_t head;
    uint32_t len;

    cr_assert_eq(virtq_init(&q, mem, 16), 0);
    cr_expect_eq(virtq_used_pending(&q), 0);
    cr_expect_eq(virtq_pop(&q, &head, &len), 0);
    free(mem);
}

Test(virtq, need_event_across_wrap)
{
    /* The other side requested a notification when index 5 is published. */
    cr_expect(virtq_need_event(5, 6, 5));
    cr_expect(virtq_need_event(5, 8, 3));
    cr_expect_not(virtq_need_event(5, 5, 3));
    cr_expect_not(virtq_need_event(9, 8, 3));
    /* Same, with the indexes wrapping through 65535 to 0. */
    cr_expect(virtq_need_event(65535, 1, 65534));
    cr_expect(virtq_need_event(0, 1, 65535));
    cr_expect_not(virtq_need_event(2, 1, 65534));
}

Test(virtq, kick_needed_by_avail_event)
{
    struct virtq q;
    void *mem = queue_alloc(256);

    cr_assert_eq(virtq_init(&q, mem, 256), 0);
    for (uint16_t i = 0; i < 10; i++)
        virtq_push(&q, i);
    /* The device has consumed up to 4 and wants to hear about entry 4. */
    *virtq_avail_event(&q) = 4;
    cr_expect_not(virtq_kick_needed(&q, 8, 1));
    /* It consumed everything and waits for entry 8. */
    *virtq_avail_event(&q) = 8;
    cr_expect(virtq_kick_needed(&q, 8, 1));
    free(mem);
}

Test(virtq, kick_needed_by_flags)
{
    struct virtq q;
    void *mem = queue_alloc(16);

    cr_assert_eq(virtq_init(&q, mem, 16), 0);
    virtq_push(&q, 0);
    cr_expect(virtq_kick_needed(&q, 0, 0));
    q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    cr_expect_not(virtq_kick_needed(&q, 0, 0));
    free(mem);
}

Test(virtq, event_fields_after_rings)
{
    struct virtq q;
    void *mem = queue_alloc(256);

    cr_assert_eq(virtq_init(&q, mem, 256), 0);
    cr_expect_eq((char *)virtq_used_event(&q) - (char *)mem,
                 256 * 16 + 4 + 2 * 256);
    cr_expect_eq((char *)virtq_avail_event(&q) - (char *)mem,
                 8192 + 4 + 8 * 256);
    free(mem);
}
