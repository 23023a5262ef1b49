/*
 * Split virtqueues in the legacy layout (virtio 1.0 section 2.4 with the
 * legacy alignment of section 2.4.2): descriptors, then the available ring,
 * then the used ring on the next 4096-byte boundary. Transport independent,
 * and free of kernel services so the hosted unit tests can run it.
 */
#ifndef UK_VIRTQ_H
#define UK_VIRTQ_H

#include <stddef.h>
#include <stdint.h>

#define VIRTQ_ALIGN 4096
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};

struct virtq {
    uint16_t num; /* queue size: a power of two */
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint16_t avail_idx; /* next value of avail->idx, free-running */
    uint16_t last_used; /* used->idx already consumed, free-running */
};

/* Bytes a legacy queue of `num` entries occupies (both parts aligned). */
size_t virtq_size(uint16_t num);

/* Offset of the used ring from the start of the queue memory. */
size_t virtq_used_offset(uint16_t num);

/*
 * Lays out a queue of `num` entries over `mem` (VIRTQ_ALIGN-aligned,
 * virtq_size(num) bytes, zeroed by this call). Returns 0, or -1 when num
 * is zero or not a power of two.
 */
int virtq_init(struct virtq *q, void *mem, uint16_t num);

/*
 * Makes the descriptor chain starting at `head` available to the device.
 * The caller notifies the device afterwards if it wants it to look.
 */
void virtq_push(struct virtq *q, uint16_t head);

/*
 * With VIRTIO_RING_F_EVENT_IDX (virtio 1.0 section 2.4.7): the driver's
 * used_event sits after the available ring's entries, the device's
 * avail_event after the used ring's entries.
 */
static inline volatile uint16_t *virtq_used_event(struct virtq *q)
{
    return &q->avail->ring[q->num];
}

static inline volatile uint16_t *virtq_avail_event(struct virtq *q)
{
    return (volatile uint16_t *)&q->used->ring[q->num];
}

/*
 * Whether moving an index from old_idx to new_idx passes `event`, so the
 * other side requested a notification (vring_need_event of the virtio spec).
 */
static inline int virtq_need_event(uint16_t event, uint16_t new_idx,
                                   uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/*
 * Whether the device wants a notification after the driver moved the
 * available index from old_idx to q->avail_idx: by avail_event when
 * event_idx was negotiated, else unless the device set NO_NOTIFY.
 */
int virtq_kick_needed(struct virtq *q, uint16_t old_idx, int event_idx);

/* Used entries not yet consumed; correct across the 65536 index wrap. */
uint16_t virtq_used_pending(const struct virtq *q);

/*
 * Takes the next used entry: stores its head descriptor and written length
 * and returns 1, or returns 0 when none is pending.
 */
int virtq_pop(struct virtq *q, uint16_t *head, uint32_t *len);

#endif
