/*
 * Kernel command-line parsing: space-separated key=value words. Shared by
 * the unikernel and its hosted unit tests, so it uses no kernel service.
 */
#ifndef UK_CMDLINE_H
#define UK_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* IPv4 configuration, addresses in host byte order (10.0.2.15 = 0x0a00020f). */
struct cmdline_net {
    uint32_t ip;
    uint32_t mask;
    uint32_t gw;
};

/* A virtio-mmio device announced as virtio_mmio.device=SIZE@BASE:IRQ. */
struct cmdline_mmio_dev {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
};

/*
 * Finds the last word "key=value" in `cmdline` (later words override
 * earlier ones, as the harness appends its keys) and returns a pointer to
 * the value with its length in *len, or NULL when the key is absent.
 */
const char *cmdline_find(const char *cmdline, const char *key, size_t *len);

/* Parses dotted-quad "a.b.c.d" of exactly `len` characters. 0 or -1. */
int cmdline_parse_ipv4(const char *s, size_t len, uint32_t *out);

/*
 * Fills *net from ukb.ip, ukb.mask and ukb.gw, with QEMU user networking's
 * defaults for absent keys. Returns 0, or -1 with a message in err naming
 * the invalid key and value (the mask must be contiguous ones).
 */
int cmdline_parse_net(const char *cmdline, struct cmdline_net *net, char *err,
                      size_t errcap);

/*
 * Parses up to `max` virtio_mmio.device=SIZE@BASE:IRQ words (SIZE with an
 * optional K or M suffix, numbers decimal or 0x hex), as QEMU's microvm
 * machine appends them. Returns the number found; malformed words are
 * skipped.
 */
int cmdline_parse_mmio(const char *cmdline, struct cmdline_mmio_dev *devs,
                       int max);

#endif
