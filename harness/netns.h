/*
 * netns: the network namespace behind `--net tap`. The harness creates a
 * namespace of its own, moves itself into it and adds one tap device per
 * guest there, each on its own /24 (10.0.2.0/24, 10.0.3.0/24, ...), with
 * the host side at .2 and the guest at .15. QEMU and the load generator,
 * started after the move, inherit the namespace, so guest traffic never
 * leaves it. Needs root (CAP_NET_ADMIN) and iproute2's `ip`.
 */
#ifndef NETNS_H
#define NETNS_H

#include <stddef.h>

#define NETNS_MAX_TAPS 4

struct netns {
    char name[64]; /* "ukbench-PID" */
    int orig_fd;   /* the harness's namespace before the move, -1: none */
    int ntaps;
};

/*
 * Creates the namespace, brings its loopback up and moves the calling
 * process into it. Returns 0, or -1 with the reason in err (not root,
 * `ip` missing or failing), having undone what it did.
 */
int netns_create(struct netns *ns, char *err, size_t errlen);

/*
 * Adds tap device number k (ukbtapK, host address 10.0.(2+k).2/24) inside
 * the namespace. Returns 0, or -1 with the reason in err.
 */
int netns_add_tap(struct netns *ns, int k, char *err, size_t errlen);

/* Writes the tap name, guest address and gateway of tap number k. */
void netns_tap_names(int k, char *ifname, char *guest_ip, char *gateway,
                     size_t cap);

/* Moves the process back and deletes the namespace; idempotent. */
void netns_destroy(struct netns *ns);

#endif
