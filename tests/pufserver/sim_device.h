/* Test helper: a simulated device (SRAM PUF simulator with the prototype calibration, 10 % noise
 * after processing, and a deterministic TRNG) with enrolment into an in-memory or SQLite store. */
#ifndef HWG_TESTS_PUFSERVER_SIM_DEVICE_H
#define HWG_TESTS_PUFSERVER_SIM_DEVICE_H

#include <stdint.h>

#include "puf/proto/device.h"
#include "puf/proto/device_state.h"
#include "puf/host/sram_sim.h"
#include "puf/xoshiro.h"
#include "support/test_rng.h"

#define SIM_SRAM_BYTES 16384

struct sim_device {
	struct sram_sim sim;
	struct test_rng rng;
	struct pufproto_device dev;
	struct pufproto_device_config cfg;
	struct pufproto_suite suite;
	/* what the server stores at enrolment */
	uint8_t enrolled_key[PUFPROTO_KEY_LEN];
	uint8_t enrolled_ref[PUFPROTO_MAX_RESPONSE];
	/* debiased suites: the device's case maps (non-volatile memory), one per challenge */
	uint8_t helper[PUFPROTO_STATE_MAX_HELPER];
};

/* Enrols a simulated device: server picks sk and y1, the device answers z1 (majority of 11); for
 * a debiased suite the case maps of every challenge come from the same enrolment readings. */
void sim_device_enroll(struct sim_device *d, uint8_t suite, uint64_t seed);

/* An nv store that keeps the committed state in memory and counts commits. */
struct mem_nv {
	struct pufproto_nv_store base;
	struct pufproto_device_nv nv;
	int commits;
	int fail; /* make commit fail */
};

void mem_nv_init(struct mem_nv *m);

#endif
