/* bench/aead.sh: per-packet cost of hwguard's ChaCha20-Poly1305 (src/crypto/aead.c: OpenSSL's
 * ChaCha20 and Poly1305, the key block and the data in one bulk call) against OpenSSL's own
 * ChaCha20-Poly1305 cipher used per packet as the transport path would (a key prepared once; per
 * packet the nonce, the data, the final block and the tag), interleaved in one process. Thread CPU
 * time, so that other jobs on the machine cost wall time but not the figures. Usage:
 * crypto_aead_bench [LEN] [PACKETS] [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto/aead.h"

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int openssl_seal(EVP_CIPHER_CTX *c, uint64_t counter, uint8_t *buf, size_t len)
{
	uint8_t nonce[12] = {0};
	int outl;
	memcpy(nonce + 4, &counter, 8);
	return EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) == 1 &&
	                       EVP_EncryptUpdate(c, buf, &outl, buf, (int)len) == 1 &&
	                       EVP_EncryptFinal_ex(c, buf + len, &outl) == 1 &&
	                       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, buf + len) == 1
	               ? 0
	               : -1;
}

int main(int argc, char **argv)
{
	size_t len = argc > 1 ? strtoul(argv[1], NULL, 10) : 1420;
	long packets = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
	int rounds = argc > 3 ? atoi(argv[3]) : 7;
	if (len == 0 || len > 65535 || packets <= 0 || rounds <= 0 || rounds > 99) {
		fprintf(stderr,
		        "usage: crypto_aead_bench [LEN 1..65535] [PACKETS] [ROUNDS 1..99]\n");
		return 2;
	}
	uint8_t raw[32] = {7};
	uint8_t *buf = calloc(1, len + 16);
	struct aead_key key;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!buf || !c || aead_key_init(&key, raw) != 0 ||
	    EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, raw, NULL) != 1) {
		fprintf(stderr, "aead: setup failed\n");
		return 1;
	}
	double hwg[99], ossl[99], open[99];
	uint64_t counter = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_seconds();
		for (long i = 0; i < packets; i++)
			if (aead_seal(&key, counter++, buf, buf, len, NULL, 0) != 0)
				return 1;
		double t1 = cpu_seconds();
		for (long i = 0; i < packets; i++)
			if (openssl_seal(c, counter++, buf, len) != 0)
				return 1;
		double t2 = cpu_seconds();
		/* Open what was just sealed, so that every packet is authentic. */
		for (long i = 0; i < packets; i++) {
			if (aead_seal(&key, counter, buf, buf, len, NULL, 0) != 0 ||
			    aead_open(&key, counter, buf, buf, len + 16, NULL, 0) != 0)
				return 1;
			counter++;
		}
		double t3 = cpu_seconds();
		hwg[r] = (t1 - t0) / (double)packets * 1e9;
		ossl[r] = (t2 - t1) / (double)packets * 1e9;
		open[r] = (t3 - t2) / (double)packets * 1e9 - hwg[r];
	}
	qsort(hwg, (size_t)rounds, sizeof(double), cmp_double);
	qsort(ossl, (size_t)rounds, sizeof(double), cmp_double);
	qsort(open, (size_t)rounds, sizeof(double), cmp_double);
	double h = hwg[rounds / 2], o = ossl[rounds / 2], p = open[rounds / 2];
	printf("len %zu, %ld packets x %d rounds, medians of thread CPU time\n", len, packets,
	       rounds);
	printf("hwguard aead_seal   %8.1f ns/packet  %6.2f GB/s\n", h, (double)len / h);
	printf("hwguard aead_open   %8.1f ns/packet  %6.2f GB/s\n", p, (double)len / p);
	printf("openssl AEAD seal   %8.1f ns/packet  %6.2f GB/s\n", o, (double)len / o);
	printf("ratio openssl / hwguard seal: %.2f\n", o / h);
	aead_key_clear(&key);
	EVP_CIPHER_CTX_free(c);
	free(buf);
	return 0;
}
