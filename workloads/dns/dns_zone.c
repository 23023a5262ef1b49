/*
 * The zone local.org, computed rather than stored: server<i>.local.org for
 * i = 0..9999 maps to 10.0.(i >> 8).(i & 0xff), and three fixed names
 * (the apex, ns and www) are matched by comparison. workloads/README.md
 * lists the records.
 */
#include "dns_internal.h"

/* "local.org" in wire form; the apex of the zone. */
static const uint8_t zone_apex[] = {5, 'l', 'o', 'c', 'a', 'l',
                                    3, 'o', 'r', 'g', 0};
#define ZONE_APEX_LEN sizeof(zone_apex)

static uint8_t to_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Compares n bytes, folding ASCII letters only (RFC 4343). */
static bool equal_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (to_lower(a[i]) != to_lower(b[i]))
            return false;
    }
    return true;
}

static bool label_is(const uint8_t *label, size_t label_len, const char *text)
{
    size_t i = 0;

    for (; i < label_len; i++) {
        if (text[i] == '\0' || to_lower(label[i]) != (uint8_t)text[i])
            return false;
    }
    return text[i] == '\0';
}

/*
 * Parses "server<i>" with i in 0..9999 written in decimal without leading
 * zeros, so each index has exactly one name. Returns false otherwise.
 */
static bool parse_server_label(const uint8_t *label, size_t label_len,
                               uint16_t *index)
{
    static const char prefix[] = "server";
    const size_t prefix_len = sizeof(prefix) - 1;

    if (label_len <= prefix_len || label_len > prefix_len + 4)
        return false;
    if (!label_is(label, prefix_len, prefix))
        return false;

    const uint8_t *digits = label + prefix_len;
    size_t digit_count = label_len - prefix_len;
    if (digits[0] == '0' && digit_count > 1)
        return false;

    uint16_t value = 0;
    for (size_t i = 0; i < digit_count; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return false;
        value = (uint16_t)(value * 10 + (digits[i] - '0'));
    }
    *index = value; /* four digits at most, so value <= 9999 */
    return true;
}

/*
 * Returns whether a label starts at name[offset]: walks the labels from the
 * start, because a label's bytes may mimic "\5local\3org\0".
 */
static bool is_label_boundary(const uint8_t *name, size_t len, size_t offset)
{
    size_t p = 0;

    while (p < offset && p < len && name[p] != 0)
        p += 1 + (size_t)name[p];
    return p == offset;
}

void dns_zone_match(const uint8_t *name, size_t len, struct dns_match *m)
{
    *m = (struct dns_match){0};

    if (len < ZONE_APEX_LEN)
        return;
    size_t apex = len - ZONE_APEX_LEN;
    if (!equal_nocase(name + apex, zone_apex, ZONE_APEX_LEN) ||
        !is_label_boundary(name, len, apex))
        return;

    m->in_zone = true;
    m->apex_offset = apex;
    m->owner = DNS_OWNER_NONE;
    if (apex == 0) {
        m->owner = DNS_OWNER_APEX;
        return;
    }

    /* Every other name sits one label below the apex. */
    size_t label_len = name[0];
    if (1 + label_len != apex)
        return;
    const uint8_t *label = name + 1;
    if (label_is(label, label_len, "ns"))
        m->owner = DNS_OWNER_NS;
    else if (label_is(label, label_len, "www"))
        m->owner = DNS_OWNER_WWW;
    else if (parse_server_label(label, label_len, &m->server_index))
        m->owner = DNS_OWNER_SERVER;
}

void dns_zone_address(enum dns_owner owner, uint16_t server_index,
                      uint8_t addr[4])
{
    addr[0] = 10;
    addr[1] = 0;
    switch (owner) {
    case DNS_OWNER_NS:
        addr[2] = 255;
        addr[3] = 1;
        break;
    case DNS_OWNER_WWW:
        addr[2] = 255;
        addr[3] = 2;
        break;
    default:
        addr[2] = (uint8_t)(server_index >> 8);
        addr[3] = (uint8_t)(server_index & 0xff);
        break;
    }
}
