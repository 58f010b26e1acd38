/* The Linux rng_source: getrandom() through crypto/random.h. Production code on Linux uses this;
 * the SRAM TRNG (puf/trng.h) is for MCUs. */
#ifndef HWG_PUF_RNG_LINUX_H
#define HWG_PUF_RNG_LINUX_H

#include "puf/puf.h"

/* A ready rng_source; never fails (random_bytes aborts if the kernel cannot supply randomness). */
struct rng_source *rng_linux(void);

#endif
