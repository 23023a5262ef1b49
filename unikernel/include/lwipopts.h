/*
 * lwIP 2.1.3 configuration for the unikernel: one thread, no OS (NO_SYS,
 * raw API), IPv4 with ARP, ICMP echo, UDP and TCP. lwIP computes and checks
 * every checksum itself, because the NIC negotiates no offload.
 */
#ifndef UK_LWIPOPTS_H
#define UK_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP runs only in the main loop */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_SINGLE_NETIF 1

#define MEM_ALIGNMENT 8
#define MEM_SIZE (32 * 1024)
#define MEMP_NUM_PBUF 32
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG 16
#define PBUF_POOL_SIZE 64
#define PBUF_POOL_BUFSIZE 1536

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_RAW 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_STATS 0

/*
 * Replies that leave before the peer's MAC is known wait in the ARP queue:
 * up to ARP_QUEUE_LEN per address, so a burst of queries answered in the
 * first moments is not cut to its last packet.
 */
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 64
#define MEMP_NUM_ARP_QUEUE 64
#define ARP_TABLE_SIZE 8

/*
 * Reassembly of IPv4 fragments, so a request larger than one frame (for
 * example a DNS query with a large EDNS section) is served as the Linux
 * guest serves it. The service copies a reassembled request into a static
 * buffer sized from IP_REASS_MAX_PBUFS (8872 bytes), which keeps the image
 * within 2 MiB of guest memory.
 * NOTE: a datagram of more than 6 fragments is dropped inside lwIP and is
 * not counted in the service's counters; the Linux guest would answer it.
 * The reassembly timer runs once a second, together with the ARP timer.
 */
#define IP_REASSEMBLY 1
#define IP_REASS_MAX_PBUFS 6
#define MEMP_NUM_REASSDATA 4
#define IP_FRAG 1

#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* lwIP's 32-bit checksum loop: fewer instructions per byte than the default. */
#define LWIP_CHKSUM_ALGORITHM 3

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0

#endif
