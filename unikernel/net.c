#include <string.h>

#include "arch.h"
#include "console.h"
#include "net.h"
#include "timer.h"
#include "virtio_net.h"

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define NET_MAX_PARTS 8

static struct netif uk_netif;
static uint8_t uk_mac[6];
static ip4_addr_t uk_gw;
static uint64_t rand_state;
uint64_t net_rx_rejected;

u32_t sys_now(void);

/* lwIP's clock for its timeouts: monotonic milliseconds. */
u32_t sys_now(void)
{
    return timer_now_ms();
}

/* xorshift64: lwIP uses it for port numbers and TCP sequence numbers. */
uint32_t uk_random(void)
{
    if (rand_state == 0)
        rand_state = rdtsc() | 1;
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 7;
    rand_state ^= rand_state << 17;
    return (uint32_t)rand_state;
}

/* The stack owns the pbuf once input() returns ERR_OK, and not before. */
static void net_rx(const uint8_t *frame, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

    if (p == NULL) {
        net_rx_rejected++;
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    if (uk_netif.input(p, &uk_netif) != ERR_OK) {
        net_rx_rejected++;
        pbuf_free(p);
    }
}

static err_t net_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct virtio_net_part parts[NET_MAX_PARTS];
    int n = 0;

    (void)netif;
    for (struct pbuf *q = p; q != NULL; q = q->next) {
        if (n == NET_MAX_PARTS) {
            virtio_net_stats.tx_dropped++;
            return ERR_MEM;
        }
        parts[n].data = q->payload;
        parts[n].len = q->len;
        n++;
    }
    return virtio_net_send(parts, n) == 0 ? ERR_OK : ERR_MEM;
}

static err_t net_netif_init(struct netif *netif)
{
    netif->name[0] = 'v';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = net_linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, uk_mac, 6);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                   NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

int net_init(const struct cmdline_net *cfg, const char *cmdline, int acpi)
{
    ip4_addr_t ip, mask, gw;

    lwip_init();
    if (virtio_net_init(cmdline, acpi, uk_mac, net_rx) != 0)
        return -1;

    ip4_addr_set_u32(&ip, lwip_htonl(cfg->ip));
    ip4_addr_set_u32(&mask, lwip_htonl(cfg->mask));
    ip4_addr_set_u32(&gw, lwip_htonl(cfg->gw));
    if (netif_add(&uk_netif, &ip, &mask, &gw, NULL, net_netif_init,
                  ethernet_input) == NULL) {
        uk_printf("net: netif_add failed\n");
        return -1;
    }
    netif_set_default(&uk_netif);
    netif_set_up(&uk_netif);
    netif_set_link_up(&uk_netif);
    uk_printf("net: mac %02x:%02x:%02x:%02x:%02x:%02x ip %u.%u.%u.%u "
              "mask %u.%u.%u.%u gw %u.%u.%u.%u\n",
              uk_mac[0], uk_mac[1], uk_mac[2], uk_mac[3], uk_mac[4], uk_mac[5],
              cfg->ip >> 24, (cfg->ip >> 16) & 255, (cfg->ip >> 8) & 255,
              cfg->ip & 255, cfg->mask >> 24, (cfg->mask >> 16) & 255,
              (cfg->mask >> 8) & 255, cfg->mask & 255, cfg->gw >> 24,
              (cfg->gw >> 16) & 255, (cfg->gw >> 8) & 255, cfg->gw & 255);
    uk_gw = gw;
    etharp_request(&uk_netif, &gw);
    return 0;
}

int net_gateway_resolved(void)
{
    struct eth_addr *eth;
    const ip4_addr_t *ip;

    return etharp_find_addr(&uk_netif, &uk_gw, &eth, &ip) >= 0;
}
