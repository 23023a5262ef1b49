/* The part of <stdlib.h> lwIP uses: atoi, in netif_find(). */
#ifndef UK_LIBC_STDLIB_H
#define UK_LIBC_STDLIB_H

#include <stddef.h>

int atoi(const char *s);

#endif
