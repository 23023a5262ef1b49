/* lwIP's compiler and platform port for the freestanding unikernel. */
#ifndef UK_LWIP_ARCH_CC_H
#define UK_LWIP_ARCH_CC_H

#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No <inttypes.h> or <ctype.h> in a freestanding build. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

int uk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void uk_panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
uint32_t uk_random(void);

#define LWIP_PLATFORM_DIAG(x)                                                  \
    do {                                                                       \
        uk_printf x;                                                           \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                \
    uk_panic("lwip assert: %s (%s:%d)", x, __FILE__, __LINE__)
#define LWIP_RAND() uk_random()

#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#endif
