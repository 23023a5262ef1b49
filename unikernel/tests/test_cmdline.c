/* Hosted tests of the kernel command-line parser. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdline.h"

#define IP(a, b, c, d) (((a) << 24) | ((b) << 16) | ((c) << 8) | (d))

Test(cmdline, defaults_without_keys)
{
    struct cmdline_net net;
    char err[80];

    cr_assert_eq(cmdline_parse_net("console=ttyS0", &net, err, sizeof(err)), 0);
    cr_expect_eq(net.ip, IP(10, 0, 2, 15));
    cr_expect_eq(net.mask, IP(255, 255, 255, 0));
    cr_expect_eq(net.gw, IP(10, 0, 2, 2));
}

Test(cmdline, all_keys_and_unknown_ignored)
{
    struct cmdline_net net;
    char err[80];
    const char *line = "foo ukb.ip=192.168.7.9 bar=1 ukb.mask=255.255.0.0 "
                       "ukb.gw=192.168.0.1 ukb.other=x";

    cr_assert_eq(cmdline_parse_net(line, &net, err, sizeof(err)), 0);
    cr_expect_eq(net.ip, IP(192, 168, 7, 9));
    cr_expect_eq(net.mask, IP(255, 255, 0, 0));
    cr_expect_eq(net.gw, IP(192, 168, 0, 1));
}

Test(cmdline, last_key_wins)
{
    size_t len;
    const char *v =
        cmdline_find("ukb.ip=1.1.1.1  ukb.ip=2.2.2.2", "ukb.ip", &len);
    cr_assert_not_null(v);
    cr_expect_eq(len, 7);
    cr_expect_eq(strncmp(v, "2.2.2.2", len), 0);
}

Test(cmdline, key_prefix_not_matched)
{
    size_t len;
    cr_expect_null(
        cmdline_find("ukb.ipx=1.2.3.4 xukb.ip=1.2.3.4", "ukb.ip", &len));
}

Test(cmdline, invalid_address_reported)
{
    struct cmdline_net net;
    char err[80];
    const char *bad[] = {
        "ukb.ip=10.0.2",    "ukb.ip=10.0.2.256",   "ukb.ip=10.0.2.15x",
        "ukb.ip=",          "ukb.gw=a.b.c.d",      "ukb.ip=1..2.3",
        "ukb.ip=1.2.3.4.5", "ukb.mask=255.0.255.0"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        cr_expect_eq(cmdline_parse_net(bad[i], &net, err, sizeof(err)), -1,
                     "%s", bad[i]);
        cr_expect_neq(strstr(err, "invalid value for ukb."), NULL, "%s: %s",
                      bad[i], err);
    }
}

Test(cmdline, ipv4_edges)
{
    uint32_t a;

    cr_expect_eq(cmdline_parse_ipv4("0.0.0.0", 7, &a), 0);
    cr_expect_eq(a, 0);
    cr_expect_eq(cmdline_parse_ipv4("255.255.255.255", 15, &a), 0);
    cr_expect_eq(a, 0xffffffffu);
    cr_expect_eq(cmdline_parse_ipv4("0255.1.1.1", 10, &a), -1);
}

Test(cmdline, mmio_devices)
{
    struct cmdline_mmio_dev d[4];
    const char *line = "ukb.ip=10.0.2.15 virtio_mmio.device=512@0xfeb00e00:12 "
                       "virtio_mmio.device=4K@0x10000000000:10 "
                       "virtio_mmio.device=junk virtio_mmio.device=1M@4096:5";

    int n = cmdline_parse_mmio(line, d, 4);
    cr_assert_eq(n, 3);
    cr_expect_eq(d[0].size, 512);
    cr_expect_eq(d[0].base, 0xfeb00e00u);
    cr_expect_eq(d[0].irq, 12);
    cr_expect_eq(d[1].size, 4096);
    cr_expect_eq(d[1].base, 0x10000000000ull);
    cr_expect_eq(d[1].irq, 10);
    cr_expect_eq(d[2].size, 1u << 20);
    cr_expect_eq(d[2].base, 4096);
    cr_expect_eq(d[2].irq, 5);
}

Test(cmdline, mmio_malformed_skipped)
{
    struct cmdline_mmio_dev d[2];
    const char *line = "virtio_mmio.device=512@0xfeb00e00 "
                       "virtio_mmio.device=@0x1000:5 "
                       "virtio_mmio.device=512@0x1000:300 "
                       "virtio_mmio.device=512@0x1000:5:6";

    cr_expect_eq(cmdline_parse_mmio(line, d, 2), 0);
}
