/* Can an eavesdropper tell which emulated device sent a RESPONSE? tests/firmware/linkability.sh
 * collects RESPONSEs of several devices over several power-ups each (the transcript `pufauth mcu
 * run --transcript` writes); this program tests every cleartext field for a link to its device.
 *
 * Statistic, per field: leave-one-out nearest neighbour. For each session, the other sessions at
 * the smallest Hamming distance of that field; the score K is the number of sessions whose nearest
 * neighbours belong to their own device (a tie of m neighbours of which s are its own counts s/m).
 * If the field carries nothing about its device, K is what random device labels give: expected
 * N(S-1)/(N-1) for D devices of S sessions (N = DS). The p-value is exact for that null hypothesis
 * by permutation: the fraction of P random relabellings (same group sizes) scoring >= K.
 * Threshold: a field is linkable when p < ALPHA (1e-4: eight fields tested at once leave a false
 * alarm in under 0.1 % of runs).
 *
 * Control (the test's power): the same statistic on what the report's plain XOR-of-8 generator
 * would have sent as n_D from the same power-ups (16 bytes from each session's TRNG noise, read
 * from its SRAM file). That generator repeats the SRAM's fingerprint; the statistic must find it.
 *
 * The case maps (debiased suites): public per-device data that stays in the device's flash. Every
 * 8-byte window of every device's maps is searched for in every RESPONSE: none may be sent.
 *
 * Usage: firmware_link_stat TRANSCRIPT CONTROL_LIST TRNG_OFFSET
 *   CONTROL_LIST: lines "LABEL SRAM_FILE FLASH_FILE", one per session (FLASH_FILE: the device's
 *   flash pages, pufauth mcu run --flash)
 *   TRNG_OFFSET: where the TRNG noise starts in an SRAM file
 * Exit status: 0 every field at chance, no case map sent and the control linked; 1 otherwise;
 * 2 bad input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "puf/proto/device_flash.h"
#include "puf/proto/device_link.h"
#include "puf/proto/wire.h"
#include "puf/trng.h"
#include "puf/xoshiro.h"

#define MAX_SESSIONS  512
#define MAX_FIELD     PUFPROTO_MAX_MESSAGE
#define ALPHA         1e-4
#define PERMUTATIONS  99999
#define CONTROL_BYTES 16
#define FLASH_PAGE    1024 /* nRF51 NVMC page */
#define MAP_WINDOW    8

struct session {
	char label[256];
	int device; /* index into the distinct labels */
	uint8_t msg[PUFPROTO_MAX_MESSAGE];
	size_t len;
	struct pufproto_response r;
};

static struct session sessions[MAX_SESSIONS];
static size_t nsessions;
static char labels[MAX_SESSIONS][256];
static int ndevices;

static int device_of(const char *label)
{
	for (int i = 0; i < ndevices; i++)
		if (!strcmp(labels[i], label))
			return i;
	snprintf(labels[ndevices], sizeof(labels[0]), "%s", label);
	return ndevices++;
}

static int load_transcript(const char *path)
{
	static struct puflink_reader rd;
	uint8_t buf[4096];
	size_t n, frame;
	int want_label = 1;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "link_stat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	puflink_reader_init(&rd);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t off = 0; off < n;) {
			long used = puflink_reader_feed(&rd, buf + off, n - off, &frame);
			if (used < 0) {
				fprintf(stderr, "link_stat: %s: bad frame\n", path);
				fclose(f);
				return -1;
			}
			off += (size_t)used;
			if (!frame)
				continue;
			if (want_label) {
				if (nsessions == MAX_SESSIONS ||
				    frame >= sizeof(sessions[0].label)) {
					fprintf(stderr,
					        "link_stat: too many sessions or a long label\n");
					fclose(f);
					return -1;
				}
				memcpy(sessions[nsessions].label, rd.frame, frame);
				sessions[nsessions].label[frame] = 0;
			} else {
				struct session *s = &sessions[nsessions];
				if (frame > sizeof(s->msg) ||
				    (memcpy(s->msg, rd.frame, frame),
				     pufproto_parse_response(s->msg, frame, &s->r)) !=
				            PUFPROTO_WIRE_OK) {
					fprintf(stderr,
					        "link_stat: session %zu is not a RESPONSE\n",
					        nsessions);
					fclose(f);
					return -1;
				}
				s->len = frame;
				s->device = device_of(s->label);
				nsessions++;
			}
			want_label = !want_label;
		}
	}
	fclose(f);
	return want_label ? 0 : -1;
}

/* A field of every session, as bytes. */
struct field {
	const char *name;
	size_t len;
	uint8_t data[MAX_SESSIONS][MAX_FIELD];
};

static unsigned hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned d = 0;
	for (size_t i = 0; i < n; i++)
		d += (unsigned)__builtin_popcount(a[i] ^ b[i]);
	return d;
}

/* Nearest neighbours of every session: nn[i] lists them (count[i] of them). */
static size_t nn[MAX_SESSIONS][MAX_SESSIONS];
static size_t nn_count[MAX_SESSIONS];

static double score(const int *device)
{
	double k = 0;
	for (size_t i = 0; i < nsessions; i++) {
		size_t same = 0;
		for (size_t j = 0; j < nn_count[i]; j++)
			same += device[nn[i][j]] == device[i];
		k += (double)same / (double)nn_count[i];
	}
	return k;
}

/* Returns the permutation p-value; prints one row. */
static double test_field(const struct field *f, int *linked)
{
	static int device[MAX_SESSIONS], shuffled[MAX_SESSIONS];
	struct xoshiro x;
	unsigned long at_least = 0;

	for (size_t i = 0; i < nsessions; i++) {
		unsigned best = ~0u;
		nn_count[i] = 0;
		for (size_t j = 0; j < nsessions; j++) {
			if (j == i)
				continue;
			unsigned d = hamming(f->data[i], f->data[j], f->len);
			if (d < best) {
				best = d;
				nn_count[i] = 0;
			}
			if (d == best)
				nn[i][nn_count[i]++] = j;
		}
		device[i] = shuffled[i] = sessions[i].device;
	}
	double k = score(device);
	xoshiro_seed(&x, 20261122);
	for (int p = 0; p < PERMUTATIONS; p++) {
		for (size_t i = nsessions - 1; i > 0; i--) {
			size_t j = (size_t)(xoshiro_next(&x) % (i + 1));
			int t = shuffled[i];
			shuffled[i] = shuffled[j];
			shuffled[j] = t;
		}
		at_least += score(shuffled) >= k - 1e-9;
	}
	double pval = (double)(at_least + 1) / (PERMUTATIONS + 1);
	double expected = 0;
	for (size_t i = 0; i < nsessions; i++) {
		size_t same = 0;
		for (size_t j = 0; j < nsessions; j++)
			same += j != i && sessions[j].device == sessions[i].device;
		expected += (double)same / (double)(nsessions - 1);
	}
	*linked = pval < ALPHA;
	printf("  %-24s %5zu %10.1f %10.1f %10.5f  %s\n", f->name, f->len, k, expected, pval,
	       *linked ? "LINKABLE" : "chance");
	return pval;
}

static struct field field;

static int protocol_fields(void)
{
	struct {
		const char *name;
		int which;
	} fields[] = {{"header", 0},
	              {"session", 1},
	              {"IV (first block of c)", 2},
	              {"c after the IV", 3},
	              {"n_D", 4},
	              {"t1", 5},
	              {"u", 6},
	              {"v1", 7},
	              {"all after the header", 8}};
	int failed = 0;

	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		field.name = fields[k].name;
		for (size_t i = 0; i < nsessions; i++) {
			const struct session *s = &sessions[i];
			const struct pufproto_suite *su = &s->r.suite;
			const uint8_t *p = NULL;
			size_t n = 0;
			switch (fields[k].which) {
			case 0:
				p = s->msg, n = PUFPROTO_HEADER_LEN;
				break;
			case 1:
				p = s->r.session, n = PUFPROTO_SESSION_LEN;
				break;
			case 2:
				p = s->r.c, n = su->block_len;
				break;
			case 3:
				p = s->r.c + su->block_len, n = su->ciphertext_len - su->block_len;
				break;
			case 4:
				p = s->r.n_d, n = su->nonce_len;
				break;
			case 5:
				p = s->r.t1, n = su->nonce_len;
				break;
			case 6:
				p = s->r.u, n = su->response_len;
				break;
			case 7:
				p = s->r.v1, n = su->nonce_len;
				break;
			default:
				p = s->msg + PUFPROTO_HEADER_LEN, n = s->len - PUFPROTO_HEADER_LEN;
			}
			if (i > 0 && n != field.len) {
				fprintf(stderr, "link_stat: sessions of several suites\n");
				return -1;
			}
			field.len = n;
			memcpy(field.data[i], p, n);
		}
		int linked;
		test_field(&field, &linked);
		failed |= linked;
	}
	return failed;
}

/* Device d's case maps (from its flash file), once per device. */
static uint8_t device_flash[MAX_SESSIONS][2 * FLASH_PAGE];
static struct pufproto_device_nv device_nv[MAX_SESSIONS];
static int device_loaded[MAX_SESSIONS];

static int load_device_flash(int d, const char *path)
{
	struct pufproto_flash fl = {.mem = device_flash[d], .page_size = FLASH_PAGE};
	FILE *f;

	if (device_loaded[d])
		return 0;
	f = fopen(path, "rb");
	if (!f ||
	    fread(device_flash[d], 1, sizeof(device_flash[d]), f) != sizeof(device_flash[d]) ||
	    pufproto_flash_read(&fl, &device_nv[d], NULL)) {
		fprintf(stderr, "link_stat: %s: not a flash file with a state\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	device_loaded[d] = 1;
	return 0;
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return 1;
	return 0;
}

/* Windows of any device's case maps found in any RESPONSE (the maps stay in flash). */
static unsigned long maps_sent(size_t *map_bytes)
{
	unsigned long found = 0;

	*map_bytes = 0;
	for (int d = 0; d < ndevices; d++) {
		const struct pufproto_device_nv *nv = &device_nv[d];
		*map_bytes += nv->helper_len;
		for (size_t i = 0; i < nsessions; i++)
			for (size_t w = 0; w + MAP_WINDOW <= nv->helper_len; w++)
				found += contains(sessions[i].msg, sessions[i].len, nv->helper + w,
				                  MAP_WINDOW);
	}
	return found;
}

/* The plain XOR-of-8 output the report's design would send, from each session's noise. */
static int control_field(const char *list, long trng_offset, int *linked)
{
	static uint8_t sram[16384];
	char label[256], path[4096], flash[4096];
	size_t i = 0;
	FILE *f = fopen(list, "r");

	if (!f) {
		fprintf(stderr, "link_stat: %s: %s\n", list, strerror(errno));
		return -1;
	}
	field.name = "control: plain XOR-of-8";
	field.len = CONTROL_BYTES;
	while (fscanf(f, "%255s %4095s %4095s", label, path, flash) == 3) {
		struct health_config cfg = HEALTH_CONFIG_H025;
		struct sram_trng t;
		FILE *s = fopen(path, "rb");
		size_t n = s ? fread(sram, 1, sizeof(sram), s) : 0;
		if (s)
			fclose(s);
		if (i >= nsessions || strcmp(label, sessions[i].label) || trng_offset < 0 ||
		    (size_t)trng_offset >= n) {
			fprintf(stderr, "link_stat: %s: line %zu does not match session %zu\n",
			        list, i + 1, i);
			fclose(f);
			return -1;
		}
		if (load_device_flash(sessions[i].device, flash)) {
			fclose(f);
			return -1;
		}
		cfg.startup_samples = 0; /* its output, not its start-up test, is the point */
		sram_trng_init(&t, sram + trng_offset, n - (size_t)trng_offset, &cfg);
		if (t.base.fill(&t.base, field.data[i], CONTROL_BYTES)) {
			fprintf(stderr, "link_stat: %s: noise fails the health test\n", path);
			fclose(f);
			return -1;
		}
		i++;
	}
	fclose(f);
	if (i != nsessions) {
		fprintf(stderr, "link_stat: %s: %zu lines for %zu sessions\n", list, i, nsessions);
		return -1;
	}
	test_field(&field, linked);
	return 0;
}

int main(int argc, char **argv)
{
	int failed, control_linked;
	char *end;

	if (argc != 4) {
		fprintf(stderr, "usage: firmware_link_stat TRANSCRIPT CONTROL_LIST TRNG_OFFSET\n");
		return 2;
	}
	long trng_offset = strtol(argv[3], &end, 0);
	if (*end || load_transcript(argv[1]))
		return 2;
	if (ndevices < 2 || nsessions < 2 * (size_t)ndevices) {
		fprintf(stderr, "link_stat: need >= 2 devices with >= 2 sessions each\n");
		return 2;
	}
	printf("linkability: %zu RESPONSEs of %d devices; nearest neighbour by Hamming distance, "
	       "%d permutations, linkable when p < %g\n",
	       nsessions, ndevices, PERMUTATIONS, ALPHA);
	printf("  %-24s %5s %10s %10s %10s\n", "field", "bytes", "same-dev", "expected", "p");
	failed = protocol_fields();
	if (failed < 0 || control_field(argv[2], trng_offset, &control_linked))
		return 2;
	if (!control_linked)
		printf("linkability: the control was not linked: the test has no power here\n");
	size_t map_bytes;
	unsigned long sent = maps_sent(&map_bytes);
	printf("case maps: %zu bytes of %d devices kept in flash; %lu of their %d-byte windows "
	       "found "
	       "in the RESPONSEs\n",
	       map_bytes, ndevices, sent, MAP_WINDOW);
	failed |= sent != 0;
	printf("linkability: %s\n", !failed && control_linked
	                                    ? "every field at chance level, no case map sent"
	                                    : "FAILED");
	return !failed && control_linked ? 0 : 1;
}
