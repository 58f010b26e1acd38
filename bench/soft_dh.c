/* bench/soft-dh.sh's program: N static-key exchanges either through the software key provider
 * (which keeps the key only on its MADV_DONTDUMP pages and loads it into OpenSSL per exchange,
 * docs/daemon.md "Keys in memory") or with the key loaded into OpenSSL once (what the provider did
 * before, leaving OpenSSL's copy of the scalar on the ordinary heap). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x25519.h"
#include "keys/soft.h"

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 200;
	uint8_t priv[32], pub[32], shared[32];
	memset(priv, 7, sizeof(priv));
	memset(pub, 9, sizeof(pub));
	if (argc > 1 && !strcmp(argv[1], "loaded")) {
		struct x25519_key key;
		if (x25519_key_init(&key, priv) != 0)
			return 1;
		for (int i = 0; i < n; i++)
			x25519_key_exchange(shared, &key, pub);
		x25519_key_clear(&key);
	} else {
		struct key_provider *kp = soft_key_provider_new(priv);
		if (!kp)
			return 1;
		for (int i = 0; i < n; i++)
			key_provider_dh(kp, shared, pub);
		key_provider_destroy(kp);
	}
	printf("%02x\n", shared[0]);
	return 0;
}
