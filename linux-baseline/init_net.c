/*
 * Network bring-up for the Linux guest's /init: reads the ukb.* keys from
 * the kernel command line and configures lo and the virtio-net interface
 * with the classic SIOCSIF* and SIOCADDRT ioctls, so no ip(8) or shell is
 * needed in the initramfs.
 */
#define _DEFAULT_SOURCE
#include "init_guest.h"

#include "../include/bench_abi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Parses a dotted IPv4 address of `len` bytes into network byte order. */
static int parse_ipv4(const char *s, size_t len, uint32_t *out)
{
    char buf[INET_ADDRSTRLEN];
    struct in_addr a;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, &a) != 1)
        return -1;
    *out = a.s_addr;
    return 0;
}

/*
 * Returns nonzero when the mask's one bits are all leading bits, that is
 * when its complement plus one is a power of two. The mask 0 is rejected.
 */
static int mask_is_contiguous(uint32_t mask_be)
{
    uint32_t host = ~ntohl(mask_be);

    return (host & (host + 1)) == 0 && host != UINT32_MAX;
}

int init_net_parse_cmdline(const char *cmdline, struct init_net_config *cfg,
                           char *err, size_t errlen)
{
    static const struct {
        const char *key;
        size_t offset;
    } keys[] = {
        {"ukb.ip=", offsetof(struct init_net_config, ip)},
        {"ukb.mask=", offsetof(struct init_net_config, netmask)},
        {"ukb.gw=", offsetof(struct init_net_config, gateway)},
    };
    const char *p = cmdline;

    if (inet_pton(AF_INET, BENCH_GUEST_IP, &cfg->ip) != 1 ||
        inet_pton(AF_INET, BENCH_GUEST_NETMASK, &cfg->netmask) != 1 ||
        inet_pton(AF_INET, BENCH_GUEST_GATEWAY, &cfg->gateway) != 1) {
        set_err(err, errlen, "bench_abi.h defaults are not IPv4 addresses");
        return -1;
    }

    /* Words are separated by spaces, tabs or the trailing newline. */
    while (*p) {
        size_t wlen = strcspn(p, " \t\n");

        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            size_t klen = strlen(keys[k].key);
            uint32_t *field = (uint32_t *)((char *)cfg + keys[k].offset);

            if (wlen < klen || memcmp(p, keys[k].key, klen) != 0)
                continue;
            if (parse_ipv4(p + klen, wlen - klen, field) != 0) {
                set_err(err, errlen,
                        "kernel command line: %.*s: not a dotted IPv4 "
                        "address",
                        (int)wlen, p);
                return -1;
            }
        }
        p += wlen;
        p += strspn(p, " \t\n");
    }

    if (!mask_is_contiguous(cfg->netmask)) {
        set_err(err, errlen,
                "kernel command line: ukb.mask: not a "
                "contiguous netmask");
        return -1;
    }
    return 0;
}

static void set_sockaddr(struct sockaddr *sa, uint32_t addr_be)
{
    struct sockaddr_in sin;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = addr_be;
    memcpy(sa, &sin, sizeof(sin));
}

/* Sets the address and mask of ifname (mask 0: leave it) and brings it up. */
static int iface_up(int fd, const char *ifname, uint32_t addr_be,
                    uint32_t mask_be)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);

    set_sockaddr(&ifr.ifr_addr, addr_be);
    if (ioctl(fd, SIOCSIFADDR, &ifr) != 0) {
        fprintf(stderr, "init: %s: SIOCSIFADDR failed: %s\n", ifname,
                strerror(errno));
        return -1;
    }

    if (mask_be != 0) {
        set_sockaddr(&ifr.ifr_netmask, mask_be);
        if (ioctl(fd, SIOCSIFNETMASK, &ifr) != 0) {
            fprintf(stderr, "init: %s: SIOCSIFNETMASK failed: %s\n", ifname,
                    strerror(errno));
            return -1;
        }
    }

    if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
        fprintf(stderr, "init: %s: SIOCGIFFLAGS failed: %s\n", ifname,
                strerror(errno));
        return -1;
    }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) {
        fprintf(stderr, "init: %s: SIOCSIFFLAGS (up) failed: %s\n", ifname,
                strerror(errno));
        return -1;
    }
    return 0;
}

static int add_default_route(int fd, const char *ifname, uint32_t gw_be)
{
    struct rtentry rt;
    char dev[IFNAMSIZ];

    memset(&rt, 0, sizeof(rt));
    snprintf(dev, sizeof(dev), "%s", ifname);
    set_sockaddr(&rt.rt_dst, INADDR_ANY);
    set_sockaddr(&rt.rt_genmask, INADDR_ANY);
    set_sockaddr(&rt.rt_gateway, gw_be);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = dev;
    if (ioctl(fd, SIOCADDRT, &rt) != 0) {
        fprintf(stderr, "init: default route via %s: SIOCADDRT failed: %s\n",
                ifname, strerror(errno));
        return -1;
    }
    return 0;
}

int init_net_up(const char *ifname, const struct init_net_config *cfg)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc = -1;

    if (fd < 0) {
        fprintf(stderr, "init: socket(AF_INET) failed: %s\n", strerror(errno));
        return -1;
    }

    /* Step 1: loopback, which the kernel leaves down. */
    if (iface_up(fd, "lo", htonl(INADDR_LOOPBACK), htonl(0xff000000)) != 0)
        goto out;

    /* Step 2: the NIC. Setting the mask also adds the on-link route. */
    if (iface_up(fd, ifname, cfg->ip, cfg->netmask) != 0)
        goto out;

    /*
     * Step 3: the default route. QEMU user networking delivers forwarded
     * requests from the gateway's address, so replies stay on-link, and
     * the route serves any other peer. The kernel rejects a gateway
     * outside the interface's subnet (ENETUNREACH).
     */
    if (add_default_route(fd, ifname, cfg->gateway) != 0)
        goto out;
    rc = 0;
out:
    if (close(fd) != 0) {
        fprintf(stderr, "init: close(socket) failed: %s\n", strerror(errno));
        rc = -1;
    }
    return rc;
}
