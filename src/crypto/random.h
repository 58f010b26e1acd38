/* Random bytes for the Linux side: getrandom(2). Device-side PUF code uses its own TRNG instead. */
#ifndef HWG_CRYPTO_RANDOM_H
#define HWG_CRYPTO_RANDOM_H

#include <stddef.h>

/* Fills buf; aborts the process if the kernel cannot supply randomness (no safe way to go on). */
void random_bytes(void *buf, size_t len);

#endif
