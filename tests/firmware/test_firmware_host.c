/* The device image's building blocks, on the host: the A/B state pages under a power cut before
 * and during every flash operation, the device <-> bridge link, the generator seeded from
 * power-up noise, the PUF read ahead at power-up, the whole MCU path of the default suite against
 * the server's check, and the gathered PRF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"
#include "puf/proto/device.h"
#include "puf/proto/device_flash.h"
#include "puf/proto/device_link.h"
#include "puf/proto/device_state.h"
#include "puf/proto/server_core.h"
#include "puf/proto/wire.h"
#include "puf/sram_mcu.h"
#include "puf/host/sram_sim.h"
#include "puf/trng.h"
#include "puf/xoshiro.h"
#include "sim_device.h"
#include "support/test_main.h"

/* ---- a NOR flash model: erase sets a page to 0xFF, program can only clear bits; a power cut
 * stops it before operation `cut` (1-based), or during it (`tear`: each bit the operation would
 * change, changed or not at random) ---- */

#define PAGE 1024u
#define BASE 0x3f800u
static uint8_t flash[2 * PAGE];
static unsigned long ops, cut;
static int tear, powered;
static struct xoshiro tear_rng;

static int power_left(void)
{
	if (!powered)
		return 0;
	if (++ops == cut) {
		powered = 0;
		return tear ? -1 : 0; /* -1: this operation is torn, then the power is gone */
	}
	return 1;
}

static void model_erase(uint32_t addr)
{
	int p = power_left();
	assert_true(addr == BASE || addr == BASE + PAGE);
	for (uint32_t i = 0; p && i < PAGE; i++) {
		uint8_t *b = &flash[addr - BASE + i];
		*b = p > 0 ? 0xff : (uint8_t)(*b | (uint8_t)xoshiro_next(&tear_rng));
	}
}

static void model_write(uint32_t addr, uint32_t word)
{
	int p = power_left();
	assert_true(addr >= BASE && addr + 4 <= BASE + 2 * PAGE && addr % 4 == 0);
	for (int i = 0; p && i < 4; i++) {
		uint8_t want = (uint8_t)(word >> (8 * i)), *b = &flash[addr - BASE + (uint32_t)i];
		uint8_t clear = (uint8_t)(*b & ~want); /* the bits this write turns to 0 */
		if (p < 0)
			clear &= (uint8_t)xoshiro_next(&tear_rng);
		*b &= (uint8_t)~clear;
	}
}

static const struct pufproto_flash model = {flash, BASE, PAGE, model_erase, model_write};

static int flash_store_commit(struct pufproto_nv_store *st, const struct pufproto_device_nv *nv)
{
	(void)st;
	return pufproto_flash_write(&model, nv);
}

static struct pufproto_device_nv state_n(uint32_t n)
{
	struct pufproto_device_nv nv = {PUFPROTO_SUITE_128, {0}, n, NULL, 0};
	for (int i = 0; i < 16; i++)
		nv.sk[i] = (uint8_t)(n * 31 + (uint32_t)i);
	return nv;
}

/* A default-suite state: two challenges' case maps (as an nRF51's region holds). */
static struct pufproto_device_nv state_maps(uint32_t n)
{
	static uint8_t maps[200];
	struct pufproto_device_nv nv = state_n(n % 2);

	for (size_t i = 0; i < sizeof(maps); i++)
		maps[i] = (uint8_t)(i * 13 + 5);
	nv.suite = PUFPROTO_SUITE_DEBIASED_128;
	nv.helper = maps;
	nv.helper_len = sizeof(maps);
	nv.sk[0] = (uint8_t)n;
	return nv;
}

static int same_state(const struct pufproto_device_nv *a, const struct pufproto_device_nv *b)
{
	return a->suite == b->suite && a->challenge == b->challenge &&
	       !memcmp(a->sk, b->sk, sizeof(a->sk)) && a->helper_len == b->helper_len &&
	       (!a->helper_len || !memcmp(a->helper, b->helper, a->helper_len));
}

static void flash_enrolment_image_and_commits(void **state)
{
	struct pufproto_device_nv nv, want;
	uint32_t seq;
	(void)state;

	/* QEMU's flash starts as zeros, an erased part as 0xFF: neither holds a state */
	memset(flash, 0, sizeof(flash));
	assert_int_equal(pufproto_flash_read(&model, &nv, NULL), -1);
	memset(flash, 0xff, sizeof(flash));
	assert_int_equal(pufproto_flash_read(&model, &nv, NULL), -1);

	want = state_n(1);
	assert_int_equal(pufproto_flash_image(&want, PAGE, flash), 0);
	assert_int_equal(pufproto_flash_read(&model, &nv, &seq), 0);
	assert_true(same_state(&nv, &want));
	assert_int_equal(seq, 1);
	/* commits alternate pages and count up */
	powered = 1, cut = 0;
	for (uint32_t n = 2; n < 8; n++) {
		want = state_n(n);
		assert_int_equal(pufproto_flash_write(&model, &want), 0);
		assert_int_equal(pufproto_flash_read(&model, &nv, &seq), 0);
		assert_true(same_state(&nv, &want));
		assert_int_equal(seq, n);
	}
	/* a record that does not fit a page is refused, the old state stays */
	struct pufproto_flash tiny = model;
	tiny.page_size = 32;
	assert_int_equal(pufproto_flash_write(&tiny, &want), -1);
	/* a length word that points past a small page: no state, and nothing read beyond the pages
	 * (ASan: the pages are an exact-size heap block) */
	uint8_t *small = malloc(2 * 64);
	assert_non_null(small);
	memset(small, 0xff, 2 * 64);
	for (uint32_t len = 1; len <= PUFPROTO_FLASH_MAX_RECORD; len++) {
		const struct pufproto_flash sp = {small, BASE, 64, NULL, NULL};
		for (unsigned page = 0; page < 2; page++)
			for (unsigned i = 0; i < 4; i++)
				small[page * 64 + 4 + i] = (uint8_t)(len >> 8 * i);
		assert_int_equal(pufproto_flash_read(&sp, &nv, NULL), -1);
	}
	free(small);
	/* a corrupt record (CRC) in the newer page: the older one is current again */
	assert_int_equal(pufproto_flash_read(&model, &nv, &seq), 0);
	unsigned newer = seq % 2 == 1 ? 0 : 1; /* record 1 went to page A, 2 to B, ... */
	flash[newer * PAGE + 8 + 10] ^= 1;
	assert_int_equal(pufproto_flash_read(&model, &nv, &seq), 0);
	assert_int_equal(seq, 6);
	want = state_n(6);
	assert_true(same_state(&nv, &want));
}

static void flash_cuts(const struct pufproto_device_nv *old_nv,
                       const struct pufproto_device_nv *next_nv)
{
	struct pufproto_device_nv nv, old = *old_nv, next = *next_nv;
	uint32_t seq;
	unsigned long total;

	xoshiro_seed(&tear_rng, 7);
	for (int start_page = 0; start_page < 2; start_page++) {
		/* where the old record sits decides which page the commit erases */
		memset(flash, 0xff, sizeof(flash));
		assert_int_equal(pufproto_flash_image(&old, PAGE, flash), 0);
		if (start_page == 1) {
			powered = 1, cut = 0;
			assert_int_equal(pufproto_flash_write(&model, &old), 0);
		}
		uint8_t before[sizeof(flash)];
		memcpy(before, flash, sizeof(flash));
		powered = 1, cut = 0, ops = 0;
		assert_int_equal(pufproto_flash_write(&model, &next), 0);
		total = ops;
		assert_true(total >= 2);
		for (unsigned long k = 1; k <= total; k++) {
			for (tear = 0; tear <= 1; tear++) {
				for (int trial = 0; trial < (tear ? 16 : 1); trial++) {
					memcpy(flash, before, sizeof(flash));
					powered = 1, cut = k, ops = 0;
					int w = pufproto_flash_write(&model, &next);
					assert_int_equal(pufproto_flash_read(&model, &nv, &seq), 0);
					/* only a complete commit word makes the new record current,
					 * and the writer never reports a commit that did not happen
					 */
					if (k < total) {
						assert_int_equal(w, -1);
						assert_true(same_state(&nv, &old));
					} else {
						assert_true(
						        same_state(&nv, w == 0 ? &next : &old) ||
						        (w == -1 && same_state(&nv, &next)));
					}
					/* and the next commit, after the reboot, works */
					powered = 1, cut = 0;
					assert_int_equal(pufproto_flash_write(&model, &next), 0);
					assert_int_equal(pufproto_flash_read(&model, &nv, NULL), 0);
					assert_true(same_state(&nv, &next));
				}
			}
		}
	}
	tear = 0;
}

/* Every instant of a commit: before operation k, and during it; a report suite's record, and a
 * default-suite record with its case maps, which every commit copies from page to page. */
static void flash_power_cut_anywhere(void **state)
{
	for (int maps = 0; maps < 2; maps++) {
		struct pufproto_device_nv old = maps ? state_maps(41) : state_n(41);
		struct pufproto_device_nv next = maps ? state_maps(42) : state_n(42);
		flash_cuts(&old, &next);
	}
	(void)state;
}

/* ---- the link ---- */

static void link_report_round_trip(void **state)
{
	struct puflink_report
	        r = {PUFLINK_FAILED, PUFLINK_ERR_TRNG, 1136, 1280, 2600, 3216, 880, 4096},
	        back;
	uint8_t buf[PUFLINK_REPORT_LEN];
	(void)state;

	puflink_report_encode(&r, buf);
	assert_memory_equal(buf, "HWGR\1\3", 6);
	assert_int_equal(puflink_report_parse(buf, sizeof(buf), &back), 0);
	assert_int_equal(back.outcome, r.outcome);
	assert_int_equal(back.error, r.error);
	assert_int_equal(back.boot_stack_used, 1136);
	assert_int_equal(back.boot_stack_size, 1280);
	assert_int_equal(back.run_stack_used, 2600);
	assert_int_equal(back.run_stack_size, 3216);
	assert_int_equal(back.static_ram, 880);
	assert_int_equal(back.ram_size, 4096);
	assert_string_equal(puflink_strerror(back.error), "power-up noise failed its health test");
	assert_int_equal(puflink_report_parse(buf, sizeof(buf) - 1, &back), -1);
	buf[4] = 2; /* version */
	assert_int_equal(puflink_report_parse(buf, sizeof(buf), &back), -1);
	buf[4] = 1;
	buf[5] = 4; /* outcome */
	assert_int_equal(puflink_report_parse(buf, sizeof(buf), &back), -1);
}

static void link_reader_any_chunking(void **state)
{
	static struct puflink_reader rd;
	uint8_t stream[600], got[3][300];
	size_t lens[3] = {1, 299, 290}, got_len[3], pos = 0;
	(void)state;

	for (int f = 0; f < 3; f++) {
		stream[pos++] = (uint8_t)lens[f];
		stream[pos++] = (uint8_t)(lens[f] >> 8);
		for (size_t i = 0; i < lens[f]; i++)
			stream[pos++] = (uint8_t)(f * 50 + i);
	}
	for (size_t chunk = 1; chunk <= pos; chunk += chunk < 8 ? 1 : 97) {
		int nframes = 0;
		puflink_reader_init(&rd);
		for (size_t off = 0; off < pos;) {
			size_t n = pos - off < chunk ? pos - off : chunk, frame;
			while (n) {
				long used = puflink_reader_feed(&rd, stream + off, n, &frame);
				assert_true(used > 0);
				off += (size_t)used;
				n -= (size_t)used;
				if (frame) {
					assert_true(nframes < 3);
					memcpy(got[nframes], rd.frame, frame);
					got_len[nframes++] = frame;
				}
			}
		}
		assert_int_equal(nframes, 3);
		for (int f = 0; f < 3; f++) {
			assert_int_equal(got_len[f], lens[f]);
			assert_int_equal(got[f][lens[f] - 1], (uint8_t)(f * 50 + lens[f] - 1));
		}
	}
	/* a zero or oversized length cannot be resynchronised: the reader stays failed */
	size_t frame;
	const uint8_t zero[2] = {0, 0}, huge[2] = {0xff, 0xff}, ok[3] = {1, 0, 7};
	puflink_reader_init(&rd);
	assert_int_equal(puflink_reader_feed(&rd, zero, 2, &frame), -1);
	assert_int_equal(puflink_reader_feed(&rd, ok, 3, &frame), -1);
	puflink_reader_init(&rd);
	assert_int_equal(puflink_reader_feed(&rd, huge, 2, &frame), -1);
}

/* ---- the generator seeded at boot ---- */

static void noise_from_sim(uint8_t *buf, size_t len, uint64_t powerup)
{
	struct sram_sim sim;
	sram_sim_init(&sim, &SRAM_SIM_PROTOTYPE, 5, 65536);
	assert_int_equal(sram_sim_powerup(&sim, powerup, 4096, buf, len), 0);
}

static void drbg_seeding(void **state)
{
	static uint8_t noise[SRAM_DRBG_NOISE_BYTES + 64], other[SRAM_DRBG_NOISE_BYTES];
	struct sram_drbg a, b;
	uint8_t x[40], y[40], key[16];
	(void)state;

	noise_from_sim(noise, sizeof(noise), 1);
	/* before seeding nothing comes out, and the buffer is wiped */
	memset(&a, 0, sizeof(a));
	assert_int_equal(sram_drbg_seed(&a, noise, SRAM_DRBG_NOISE_BYTES - 1, &HEALTH_CONFIG_H025),
	                 -1);
	memset(x, 0x5a, sizeof(x));
	assert_int_equal(a.base.fill(&a.base, x, sizeof(x)), -1);
	assert_true(x[0] == 0 && x[39] == 0);
	/* a start-up test longer than the seed's samples is refused */
	struct health_config longer = HEALTH_CONFIG_H025;
	longer.startup_samples = SRAM_DRBG_SEED_SAMPLES + 1;
	assert_int_equal(sram_drbg_seed(&a, noise, sizeof(noise), &longer), -1);

	/* seeded: deterministic in the noise it read, and only in that */
	assert_int_equal(sram_drbg_seed(&a, noise, sizeof(noise), &HEALTH_CONFIG_H025), 0);
	noise[SRAM_DRBG_NOISE_BYTES + 3] ^= 0xff; /* beyond the seed */
	assert_int_equal(sram_drbg_seed(&b, noise, sizeof(noise), &HEALTH_CONFIG_H025), 0);
	memcpy(key, a.key, sizeof(key));
	assert_int_equal(a.base.fill(&a.base, x, sizeof(x)), 0);
	assert_int_equal(b.base.fill(&b.base, y, sizeof(y)), 0);
	assert_memory_equal(x, y, sizeof(x));
	/* key erasure: the state after a fill is not the state that produced it */
	assert_memory_not_equal(key, a.key, sizeof(key));
	assert_int_equal(a.base.fill(&a.base, y, sizeof(y)), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	/* another power-up, another stream */
	noise_from_sim(other, sizeof(other), 2);
	assert_int_equal(sram_drbg_seed(&b, other, sizeof(other), &HEALTH_CONFIG_H025), 0);
	assert_int_equal(b.base.fill(&b.base, y, sizeof(y)), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	/* one flipped noise bit changes everything */
	other[17] ^= 4;
	assert_int_equal(sram_drbg_seed(&a, other, sizeof(other), &HEALTH_CONFIG_H025), 0);
	assert_int_equal(a.base.fill(&a.base, x, sizeof(x)), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	/* stuck RAM fails the health test; wipe ends the stream */
	memset(other, 0, sizeof(other));
	assert_int_equal(sram_drbg_seed(&a, other, sizeof(other), &HEALTH_CONFIG_H025), -1);
	assert_int_equal(a.base.fill(&a.base, x, 1), -1);
	sram_drbg_wipe(&b);
	assert_int_equal(b.base.fill(&b.base, x, 1), -1);
	assert_true(ct_is_zero(b.key, sizeof(b.key)));
}

/* ---- challenges of a power-up region ---- */

static void suite_challenges(void **state)
{
	struct pufproto_suite s;
	(void)state;

	assert_int_equal(pufproto_suite_get(PUFPROTO_SUITE_DEBIASED_128, &s), 0);
	assert_int_equal(pufproto_suite_challenges(&s, 2 * 6400), 2);
	assert_int_equal(pufproto_suite_challenges(&s, 2 * 6400 - 1), 1);
	assert_int_equal(pufproto_suite_challenges(&s, 6399), 0);
	assert_int_equal(pufproto_suite_get(PUFPROTO_SUITE_128, &s), 0);
	assert_int_equal(pufproto_suite_challenges(&s, 16 * 128), 16); /* XOR of halves of 2 x 64 */
	assert_int_equal(pufproto_suite_challenges(&s, 16 * 128 + 127), 16);
}

/* ---- readings taken at power-up, a run later ---- */

static int const_read(struct puf_source *src, uint32_t y, uint8_t *out, size_t len)
{
	(void)src;
	memset(out, (int)(y * 3 + 1), len);
	return 0;
}

static int failing_read(struct puf_source *src, uint32_t y, uint8_t *out, size_t len)
{
	(void)src, (void)y, (void)out, (void)len;
	return -1;
}

static int counter_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	static uint8_t n;
	(void)src;
	for (size_t i = 0; i < len; i++)
		out[i] = n++;
	return 0;
}

static void device_readings_ahead(void **state)
{
	struct puf_source puf = {const_read, NULL}, dead = {failing_read, NULL};
	struct rng_source rng = {counter_fill};
	struct pufproto_device_config cfg = {.challenge_space = 16, .reference_readings = 1};
	struct pufproto_device_nv nv = state_n(3);
	struct pufproto_challenge ch = {.suite = PUFPROTO_SUITE_128};
	struct pufproto_readings rd;
	struct pufproto_device d;
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE], want[64];
	uint32_t y;
	long n;
	(void)state;

	n = pufproto_encode_challenge(&ch, a, sizeof(a));
	assert_int_equal(pufproto_device_read_ahead(&nv, &cfg, &rng, &puf, &rd), 0);
	assert_int_equal(rd.y1, 3);
	assert_true(rd.y2 < 16);
	memset(want, 10, sizeof(want));
	assert_memory_equal(rd.z1, want, 63);
	memset(want, (int)(rd.y2 * 3 + 1), sizeof(want));
	assert_memory_equal(rd.z2, want, 63);
	uint32_t y2 = rd.y2;
	/* begin() reads nothing itself: a PUF that fails every read does not stop it */
	assert_int_equal(pufproto_device_init(&d, &nv), 0);
	pufproto_device_use_readings(&d, &rd);
	assert_true(pufproto_device_begin(&d, &cfg, a, (size_t)n, &rng, &dead, b, sizeof(b)) > 0);
	assert_int_equal(d.next.challenge, y2);
	/* one run's readings: wiped, and the next begin() reads again */
	assert_true(ct_is_zero(&rd, sizeof(rd)));
	assert_int_equal(pufproto_device_begin(&d, &cfg, a, (size_t)n, &rng, &dead, b, sizeof(b)),
	                 PUFPROTO_DEV_PUF_FAILED);
	/* readings taken for another state are a configuration error */
	struct pufproto_device_nv other = state_n(4);
	assert_int_equal(pufproto_device_read_ahead(&other, &cfg, &rng, &puf, &rd), 0);
	pufproto_device_use_readings(&d, &rd);
	assert_int_equal(pufproto_device_begin(&d, &cfg, a, (size_t)n, &rng, &dead, b, sizeof(b)),
	                 PUFPROTO_DEV_BAD_CONFIG);
	/* a failed reading leaves nothing behind */
	memset(&rd, 0x5a, sizeof(rd));
	assert_int_equal(pufproto_device_read_ahead(&nv, &cfg, &rng, &dead, &rd),
	                 PUFPROTO_DEV_PUF_FAILED);
	assert_true(ct_is_zero(&rd, sizeof(rd)));
	cfg.reference_readings = 2;
	assert_int_equal(pufproto_device_read_ahead(&nv, &cfg, &rng, &puf, &rd),
	                 PUFPROTO_DEV_BAD_CONFIG);
	/* the draw the device makes */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(pufproto_draw_challenge(&rng, 16, &y), 0);
		assert_true(y < 16);
	}
}

/* ---- the MCU path of the default suite, end to end on the host: enrolled state in the A/B
 * pages, each power-up's region read ahead and wiped, the run, the server's check, the commit ----
 */

static void mcu_path_default_suite(void **state)
{
	static struct sim_device sd;
	/* an nRF51's power-up region: two 6,400-byte challenges and some spare (nrf51.ld) */
	static uint8_t region[2 * 6400 + 1000];
	struct pufproto_suite s;
	struct pufproto_prefilter pre;
	struct pufproto_device_nv nv;
	struct pufproto_device d;
	struct pufproto_readings rd;
	struct pufproto_match match;
	struct pufproto_response resp;
	struct pufproto_challenge ch = {.suite = PUFPROTO_SUITE_DEBIASED_128};
	struct pufproto_nv_store store = {flash_store_commit};
	uint8_t sk[PUFPROTO_KEY_LEN], ref[PUFPROTO_MAX_RESPONSE], maps[200];
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	uint32_t canary = 0, seen = 0;
	(void)state;

	sim_device_enroll(&sd, PUFPROTO_SUITE_DEBIASED_128, 77);
	assert_int_equal(pufproto_suite_get(PUFPROTO_SUITE_DEBIASED_128, &s), 0);
	assert_int_equal(sd.dev.nv.helper_len, sizeof(maps)); /* 16 KB of simulated SRAM: 2 maps */
	memcpy(maps, sd.dev.nv.helper, sizeof(maps));
	memcpy(sk, sd.enrolled_key, sizeof(sk));
	memcpy(ref, sd.enrolled_ref, sizeof(ref));
	memset(flash, 0xff, sizeof(flash));
	assert_int_equal(pufproto_flash_image(&sd.dev.nv, PAGE, flash), 0);
	assert_int_equal(pufproto_prefilter_init(&s, &pre), 0);
	powered = 1, cut = 0;
	for (uint64_t pu = 0; pu < 6; pu++) {
		struct pufproto_device_config cfg = {
		        .challenge_space = pufproto_suite_challenges(&s, sizeof(region)),
		        .reference_readings = 1};
		struct sram_mcu m;

		/* boot: the state from flash (its maps read in place), the region read ahead */
		assert_int_equal(sram_sim_powerup(&sd.sim, 1000 + pu, 0, region, sizeof(region)),
		                 0);
		sram_mcu_open(&m, region, sizeof(region), &canary);
		assert_int_equal(pufproto_flash_read(&model, &nv, NULL), 0);
		assert_true(nv.helper >= flash &&
		            nv.helper + nv.helper_len <= flash + sizeof(flash));
		assert_memory_equal(nv.helper, maps, sizeof(maps));
		assert_int_equal(pufproto_device_read_ahead(&nv, &cfg, &sd.rng.base, &m.base, &rd),
		                 0);
		assert_true(rd.y2 < 2);
		seen |= 1u << rd.y2;
		sram_mcu_close(&m);
		assert_true(ct_is_zero(region, sizeof(region)));
		/* run: no PUF left to read */
		assert_int_equal(pufproto_device_init(&d, &nv), 0);
		pufproto_device_use_readings(&d, &rd);
		sd.rng.base.fill(&sd.rng.base, ch.n_s, sizeof(ch.n_s));
		sd.rng.base.fill(&sd.rng.base, ch.session, sizeof(ch.session));
		long n = pufproto_encode_challenge(&ch, a, sizeof(a));
		n = pufproto_device_begin(&d, &cfg, a, (size_t)n, &sd.rng.base, NULL, b, sizeof(b));
		assert_true(n > 0);
		/* the server's full check against its row, and its CONFIRM */
		assert_int_equal(pufproto_parse_response(b, (size_t)n, &resp), 0);
		assert_int_equal(pufproto_candidate_full(&s, &pre, sk, ref, ch.n_s, &resp, &match),
		                 1);
		n = pufproto_server_reply(&resp, &match, &sd.rng.base, a, sizeof(a));
		assert_true(n > 0);
		assert_int_equal(pufproto_device_finish(&d, a, (size_t)n), PUFPROTO_DEVICE_ACCEPT);
		assert_int_equal(pufproto_device_commit(&d, &store), 0);
		memcpy(sk, match.next_sk, sizeof(sk));
		memcpy(ref, match.z_new, sizeof(ref));
		/* a warm reset: the canary refuses the wiped region */
		sram_mcu_open(&m, region, sizeof(region), &canary);
		assert_int_equal(pufproto_device_read_ahead(&nv, &cfg, &sd.rng.base, &m.base, &rd),
		                 PUFPROTO_DEV_PUF_FAILED);
		canary = 0; /* the next power-up */
	}
	assert_int_equal(seen, 3); /* both challenges served as y2 */
	/* the committed state kept the enrolment's maps */
	assert_int_equal(pufproto_flash_read(&model, &nv, NULL), 0);
	assert_memory_equal(nv.helper, maps, sizeof(maps));
	assert_memory_equal(nv.sk, sk, sizeof(sk));
}

/* ---- the gathered PRF equals the PRF of the joined bytes ---- */

static void prf_parts(void **state)
{
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t in[100], joined[48], gathered[48];
	(void)state;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37);
	for (int v = 0; v < 2; v++) {
		enum simon_variant var = v ? SIMON_64_128 : SIMON_128_128;
		for (size_t cut1 = 0; cut1 <= 40; cut1 += 7)
			for (size_t cut2 = cut1; cut2 <= 100; cut2 += 31) {
				struct simon_prf_part p[3] = {{in, cut1},
				                              {in + cut1, cut2 - cut1},
				                              {in + cut2, 100 - cut2}};
				simon_prf(var, key, in, sizeof(in), joined, sizeof(joined));
				simon_prf_parts(var, key, p, 3, gathered, sizeof(gathered));
				assert_memory_equal(joined, gathered, sizeof(joined));
			}
	}
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(flash_enrolment_image_and_commits),
        cmocka_unit_test(flash_power_cut_anywhere),
        cmocka_unit_test(link_report_round_trip),
        cmocka_unit_test(link_reader_any_chunking),
        cmocka_unit_test(drbg_seeding),
        cmocka_unit_test(suite_challenges),
        cmocka_unit_test(device_readings_ahead),
        cmocka_unit_test(mcu_path_default_suite),
        cmocka_unit_test(prf_parts),
};

HWG_TEST_MAIN(tests, NULL, NULL)
