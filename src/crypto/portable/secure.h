/* Constant-time comparison and wiping of secrets: portable C, no libc beyond <stddef.h>/<stdint.h>,
 * so it serves both the Linux daemon and the device-side PUF code on an MCU. */
#ifndef HWG_CRYPTO_SECURE_H
#define HWG_CRYPTO_SECURE_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the n bytes at a and b are equal, 0 otherwise; the time depends only on n. */
int ct_equal(const void *a, const void *b, size_t n);

/* 1 when all n bytes are zero, 0 otherwise; the time depends only on n. */
int ct_is_zero(const void *p, size_t n);

/* Overwrites n bytes with zeros in a way the compiler may not elide. */
void secure_wipe(void *p, size_t n);

#endif
