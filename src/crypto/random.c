#include "crypto/random.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

void random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Without randomness no key, nonce or index is safe: stop rather than go
			 * on. */
			perror("hwguard: getrandom");
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
}
