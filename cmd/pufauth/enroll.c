/* pufauth enroll: the trusted enrolment of one device. The server side picks sk and the challenge
 * y1, the device answers z1 = f(x, y1) as the majority of several readings; the server row
 * (sk, z1) goes to the SQLite store and the device state (sk, y1, which PUF, and for the default
 * debiased suite the public case maps of its challenges) to the state file. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crypto/portable/secure.h"
#include "crypto/random.h"
#include "puf/host/debias_enroll.h"
#include "puf/proto/device.h"
#include "puf/host/device_source.h"
#include "puf/host/state_file.h"
#include "pufserver/store.h"

#define ENROLL_READINGS 11

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth enroll --db STORE --state FILE (--sim-seed S | --dump FILE)\n"
	        "                      [--suite NAME | --security 128|64] [--name NAME]\n"
	        "                      [--sim-model prototype|mcu] [--force]\n\n"
	        "Enrols a device: writes its state file (key, challenge and public helper data;\n"
	        "no secret derivable without the PUF) and the server's row (key and reference\n"
	        "response) in the store.\n\n"
	        "  --db STORE         server store: an SQLite file (created mode 0600 if\n"
	        "                     missing) or a postgresql:// URI (tables created if missing)\n"
	        "  --state FILE       device state file to create\n"
	        "  --sim-seed S       the device is the simulated SRAM PUF with this seed\n"
	        "  --dump FILE        the device is a recorded SRAM power-up dump (one chip)\n"
	        "  --suite NAME       debiased-128 (default): SIMON-128/128, debiased response,\n"
	        "                     >= 144 bits of min-entropy left in the key by the helper\n"
	        "                     data (docs/puf.md section 9); 6,400 SRAM bytes per "
	        "challenge\n"
	        "                     report-128, report-64: the report's parameters, for\n"
	        "                     comparison only: their helper data LEAKS the key (it fixes\n"
	        "                     the response up to 2^16 guesses, docs/puf.md section 6)\n"
	        "  --security BITS    128: the default suite; 64: report-64\n"
	        "  --name NAME        device name in the store (default: the state file's name)\n"
	        "  --sim-model MODEL  simulator calibration (default prototype: 10 %% noise)\n"
	        "  --force            overwrite an existing state file\n");
}

/* Decimal, or hexadecimal with 0x; nothing else, and nothing beyond 2^64 - 1 (strtoull would
 * saturate it silently). */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return *end || errno == ERANGE ? -1 : 0;
}

/* --sim-seed: the device is simulated. */
static int take_sim_seed(const char *name, const char *value, void *to)
{
	struct device_source_desc *desc = to;

	(void)name;
	desc->kind = DEVICE_SOURCE_SIM;
	if (parse_u64(value, &desc->seed)) {
		fprintf(stderr,
		        "pufauth enroll: --sim-seed: '%s' is not a number in "
		        "0..18446744073709551615\n",
		        value);
		return 2;
	}
	return 0;
}

/* --dump: the device is a recorded power-up. */
static int take_dump(const char *name, const char *value, void *to)
{
	struct device_source_desc *desc = to;
	char resolved[PATH_MAX];

	(void)name;
	desc->kind = DEVICE_SOURCE_DUMP;
	/* absolute, so that `auth` finds it from any directory */
	if (!realpath(value, resolved) || strlen(resolved) >= sizeof(desc->path)) {
		fprintf(stderr, "pufauth enroll: --dump %s: cannot open: %s\n", value,
		        strerror(errno));
		return 1;
	}
	strcpy(desc->path, resolved);
	return 0;
}

static int take_suite(const char *name, const char *value, void *to)
{
	uint8_t *suite_id = to;

	(void)name;
	*suite_id = pufproto_suite_by_name(value);
	if (!*suite_id) {
		fprintf(stderr,
		        "pufauth enroll: unknown --suite '%s' (debiased-128, report-128, "
		        "report-64)\n",
		        value);
		return 2;
	}
	return 0;
}

int cmd_enroll(int argc, char **argv)
{
	const char *db = NULL, *state = NULL, *name = NULL, *model = "prototype";
	struct device_source_desc desc;
	struct device_source src;
	struct pufproto_suite suite;
	struct pufproto_device_nv nv;
	struct pufproto_file_store fs;
	struct pufstore *st = NULL;
	uint8_t blob[PUFPROTO_STATE_MAX_SOURCE], ref[PUFPROTO_MAX_RESPONSE];
	uint8_t maps[PUFPROTO_STATE_MAX_HELPER],
	        refs[PUFPROTO_STATE_MAX_MAPS * PUFPROTO_MAX_RESPONSE];
	char err[512], namebuf[PUFSTORE_NAME_MAX + 1];
	int security = 0, force = 0, have_source = 0, c, ret = 1;
	uint8_t suite_id = 0;
	uint32_t challenges;
	int64_t id;
	long blob_len;
	const struct cli_option opts[] = {
	        {"db", CLI_TEXT, .to = &db},
	        {"state", CLI_TEXT, .to = &state},
	        {"sim-seed", CLI_CALL, .to = &desc, .take = take_sim_seed, .given = &have_source},
	        {"dump", CLI_CALL, .to = &desc, .take = take_dump, .given = &have_source},
	        {"security", CLI_SECURITY, .to = &security},
	        {"suite", CLI_CALL, .to = &suite_id, .take = take_suite},
	        {"name", CLI_TEXT, .to = &name},
	        {"sim-model", CLI_TEXT, .to = &model},
	        {"force", CLI_FLAG, .to = &force, .min = 1},
	        {0},
	};

	memset(&desc, 0, sizeof(desc));
	memset(&fs, 0, sizeof(fs));
	fs.lock_fd = -1;
	c = cli_parse_options_only("enroll", argc, argv, opts, usage);
	if (c >= 0)
		return c;
	if (!db || !state || have_source != 1)
		return cli_usage_error("enroll", "need --db, --state and one of --sim-seed/--dump",
		                       usage);
	if (desc.kind == DEVICE_SOURCE_SIM) {
		if (!sram_sim_params_by_name(model) || strlen(model) >= sizeof(desc.model)) {
			fprintf(stderr,
			        "pufauth enroll: unknown --sim-model '%s' (prototype, mcu)\n",
			        model);
			return 2;
		}
		strcpy(desc.model, model);
		desc.sram_bytes = DEVICE_SOURCE_SIM_BYTES;
	}
	if (!name) {
		snprintf(err, sizeof(err), "%s", state);
		snprintf(namebuf, sizeof(namebuf), "%s", basename(err));
		name = namebuf;
	}
	if (suite_id && security) {
		fprintf(stderr, "pufauth enroll: give --suite or --security, not both\n");
		return 2;
	}
	if (!suite_id)
		suite_id = security == 64 ? PUFPROTO_SUITE_64 : PUFPROTO_SUITE_DEFAULT;
	pufproto_suite_get(suite_id, &suite);
	if (pufproto_suite_leaks(suite.id))
		fprintf(stderr,
		        "pufauth enroll: warning: suite %s is report-compatible and leaks: its "
		        "helper "
		        "data determines the key up to 2^16 guesses, so whoever reads the device's "
		        "memory and records one run recovers it (docs/puf.md section 6)\n",
		        pufproto_suite_name(suite.id));
	if (device_source_open(&src, &desc, err, sizeof(err))) {
		fprintf(stderr, "pufauth enroll: %s\n", err);
		return 1;
	}
	challenges = device_source_challenges(&src, &suite);
	if (challenges == 0) {
		fprintf(stderr, "pufauth enroll: the PUF is too small for suite %s\n",
		        pufproto_suite_name(suite.id));
		goto out;
	}
	blob_len = device_source_encode(&desc, blob, sizeof(blob));
	if (blob_len < 0) {
		fprintf(stderr, "pufauth enroll: cannot describe the PUF source\n");
		goto out;
	}

	memset(&nv, 0, sizeof(nv));
	if (suite.map_len) {
		/* the device's public case maps, one per challenge, from the majority of several
		 * readings; a challenge whose map yields too few bits ends the challenge space */
		long n = debias_pp_enroll_blocks(device_source_puf(&src), suite.pp_groups,
		                                 challenges, ENROLL_READINGS, suite.pp_bits, maps,
		                                 refs);
		if (n < 0) {
			fprintf(stderr, "pufauth enroll: reading the PUF failed\n");
			goto out;
		}
		if (n == 0) {
			fprintf(stderr,
			        "pufauth enroll: the PUF yields fewer than %zu debiased bits in "
			        "%zu bytes (its words' polarities are too biased or too often "
			        "tied): suite %s cannot use it; 'pufauth analyze' shows why\n",
			        suite.pp_bits, suite.raw_block_len, pufproto_suite_name(suite.id));
			goto out;
		}
		challenges = (uint32_t)n;
		nv.helper = maps;
		nv.helper_len = challenges * suite.map_len;
	}
	/* the server's choices: sk and y1 */
	nv.suite = suite.id;
	random_bytes(nv.sk, sizeof(nv.sk));
	random_bytes(&nv.challenge, sizeof(nv.challenge));
	nv.challenge %= challenges;
	/* the device's answer: z1 */
	if (suite.map_len) {
		memcpy(ref, refs + (size_t)nv.challenge * suite.response_len, suite.response_len);
	} else if (pufproto_read_reference(device_source_puf(&src), &suite, nv.challenge,
	                                   ENROLL_READINGS, ref)) {
		fprintf(stderr, "pufauth enroll: reading the PUF failed\n");
		goto out;
	}
	st = cli_open_store("enroll", db, 1);
	if (!st)
		goto out;
	/* The row is committed only once the state file is durable: a failure leaves neither. */
	if (pufstore_begin(st) ||
	    pufstore_enroll(st, name, suite.id, nv.sk, ref, suite.response_len, &id)) {
		fprintf(stderr, "pufauth enroll: %s: %s\n", pufstore_where(st), pufstore_error(st));
		goto out;
	}
	if (pufproto_file_store_create(&fs, state, &nv, blob, (size_t)blob_len, force, err,
	                               sizeof(err))) {
		fprintf(stderr, "pufauth enroll: %s\n", err);
		pufstore_rollback(st);
		goto out;
	}
	if (pufstore_commit(st)) {
		fprintf(stderr, "pufauth enroll: %s: %s\n", pufstore_where(st), pufstore_error(st));
		unlink(state);
		goto out;
	}
	printf("enrolled '%s' (id %" PRId64 ", suite %s, %d-bit security) -> %s\n", name, id,
	       pufproto_suite_name(suite.id), suite.security_bits, state);
	ret = 0;
out:
	pufproto_file_store_close(&fs);
	pufstore_close(st);
	device_source_close(&src);
	secure_wipe(&nv, sizeof(nv));
	secure_wipe(ref, sizeof(ref));
	secure_wipe(refs, sizeof(refs));
	secure_wipe(&fs, sizeof(fs));
	return ret;
}
