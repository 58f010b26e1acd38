/* The whole C library a device image has: the three functions firmware/mem.c defines (the
 * compiler also emits calls to them for struct copies and initialisers). firmware_freestanding
 * (freestanding.sh) compiles the portable sources against this header and the compiler's own
 * (stddef.h, stdint.h, limits.h) only, so any other libc function fails the build. */
#ifndef HWG_FREESTANDING_STRING_H
#define HWG_FREESTANDING_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
