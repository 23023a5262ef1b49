/*
 * A small UDP client for the unikernel's integration tests, sending only to
 * 127.0.0.1:
 *   udpclient text PORT STRING         send STRING, print the text reply
 *   udpclient send PORT STRING         send STRING, wait for nothing
 *   udpclient hex PORT HEX             send bytes, print the reply in hex
 *   udpclient garbage PORT N SEED      send N random datagrams, no replies
 *   udpclient dns-seq PORT N           N sequential A queries for
 *                                      server<i>.local.org, one at a time
 *   udpclient dns-burst PORT N         the same N queries sent at once,
 *                                      then every reply collected
 * Every wait for a reply times out after 2 s. Exit status 0 when every
 * expected reply arrived, 1 otherwise, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 2000
#define MAX_DATAGRAM 4096

static int open_socket(const char *port_arg, struct sockaddr_in *to)
{
    char *end;
    long port = strtol(port_arg, &end, 10);

    if (*end != '\0' || port <= 0 || port > 65535) {
        fprintf(stderr, "udpclient: invalid port: %s\n", port_arg);
        exit(2);
    }
    memset(to, 0, sizeof(*to));
    to->sin_family = AF_INET;
    to->sin_port = htons((uint16_t)port);
    to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        fprintf(stderr, "udpclient: socket: %s\n", strerror(errno));
        exit(1);
    }
    if (connect(fd, (struct sockaddr *)to, sizeof(*to)) != 0) {
        fprintf(stderr, "udpclient: connect 127.0.0.1:%ld: %s\n", port,
                strerror(errno));
        exit(1);
    }
    return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
    if (send(fd, buf, len, 0) != (ssize_t)len) {
        fprintf(stderr, "udpclient: send: %s\n", strerror(errno));
        exit(1);
    }
}

/* Returns the reply length, or -1 after REPLY_TIMEOUT_MS. */
static ssize_t recv_reply(int fd, uint8_t *buf, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    for (;;) {
        int rc = poll(&p, 1, REPLY_TIMEOUT_MS);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            fprintf(stderr, "udpclient: poll: %s\n", strerror(errno));
            exit(1);
        }
        if (rc == 0)
            return -1;
        ssize_t n = recv(fd, buf, cap, 0);
        if (n < 0 && errno == ECONNREFUSED)
            return -1;
        if (n < 0) {
            fprintf(stderr, "udpclient: recv: %s\n", strerror(errno));
            exit(1);
        }
        return n;
    }
}

static int parse_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);

    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (int)(n / 2);
}

/* Builds an A/IN query for NAME with id `id`; returns its length. */
static size_t build_query(uint8_t *buf, uint16_t id, const char *name)
{
    size_t n = 0;

    buf[n++] = (uint8_t)(id >> 8);
    buf[n++] = (uint8_t)id;
    buf[n++] = 0x01; /* RD */
    buf[n++] = 0x00;
    buf[n++] = 0x00; /* QDCOUNT 1 */
    buf[n++] = 0x01;
    memset(buf + n, 0, 6);
    n += 6;
    while (*name != '\0') {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);
        buf[n++] = (uint8_t)len;
        memcpy(buf + n, name, len);
        n += len;
        name += len + (dot ? 1 : 0);
    }
    buf[n++] = 0;
    buf[n++] = 0x00; /* QTYPE A */
    buf[n++] = 0x01;
    buf[n++] = 0x00; /* QCLASS IN */
    buf[n++] = 0x01;
    return n;
}

static int run_dns_seq(int fd, long count)
{
    uint8_t q[512], r[MAX_DATAGRAM];
    long answered = 0, lost = 0, wrong = 0;
    char name[64];

    for (long i = 0; i < count; i++) {
        uint16_t id = (uint16_t)(i * 7919 + 1);
        snprintf(name, sizeof(name), "server%ld.local.org", i % 10000);
        size_t len = build_query(q, id, name);
        send_all(fd, q, len);
        ssize_t n = recv_reply(fd, r, sizeof(r));
        if (n < 0) {
            lost++;
            continue;
        }
        /* Same id, QR set. */
        if (n >= 12 && r[0] == q[0] && r[1] == q[1] && (r[2] & 0x80))
            answered++;
        else
            wrong++;
    }
    printf("sent=%ld answered=%ld lost=%ld wrong=%ld\n", count, answered, lost,
           wrong);
    return answered == count ? 0 : 1;
}

static int run_dns_burst(int fd, long count)
{
    uint8_t q[512], r[MAX_DATAGRAM];
    long answered = 0;
    char name[64];

    for (long i = 0; i < count; i++) {
        snprintf(name, sizeof(name), "server%ld.local.org", i % 10000);
        size_t len = build_query(q, (uint16_t)i, name);
        send_all(fd, q, len);
    }
    while (answered < count && recv_reply(fd, r, sizeof(r)) >= 0)
        answered++;
    printf("sent=%ld answered=%ld lost=%ld\n", count, answered,
           count - answered);
    return answered == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct sockaddr_in to;
    uint8_t buf[MAX_DATAGRAM];

    if (argc < 4) {
        fprintf(stderr,
                "usage: udpclient text|send|hex|garbage|dns-seq|dns-burst PORT "
                "ARG [SEED]\n");
        return 2;
    }
    int fd = open_socket(argv[2], &to);
    const char *mode = argv[1];

    if (strcmp(mode, "text") == 0) {
        send_all(fd, argv[3], strlen(argv[3]));
        ssize_t n = recv_reply(fd, buf, sizeof(buf) - 1);
        if (n < 0) {
            fprintf(stderr, "udpclient: no reply within %d ms\n",
                    REPLY_TIMEOUT_MS);
            return 1;
        }
        buf[n] = '\0';
        printf("%s\n", (char *)buf);
        return 0;
    }
    if (strcmp(mode, "send") == 0) {
        send_all(fd, argv[3], strlen(argv[3]));
        return 0;
    }
    if (strcmp(mode, "hex") == 0) {
        int len = parse_hex(argv[3], buf, sizeof(buf));
        if (len < 0) {
            fprintf(stderr, "udpclient: invalid hex: %s\n", argv[3]);
            return 2;
        }
        send_all(fd, buf, (size_t)len);
        ssize_t n = recv_reply(fd, buf, sizeof(buf));
        if (n < 0) {
            fprintf(stderr, "udpclient: no reply within %d ms\n",
                    REPLY_TIMEOUT_MS);
            return 1;
        }
        for (ssize_t i = 0; i < n; i++)
            printf("%02x", buf[i]);
        printf("\n");
        return 0;
    }
    long count = strtol(argv[3], NULL, 10);
    if (count <= 0 || count > 1000000) {
        fprintf(stderr, "udpclient: invalid count: %s\n", argv[3]);
        return 2;
    }
    if (strcmp(mode, "garbage") == 0) {
        unsigned seed = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 1;
        srand(seed);
        for (long i = 0; i < count; i++) {
            size_t len = (size_t)(rand() % 600);
            for (size_t j = 0; j < len; j++)
                buf[j] = (uint8_t)rand();
            send_all(fd, buf, len);
        }
        printf("sent=%ld\n", count);
        return 0;
    }
    if (strcmp(mode, "dns-seq") == 0)
        return run_dns_seq(fd, count);
    if (strcmp(mode, "dns-burst") == 0)
        return run_dns_burst(fd, count);
    fprintf(stderr, "udpclient: unknown mode: %s\n", mode);
    return 2;
}
