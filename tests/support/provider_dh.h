/* A key provider's dh() checked from the other side: one exchange with a fresh software peer. */
#ifndef HWG_TESTS_SUPPORT_PROVIDER_DH_H
#define HWG_TESTS_SUPPORT_PROVIDER_DH_H

#include "keys/provider.h"

/* Runs kp's dh() against a fresh X25519 peer; on success asserts that software X25519 on the
 * peer's side agrees. Returns dh()'s result, so a test can expect a failure (-EBUSY, -EIO). */
int test_provider_dh_round(struct key_provider *kp);

#endif
