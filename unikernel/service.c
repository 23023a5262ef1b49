#include <string.h>

#include "bench_abi.h"
#include "console.h"
#include "net.h"
#include "service.h"
#include "timer.h"
#include "trap.h"
#include "virtio_net.h"
#include "workload.h"

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"

/*
 * Largest response: the UDP payload of one unfragmented 1500-byte IPv4
 * packet. A DNS response never needs more (the workload truncates with TC
 * to the client's limit), but an echo of a larger datagram is cut here.
 */
#define SERVICE_MAX_PAYLOAD 1472

/*
 * Largest request: the UDP payload of the largest datagram lwIP reassembles
 * (IP_REASS_MAX_PBUFS fragments of 1480 bytes, less the UDP header), so no
 * request that reaches the service is cut short and answered as malformed.
 */
#define SERVICE_MAX_REQUEST (IP_REASS_MAX_PBUFS * 1480 - 8)

struct service_counters service_counters;
static uint8_t req_buf[SERVICE_MAX_REQUEST];

static int format_counters(char *buf, size_t cap)
{
    const struct service_counters *c = &service_counters;

    return uk_snprintf(buf, cap, "%s rx=%lu tx=%lu dropped=%lu answered=%lu",
                       BENCH_COUNTERS_PREFIX, c->rx, c->tx, c->dropped,
                       c->answered);
}

void service_print_counters(void)
{
    char line[128];
    const struct virtio_net_stats *s = &virtio_net_stats;

    format_counters(line, sizeof(line));
    uk_printf("%s\n", line);
    uk_printf("bench: frames in=%lu out=%lu rx_dropped=%lu tx_dropped=%lu "
              "tx_waits=%lu rx_rejected=%lu interrupts=%lu rx_kicks=%lu "
              "tx_kicks=%lu timer_writes=%lu unhandled_irqs=%lu\n",
              s->rx_frames, s->tx_frames, s->rx_dropped, s->tx_dropped,
              s->tx_waits, net_rx_rejected, s->interrupts, s->rx_kicks,
              s->tx_kicks, timer_programmed, trap_unhandled_count);
}

/*
 * Runs the workload on one datagram and replies to its source address and
 * port. The response is written straight into the reply pbuf. lwIP hands
 * over `p`, so this callback frees it.
 */
static void service_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                         const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    service_counters.rx++;

    const uint8_t *req = p->payload;
    size_t len = p->tot_len;
    if (p->next != NULL) {
        len = pbuf_copy_partial(p, req_buf, sizeof(req_buf), 0);
        req = req_buf;
    }

    struct pbuf *r = pbuf_alloc(PBUF_TRANSPORT, SERVICE_MAX_PAYLOAD, PBUF_POOL);
    if (r == NULL || r->next != NULL) {
        if (r != NULL)
            pbuf_free(r);
        service_counters.dropped++;
        pbuf_free(p);
        return;
    }
    size_t n = workload.handle(req, len, r->payload, SERVICE_MAX_PAYLOAD);
    pbuf_free(p);
    if (n == 0 || n > SERVICE_MAX_PAYLOAD) {
        pbuf_free(r);
        service_counters.dropped++;
        return;
    }
    pbuf_realloc(r, (u16_t)n);
    if (udp_sendto(pcb, r, addr, port) == ERR_OK) {
        service_counters.tx++;
        service_counters.answered++;
    } else {
        service_counters.dropped++;
    }
    pbuf_free(r);
}

static void control_reply(struct udp_pcb *pcb, const ip_addr_t *addr,
                          u16_t port, const char *text)
{
    size_t len = strlen(text);
    struct pbuf *r = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);

    if (r == NULL)
        return;
    memcpy(r->payload, text, len);
    udp_sendto(pcb, r, addr, port);
    pbuf_free(r);
}

static int payload_is(const struct pbuf *p, const char *word)
{
    size_t n = strlen(word);

    /* A trailing newline is accepted, as from `echo stats | nc -u`. */
    if (p->next != NULL || (p->len != n && p->len != n + 1))
        return 0;
    if (p->len == n + 1 && ((const char *)p->payload)[n] != '\n')
        return 0;
    return memcmp(p->payload, word, n) == 0;
}

static void control_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                         const ip_addr_t *addr, u16_t port)
{
    char line[128];

    (void)arg;
    if (payload_is(p, "stats")) {
        format_counters(line, sizeof(line));
        uk_printf("%s\n", line);
        control_reply(pcb, addr, port, line);
    } else if (payload_is(p, "fault")) {
        /*
         * Test of the exception path: reads 4 TiB, an address above the 4 GiB
         * identity map, so the page-fault handler must report and power
         * off with BENCH_EXIT_PANIC.
         */
        uk_printf("bench: fault requested\n");
        pbuf_free(p);
        (void)*(volatile uint64_t *)0x40000000000ull;
        return;
    } else if (payload_is(p, "poweroff")) {
        service_print_counters();
        uk_printf("bench: power-off requested\n");
        uk_poweroff(BENCH_EXIT_OK);
    } else {
        control_reply(pcb, addr, port, "error: unknown command");
    }
    pbuf_free(p);
}

static int bind_port(u16_t port, udp_recv_fn fn)
{
    struct udp_pcb *pcb = udp_new();

    if (pcb == NULL || udp_bind(pcb, IP_ADDR_ANY, port) != ERR_OK) {
        uk_printf("service: cannot bind UDP port %u\n", port);
        return -1;
    }
    udp_recv(pcb, fn, NULL);
    return 0;
}

int service_start(void)
{
    if (bind_port(workload.port, service_recv) != 0 ||
        bind_port(BENCH_CONTROL_PORT, control_recv) != 0)
        return -1;
    return 0;
}
