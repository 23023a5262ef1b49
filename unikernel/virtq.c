#include <string.h>

#include "virtq.h"

/*
 * Orders ring writes against the device. x86 keeps stores in order and
 * loads in order, so a compiler barrier is enough between the ring entry
 * and the index, and between reading the index and the entry.
 */
#define virtq_barrier() __asm__ volatile("" ::: "memory")

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

size_t virtq_used_offset(uint16_t num)
{
    /* Avail ring: flags, idx, ring[num], used_event. */
    return align_up(sizeof(struct virtq_desc) * num +
                        sizeof(uint16_t) * (3 + (size_t)num),
                    VIRTQ_ALIGN);
}

size_t virtq_size(uint16_t num)
{
    /* Used ring: flags, idx, ring[num], avail_event. */
    return virtq_used_offset(num) +
           align_up(sizeof(uint16_t) * 3 + sizeof(struct virtq_used_elem) * num,
                    VIRTQ_ALIGN);
}

int virtq_init(struct virtq *q, void *mem, uint16_t num)
{
    if (num == 0 || (num & (num - 1)) != 0)
        return -1;
    memset(mem, 0, virtq_size(num));
    q->num = num;
    q->desc = mem;
    q->avail =
        (struct virtq_avail *)((char *)mem + sizeof(struct virtq_desc) * num);
    q->used = (struct virtq_used *)((char *)mem + virtq_used_offset(num));
    q->avail_idx = 0;
    q->last_used = 0;
    return 0;
}

void virtq_push(struct virtq *q, uint16_t head)
{
    q->avail->ring[q->avail_idx & (q->num - 1)] = head;
    virtq_barrier();
    q->avail_idx++;
    *(volatile uint16_t *)&q->avail->idx = q->avail_idx;
}

int virtq_kick_needed(struct virtq *q, uint16_t old_idx, int event_idx)
{
    /*
     * A full fence: the new avail->idx must be visible before the device's
     * avail_event or flags are read, or a device that goes to sleep in
     * between is never woken.
     */
    __sync_synchronize();
    if (event_idx)
        return virtq_need_event(*virtq_avail_event(q), q->avail_idx, old_idx);
    return (*(volatile uint16_t *)&q->used->flags & VIRTQ_USED_F_NO_NOTIFY) ==
           0;
}

uint16_t virtq_used_pending(const struct virtq *q)
{
    uint16_t idx = *(volatile const uint16_t *)&q->used->idx;

    return (uint16_t)(idx - q->last_used);
}

int virtq_pop(struct virtq *q, uint16_t *head, uint32_t *len)
{
    if (virtq_used_pending(q) == 0)
        return 0;
    virtq_barrier();
    const struct virtq_used_elem *e =
        &q->used->ring[q->last_used & (q->num - 1)];
    *head = (uint16_t)e->id;
    *len = e->len;
    q->last_used++;
    return 1;
}
