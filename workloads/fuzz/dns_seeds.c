/*
 * Writes the fuzz seed corpus: valid queries of every kind the responder
 * answers, and malformed ones of the kinds its tests cover. Each file is a
 * cap-selector byte (0xff: the full 1232-byte buffer) followed by the UDP
 * payload, as fuzz_dns.c reads it.
 * Usage: dns-seeds DIRECTORY
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns_client.h"

static int seeds_write(const char *dir, int n, const uint8_t *msg, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/seed-%03d", dir, n);

    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "dns-seeds: %s: open failed: %s\n", path,
                strerror(errno));
        return -1;
    }
    uint8_t cap_selector = 0xff;
    if (fwrite(&cap_selector, 1, 1, f) != 1 || fwrite(msg, 1, len, f) != len) {
        fprintf(stderr, "dns-seeds: %s: write failed: %s\n", path,
                strerror(errno));
        fclose(f);
        return -1;
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "dns-seeds: %s: close failed: %s\n", path,
                strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct dns_client_query queries[] = {
        {1, 0x0100, "server42.local.org", 1, 1, -1, 0, false},
        {2, 0x0100, "server9999.local.org", 1, 1, 1232, 0, true},
        {3, 0x0000, "SERVER7.Local.Org", 1, 1, 4096, 0, false},
        {4, 0x0100, "nosuch.local.org", 1, 1, 1232, 0, false},
        {5, 0x0100, "server42.local.org", 28, 1, 1232, 0, false},
        {6, 0x0100, "local.org", 2, 1, -1, 0, false},
        {7, 0x0100, "local.org", 6, 1, 100, 0, false},
        {8, 0x0100, "local.org", 255, 1, 1232, 0, false},
        {9, 0x0100, "example.com", 1, 1, -1, 0, false},
        {10, 0x0100, "version.bind", 16, 3, -1, 0, false},
        {11, 0x2800, "local.org", 6, 1, -1, 0, false},
        {12, 0x0100, "server1.local.org", 1, 1, 1232, 1, false},
        {13, 0x0100, "www.local.org", 252, 1, -1, 0, false},
    };
    static const char *const hostile[] = {
        "123401000001000000000000c00c00010001",
        "123401000000000000000000",
        "1234010000010000000000000773657276",
        "1234810000010000000000000773657276657231056c6f63616c036f72670000010"
        "001",
        "1234010000010000000000020773657276657231056c6f63616c036f726700000100"
        "0100002904d000000000000000002904d0000000000000",
        "1234 0100 0001 0000 0000 0001 01 61 00 0001 0001"
        "00 0029 04d0 00000000 000c 000a 0008 0102030405060708",
        "1234 0100 0001 0000 0000 0001 01 61 00 0001 0001"
        "c00c 0001 0001 00000000 0004 01020304",
    };

    if (argc != 2) {
        fprintf(stderr, "usage: dns-seeds DIRECTORY\n");
        return 2;
    }
    int n = 0;
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        uint8_t msg[512];
        size_t len = dns_client_build(&queries[i], msg, sizeof(msg));
        if (len == 0 || seeds_write(argv[1], n++, msg, len) != 0)
            return 1;
    }
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        uint8_t msg[512];
        size_t len = dns_client_from_hex(hostile[i], msg, sizeof(msg));
        if (len == 0 || seeds_write(argv[1], n++, msg, len) != 0)
            return 1;
    }
    printf("dns-seeds: wrote %d seeds to %s\n", n, argv[1]);
    return 0;
}
