/*
 * The workload as a Linux UDP server: the native baseline, and the service
 * inside the Linux guest. It runs a plain recvfrom/handle/sendto loop on one
 * socket, like the Linux server of the IncludeOS paper (Bratterud et al.,
 * CloudCom 2015). The control port, when on, is served by a second thread
 * blocked on its own socket, so the request path makes no extra system call
 * (a poll() over both sockets cost about 2 us of CPU per query).
 *
 * Linked statically with exactly one workload object (build/workloads/X.o),
 * which defines `workload`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_abi.h"
#include "workload.h"

/* Largest UDP payload over IPv4; requests and responses fit in it. */
#define SERVER_BUF_LEN 65507

struct server_options {
    const char *address;
    int port;         /* -1: the default for the workload */
    int control_port; /* 0: off */
    int signal_debugcon;
};

/*
 * Written by the serving thread only and read by the control thread, so
 * relaxed atomic loads and stores suffice (plain moves on x86_64).
 */
struct server_counters {
    _Atomic uint64_t rx;
    _Atomic uint64_t tx;
    _Atomic uint64_t dropped;
    _Atomic uint64_t answered;
    _Atomic uint64_t control_ignored; /* control datagrams, unknown text */
};

/* Set by the signal handler or the control thread; lock-free. */
static atomic_int stop_requested;
static int service_fd = -1;
static int control_fd = -1;

/*
 * Wakes the loop on SIGINT/SIGTERM. shutdown() is async-signal-safe, and on
 * Linux shutting down the read side of a UDP socket makes a blocked
 * recvfrom() return at once, so no signal can slip in between the
 * flag check and the blocking call.
 */
static void server_on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_requested, 1);
    if (service_fd >= 0)
        shutdown(service_fd, SHUT_RD);
    if (control_fd >= 0)
        shutdown(control_fd, SHUT_RD);
}

static void server_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s [OPTIONS]\n"
            "Serves the %s workload over UDP until SIGINT, SIGTERM or a\n"
            "\"poweroff\" control datagram, then prints its counters.\n"
            "\n"
            "  --address A         IPv4 address to bind (default 127.0.0.1)\n"
            "  --port P            UDP port of the service (default %d;\n"
            "                      0 = the workload's own port, %u)\n"
            "  --control-port C    UDP port for \"stats\" and \"poweroff\"\n"
            "                      (default 0 = off; guests use %d)\n"
            "  --signal-debugcon   once bound, write '%c' to I/O port 0x%x\n"
            "                      (QEMU isa-debugcon; needs root)\n"
            "  --help              print this help and exit\n",
            prog, workload.name, workload.port == BENCH_DNS_PORT ? 5353 : 7007,
            workload.port, BENCH_CONTROL_PORT, BENCH_READY_BYTE,
            BENCH_DEBUGCON_PORT);
}

/* Parses a port number in 0..65535; exits with a message otherwise. */
static int server_parse_port(const char *option, const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);

    if (errno != 0 || end == text || *end != '\0' || v < 0 || v > 65535) {
        fprintf(stderr,
                "server: %s: invalid port \"%s\": give a number from 0 to "
                "65535\n",
                option, text);
        exit(2);
    }
    return (int)v;
}

static void server_parse_options(int argc, char **argv,
                                 struct server_options *opt)
{
    enum { OPT_ADDRESS = 1, OPT_PORT, OPT_CONTROL, OPT_DEBUGCON, OPT_HELP };
    static const struct option longopts[] = {
        {"address", required_argument, NULL, OPT_ADDRESS},
        {"port", required_argument, NULL, OPT_PORT},
        {"control-port", required_argument, NULL, OPT_CONTROL},
        {"signal-debugcon", no_argument, NULL, OPT_DEBUGCON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };

    *opt = (struct server_options){"127.0.0.1", -1, 0, 0};
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case OPT_ADDRESS:
            opt->address = optarg;
            break;
        case OPT_PORT:
            opt->port = server_parse_port("--port", optarg);
            break;
        case OPT_CONTROL:
            opt->control_port = server_parse_port("--control-port", optarg);
            break;
        case OPT_DEBUGCON:
            opt->signal_debugcon = 1;
            break;
        case OPT_HELP:
            server_usage(stdout, argv[0]);
            exit(0);
        case ':':
            fprintf(stderr, "server: option %s needs a value; see --help\n",
                    argv[optind - 1]);
            exit(2);
        default:
            /* optopt names a bad short option; long ones leave it 0. */
            if (optopt != 0)
                fprintf(stderr, "server: unknown option \"-%c\"; see --help\n",
                        optopt);
            else
                fprintf(stderr, "server: unknown option \"%s\"; see --help\n",
                        argv[optind - 1]);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr,
                "server: unexpected argument \"%s\": this program takes "
                "options only; see --help\n",
                argv[optind]);
        exit(2);
    }

    if (opt->port == -1)
        opt->port = workload.port == BENCH_DNS_PORT ? 5353 : 7007;
    else if (opt->port == 0)
        opt->port = workload.port;
    if (opt->control_port != 0 && opt->control_port == opt->port) {
        fprintf(stderr,
                "server: --control-port %d equals the service port: choose "
                "another\n",
                opt->control_port);
        exit(2);
    }
}

/* Binds a UDP socket to address:port; exits with a message on failure. */
static int server_bind(const char *address, int port, const char *role)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};

    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        fprintf(stderr,
                "server: --address: invalid IPv4 address \"%s\": give "
                "dotted decimal, like 127.0.0.1\n",
                address);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "server: %s socket: socket() failed: %s\n", role,
                strerror(errno));
        exit(1);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "server: %s socket: bind to %s:%d failed: %s\n", role,
                address, port, strerror(errno));
        exit(1);
    }
    return fd;
}

static void server_signal_debugcon(void)
{
    if (ioperm(BENCH_DEBUGCON_PORT, 1, 1) != 0) {
        fprintf(stderr,
                "server: debugcon: ioperm(0x%x) failed: %s (run as root on "
                "x86)\n",
                BENCH_DEBUGCON_PORT, strerror(errno));
        exit(1);
    }
    outb(BENCH_READY_BYTE, BENCH_DEBUGCON_PORT);
}

/* Adds one to a counter that only the calling thread writes. */
static void server_count(_Atomic uint64_t *counter)
{
    uint64_t v = atomic_load_explicit(counter, memory_order_relaxed);
    atomic_store_explicit(counter, v + 1, memory_order_relaxed);
}

static uint64_t server_read(const _Atomic uint64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

/* Formats the counters line of bench_abi.h, without a newline. */
static int server_format_counters(const struct server_counters *c, char *buf,
                                  size_t cap)
{
    return snprintf(buf, cap,
                    BENCH_COUNTERS_PREFIX " rx=%" PRIu64 " tx=%" PRIu64
                                          " dropped=%" PRIu64
                                          " answered=%" PRIu64,
                    server_read(&c->rx), server_read(&c->tx),
                    server_read(&c->dropped), server_read(&c->answered));
}

static void server_print_counters(const struct server_counters *c)
{
    char line[160];

    server_format_counters(c, line, sizeof(line));
    printf("%s\n", line);
    uint64_t ignored = server_read(&c->control_ignored);
    if (ignored != 0)
        printf("bench: control datagrams ignored=%" PRIu64 "\n", ignored);
    fflush(stdout);
}

/* Receives one request on the service socket and sends the response. */
static void server_serve_one(uint8_t *req, uint8_t *resp,
                             struct server_counters *c)
{
    struct sockaddr_in peer;
    socklen_t peer_len = sizeof(peer);

    ssize_t n = recvfrom(service_fd, req, SERVER_BUF_LEN, 0,
                         (struct sockaddr *)&peer, &peer_len);
    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN)
            fprintf(stderr, "server: service socket: recvfrom failed: %s\n",
                    strerror(errno));
        return;
    }
    if (n == 0 && atomic_load(&stop_requested))
        return; /* the read side was shut down: not a datagram */
    server_count(&c->rx);

    size_t len = workload.handle(req, (size_t)n, resp, SERVER_BUF_LEN);
    if (len == 0) {
        server_count(&c->dropped);
        return;
    }
    if (sendto(service_fd, resp, len, 0, (struct sockaddr *)&peer, peer_len) <
        0) {
        fprintf(stderr, "server: service socket: sendto failed: %s\n",
                strerror(errno));
        server_count(&c->dropped);
        return;
    }
    server_count(&c->tx);
    server_count(&c->answered);
}

/*
 * Receives one control datagram. Returns 1 on "poweroff". Replies to "stats"
 * with the counters line, and counts anything else as ignored.
 */
static int server_control_one(struct server_counters *c)
{
    char text[64];
    struct sockaddr_in peer;
    socklen_t peer_len = sizeof(peer);

    ssize_t n = recvfrom(control_fd, text, sizeof(text) - 1, MSG_TRUNC,
                         (struct sockaddr *)&peer, &peer_len);
    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN)
            fprintf(stderr, "server: control socket: recvfrom failed: %s\n",
                    strerror(errno));
        return 0;
    }
    if (n == 0 && atomic_load(&stop_requested))
        return 0;
    size_t len = (size_t)n;
    if (len >= sizeof(text)) {
        server_count(&c->control_ignored); /* longer than any command */
        return 0;
    }
    /* Tolerate one trailing newline, as sent by `echo stats | nc -u`. */
    if (len > 0 && text[len - 1] == '\n')
        len--;

    if (len == 8 && memcmp(text, "poweroff", 8) == 0)
        return 1;
    if (len == 5 && memcmp(text, "stats", 5) == 0) {
        char line[160];
        int line_len = server_format_counters(c, line, sizeof(line));
        printf("%s\n", line);
        fflush(stdout);
        if (sendto(control_fd, line, (size_t)line_len, 0,
                   (struct sockaddr *)&peer, peer_len) < 0)
            fprintf(stderr, "server: control socket: sendto failed: %s\n",
                    strerror(errno));
        return 0;
    }
    server_count(&c->control_ignored);
    return 0;
}

/*
 * Serves the control socket until "poweroff" or a stop signal, then stops
 * the serving loop by shutting down the read side of its socket.
 */
static void *server_control_thread(void *arg)
{
    struct server_counters *c = arg;

    while (!atomic_load(&stop_requested)) {
        if (server_control_one(c) == 1) {
            atomic_store(&stop_requested, 1);
            shutdown(service_fd, SHUT_RD);
        }
    }
    return NULL;
}

static void server_run(uint8_t *req, uint8_t *resp, struct server_counters *c)
{
    pthread_t control;

    if (control_fd >= 0) {
        int err = pthread_create(&control, NULL, server_control_thread, c);
        if (err != 0) {
            fprintf(stderr,
                    "server: control thread: pthread_create failed: "
                    "%s\n",
                    strerror(err));
            exit(1);
        }
    }
    while (!atomic_load(&stop_requested))
        server_serve_one(req, resp, c);
    if (control_fd >= 0) {
        shutdown(control_fd, SHUT_RD); /* wakes the control thread */
        pthread_join(control, NULL);
    }
}

static void server_install_signals(void)
{
    struct sigaction sa = {.sa_handler = server_on_signal};

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 ||
        sigaction(SIGTERM, &sa, NULL) != 0) {
        fprintf(stderr, "server: sigaction failed: %s\n", strerror(errno));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    static uint8_t req[SERVER_BUF_LEN];
    static uint8_t resp[SERVER_BUF_LEN];
    struct server_options opt;
    struct server_counters counters = {0};

    server_parse_options(argc, argv, &opt);
    server_install_signals();

    service_fd = server_bind(opt.address, opt.port, "service");
    if (opt.control_port != 0)
        control_fd = server_bind(opt.address, opt.control_port, "control");

    printf(BENCH_READY_LINE " workload=%s address=%s port=%d", workload.name,
           opt.address, opt.port);
    if (opt.control_port != 0)
        printf(" control=%d", opt.control_port);
    printf("\n");
    fflush(stdout);
    if (opt.signal_debugcon)
        server_signal_debugcon();

    server_run(req, resp, &counters);
    server_print_counters(&counters);
    return 0;
}
