/*
 * QMP client. QMP sends one JSON object per line; replies to commands are
 * {"return": ...} or {"error": {...}}, and {"event": ...} objects may come
 * in between at any time.
 */
#define _GNU_SOURCE
#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000

struct qmp {
    int fd;
    char buf[65536]; /* received bytes not yet parsed */
    size_t len;
};

/* Reads one line-delimited JSON object; NULL on EOF, timeout or bad JSON. */
static json_t *read_message(struct qmp *q, char *err, size_t errlen)
{
    for (;;) {
        char *nl = memchr(q->buf, '\n', q->len);
        struct pollfd p = {.fd = q->fd, .events = POLLIN};
        json_error_t jerr;
        ssize_t n;

        if (nl) {
            size_t line = (size_t)(nl - q->buf) + 1;
            json_t *msg = json_loadb(q->buf, line, 0, &jerr);

            memmove(q->buf, q->buf + line, q->len - line);
            q->len -= line;
            if (!msg)
                snprintf(err, errlen, "qmp: invalid JSON from QEMU: %s",
                         jerr.text);
            return msg;
        }
        if (q->len == sizeof(q->buf)) {
            snprintf(err, errlen, "qmp: message over %zu bytes",
                     sizeof(q->buf));
            return NULL;
        }
        n = poll(&p, 1, QMP_TIMEOUT_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "qmp: no message from QEMU within %d ms",
                     QMP_TIMEOUT_MS);
            return NULL;
        }
        n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "qmp: connection closed by QEMU");
            return NULL;
        }
        q->len += (size_t)n;
    }
}

struct qmp *qmp_connect(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct qmp *q;
    json_t *greeting;
    json_t *ret;

    if (strlen(path) >= sizeof(a.sun_path)) {
        snprintf(err, errlen, "qmp: %s: socket path too long", path);
        return NULL;
    }
    strcpy(a.sun_path, path);
    q = calloc(1, sizeof(*q));
    if (!q) {
        snprintf(err, errlen, "qmp: out of memory");
        return NULL;
    }
    q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        snprintf(err, errlen, "qmp: %s: connect failed: %s", path,
                 strerror(errno));
        qmp_close(q);
        return NULL;
    }
    greeting = read_message(q, err, errlen);
    if (!greeting || !json_object_get(greeting, "QMP")) {
        if (greeting)
            snprintf(err, errlen, "qmp: %s: no QMP greeting", path);
        json_decref(greeting);
        qmp_close(q);
        return NULL;
    }
    json_decref(greeting);
    ret = qmp_execute(q, "qmp_capabilities", NULL, err, errlen);
    if (!ret) {
        qmp_close(q);
        return NULL;
    }
    json_decref(ret);
    return q;
}

void qmp_close(struct qmp *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    free(q);
}

static int send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

json_t *qmp_execute(struct qmp *q, const char *execute, json_t *args, char *err,
                    size_t errlen)
{
    json_t *cmd = json_pack("{s:s}", "execute", execute);
    char *text;
    int rc;

    if (!cmd) {
        json_decref(args);
        snprintf(err, errlen, "qmp: out of memory");
        return NULL;
    }
    if (args)
        json_object_set_new(cmd, "arguments", args);
    text = json_dumps(cmd, JSON_COMPACT);
    json_decref(cmd);
    if (!text) {
        snprintf(err, errlen, "qmp: out of memory");
        return NULL;
    }
    rc = send_all(q->fd, text, strlen(text));
    if (rc == 0)
        rc = send_all(q->fd, "\n", 1);
    free(text);
    if (rc < 0) {
        snprintf(err, errlen, "qmp: %s: send failed: %s", execute,
                 strerror(errno));
        return NULL;
    }

    for (;;) {
        json_t *msg = read_message(q, err, errlen);
        json_t *ret;
        json_t *error;

        if (!msg)
            return NULL;
        if (json_object_get(msg, "event")) {
            json_decref(msg);
            continue;
        }
        error = json_object_get(msg, "error");
        if (error) {
            const char *desc =
                json_string_value(json_object_get(error, "desc"));
            snprintf(err, errlen, "qmp: %s failed: %s", execute,
                     desc ? desc : "unknown error");
            json_decref(msg);
            return NULL;
        }
        ret = json_object_get(msg, "return");
        if (!ret) {
            json_decref(msg);
            continue;
        }
        json_incref(ret);
        json_decref(msg);
        return ret;
    }
}

int qmp_status(struct qmp *q, char *out, size_t cap, char *err, size_t errlen)
{
    json_t *ret = qmp_execute(q, "query-status", NULL, err, errlen);
    const char *status;

    if (!ret)
        return -1;
    status = json_string_value(json_object_get(ret, "status"));
    if (!status) {
        snprintf(err, errlen, "qmp: query-status: no status in reply");
        json_decref(ret);
        return -1;
    }
    snprintf(out, cap, "%s", status);
    json_decref(ret);
    return 0;
}

int qmp_quit(struct qmp *q, char *err, size_t errlen)
{
    json_t *ret = qmp_execute(q, "quit", NULL, err, errlen);

    if (!ret)
        return -1;
    json_decref(ret);
    return 0;
}

int qmp_parse_kvm_exits(const json_t *ret, uint64_t *exits)
{
    size_t i, j;
    const json_t *entry;
    int found = 0;

    *exits = 0;
    if (!json_is_array(ret))
        return -1;
    json_array_foreach(ret, i, entry)
    {
        const json_t *stats = json_object_get(entry, "stats");
        const json_t *st;

        json_array_foreach(stats, j, st)
        {
            const char *name = json_string_value(json_object_get(st, "name"));
            const json_t *value = json_object_get(st, "value");

            if (name && strcmp(name, "exits") == 0 && json_is_integer(value)) {
                *exits += (uint64_t)json_integer_value(value);
                found = 1;
            }
        }
    }
    return found ? 0 : -1;
}

int qmp_kvm_exits(struct qmp *q, uint64_t *exits, char *err, size_t errlen)
{
    json_t *args = json_pack("{s:s,s:[{s:s,s:[s]}]}", "target", "vcpu",
                             "providers", "provider", "kvm", "names", "exits");
    json_t *ret = qmp_execute(q, "query-stats", args, err, errlen);
    int rc;

    if (!ret)
        return -1;
    rc = qmp_parse_kvm_exits(ret, exits);
    json_decref(ret);
    if (rc < 0)
        snprintf(err, errlen,
                 "qmp: query-stats: no KVM \"exits\" "
                 "statistic in the reply");
    return rc;
}
