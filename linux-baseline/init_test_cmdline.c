/*
 * Unit tests of the guest /init's kernel command line reader: ukb.ip,
 * ukb.mask and ukb.gw, their defaults from bench_abi.h, and the rejection
 * of invalid addresses and non-contiguous masks.
 */
#define _DEFAULT_SOURCE
#include "init_guest.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

/* Returns addr (network byte order) as a dotted string in a static buffer
 * chosen by slot, so one assert can show two addresses. */
static const char *dotted(uint32_t addr, int slot)
{
    static char buf[2][INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = addr};

    return inet_ntop(AF_INET, &a, buf[slot], sizeof(buf[slot]));
}

static void assert_addr(uint32_t got, const char *want)
{
    struct in_addr a;

    cr_assert_eq(inet_pton(AF_INET, want, &a), 1);
    cr_assert_eq(got, a.s_addr, "got %s, expected %s", dotted(got, 0), want);
}

Test(init_net_parse_cmdline, defaults)
{
    struct init_net_config cfg;
    char err[128];

    cr_assert_eq(
        init_net_parse_cmdline("console=ttyS0 quiet\n", &cfg, err, sizeof(err)),
        0, "%s", err);
    assert_addr(cfg.ip, "10.0.2.15");
    assert_addr(cfg.netmask, "255.255.255.0");
    assert_addr(cfg.gateway, "10.0.2.2");
}

Test(init_net_parse_cmdline, all_keys)
{
    struct init_net_config cfg;
    char err[128];

    cr_assert_eq(init_net_parse_cmdline("quiet ukb.ip=192.168.7.9\t"
                                        "ukb.mask=255.255.0.0 "
                                        "ukb.gw=192.168.0.1\n",
                                        &cfg, err, sizeof(err)),
                 0, "%s", err);
    assert_addr(cfg.ip, "192.168.7.9");
    assert_addr(cfg.netmask, "255.255.0.0");
    assert_addr(cfg.gateway, "192.168.0.1");
}

Test(init_net_parse_cmdline, last_value_wins)
{
    struct init_net_config cfg;
    char err[128];

    cr_assert_eq(init_net_parse_cmdline("ukb.ip=10.0.2.20 ukb.ip=10.0.2.15",
                                        &cfg, err, sizeof(err)),
                 0);
    assert_addr(cfg.ip, "10.0.2.15");
}

Test(init_net_parse_cmdline, similar_keys_ignored)
{
    struct init_net_config cfg;
    char err[128];

    cr_assert_eq(init_net_parse_cmdline("xukb.ip=1.2.3.4 ukb.ipx=1.2.3.4 "
                                        "ukb.gateway=1.2.3.4",
                                        &cfg, err, sizeof(err)),
                 0, "%s", err);
    assert_addr(cfg.ip, "10.0.2.15");
    assert_addr(cfg.gateway, "10.0.2.2");
}

Test(init_net_parse_cmdline, invalid_address)
{
    static const char *const bad[] = {
        "ukb.ip=10.0.2.256",
        "ukb.ip=",
        "ukb.gw=10.0.2",
        "ukb.ip=10.0.2.15x",
        "ukb.mask=255.255.255.0.0",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct init_net_config cfg;
        char err[128] = "";

        cr_assert_eq(init_net_parse_cmdline(bad[i], &cfg, err, sizeof(err)), -1,
                     "%s accepted", bad[i]);
        cr_assert_not_null(strstr(err, bad[i]), "error '%s' lacks '%s'", err,
                           bad[i]);
    }
}

Test(init_net_parse_cmdline, noncontiguous_mask)
{
    static const char *const bad[] = {
        "ukb.mask=255.0.255.0", "ukb.mask=0.0.0.0", "ukb.mask=255.255.255.1"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct init_net_config cfg;
        char err[128] = "";

        cr_assert_eq(init_net_parse_cmdline(bad[i], &cfg, err, sizeof(err)), -1,
                     "%s accepted", bad[i]);
        cr_assert_not_null(strstr(err, "ukb.mask"));
    }
}

Test(init_net_parse_cmdline, contiguous_masks)
{
    static const char *const good[] = {"ukb.mask=255.255.255.255",
                                       "ukb.mask=128.0.0.0",
                                       "ukb.mask=255.255.255.252"};

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct init_net_config cfg;
        char err[128] = "";

        cr_assert_eq(init_net_parse_cmdline(good[i], &cfg, err, sizeof(err)), 0,
                     "%s rejected: %s", good[i], err);
    }
}
