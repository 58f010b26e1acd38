/* RFC 7748 §6.1: Alice's and Bob's X25519 keys and their shared secret, in the RFC's
 * (little-endian) byte order, for every test that needs a known key pair. */
#ifndef HWG_TESTS_SUPPORT_RFC7748_H
#define HWG_TESTS_SUPPORT_RFC7748_H

#include <stdint.h>

struct rfc7748_vectors {
	uint8_t alice_priv[32], alice_pub[32];
	uint8_t bob_priv[32], bob_pub[32];
	uint8_t shared[32];
};

extern const struct rfc7748_vectors rfc7748;

/* Alice's private key as text interfaces take it (UAPI, se050-emu --import). */
#define RFC7748_ALICE_PRIV_HEX "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"

#endif
