/* check: what a field engineer runs on a new board. It opens the chip, shows the link and applet
 * parameters and the free memory, and runs one chip ECDH against an ephemeral host key, verified
 * against the host's own X25519 of the chip's public key; each step with its time. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "crypto/codec.h"
#include "crypto/portable/secure.h"
#include "crypto/x25519.h"
#include "keys/se050_provider.h"
#include "se050/se050.h"

/* The last customer id: check's scratch key when no --se050 ID is given (generated, used once,
 * deleted). */
#define CHECK_SCRATCH_ID SE050_ID_MAX

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key check [--se050 ID] [--bus SPEC]\n"
	        "Bring-up check of an SE050: opens the link and prints the ATR parameters (BWT,\n"
	        "IFSC, MPOT, SEGT, ...), the applet version and configuration and the free\n"
	        "persistent memory, then runs one ECDH on the chip against an ephemeral host key "
	        "and\n"
	        "verifies it against the host's own X25519 of the chip's public key. Every step\n"
	        "prints its time. Exit status 0 only when every step succeeded and all agree.\n"
	        "  --se050 ID  use the X25519 key at object ID; without it a scratch key is\n"
	        "              generated at 0x%08X and deleted afterwards (that id must be free)\n"
	        "  --bus SPEC  i2c:/dev/i2c-1@0x48 (default; or $HWGUARD_SE050_BUS) or emu:PATH\n",
	        CHECK_SCRATCH_ID);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

struct run {
	struct timespec step;
	bool ok;
};

static void begin(struct run *run)
{
	clock_gettime(CLOCK_MONOTONIC, &run->step);
}

/* Prints one step's line; err 0 = ok. */
static void end(struct run *run, const char *what, int err, const char *detail)
{
	double ms = ms_since(&run->step);
	if (err) {
		run->ok = false;
		printf("  %-34s FAIL %9.1f ms  %s\n", what, ms,
		       detail ? detail : se050_strerror(err));
	} else if (detail && detail[0]) {
		printf("  %-34s ok   %9.1f ms  %s\n", what, ms, detail);
	} else {
		printf("  %-34s ok   %9.1f ms\n", what, ms);
	}
	fflush(stdout);
}

static const char *applet_family(const struct se05x_version *v)
{
	return v->major == 3 ? "SE050 A/B/C/F" : v->major == 7 ? "SE050E or SE051" : "unsupported";
}

static void print_atr(const struct se050_info *info)
{
	const struct t1_atr *a = &info->atr;
	if (!info->have_atr) {
		printf("    ATR: none (the chip did not send one; defaults in use)\n");
		return;
	}
	char hist[2 * sizeof(a->hist) + 3];
	bool printable = a->hist_len > 0;
	for (unsigned i = 0; i < a->hist_len; i++)
		printable = printable && isprint(a->hist[i]);
	if (printable) {
		snprintf(hist, sizeof(hist), "\"%.*s\"", (int)a->hist_len, (const char *)a->hist);
	} else {
		hist[0] = '\0';
		for (unsigned i = 0; i < a->hist_len; i++)
			snprintf(hist + 2 * i, sizeof(hist) - 2 * i, "%02X", a->hist[i]);
	}
	printf("    ATR: protocol version %u, vendor %02X%02X%02X%02X%02X, BWT %u ms, IFSC %u "
	       "bytes\n",
	       a->pver, a->vid[0], a->vid[1], a->vid[2], a->vid[3], a->vid[4], a->bwt_ms, a->ifsc);
	printf("         PLID %u%s, max clock %u kHz, MPOT %u ms, SEGT %u us, WUT %u us\n", a->plid,
	       a->plid == 2 ? " (I2C)" : "", a->mcf_khz, a->mpot_ms, a->segt_us, a->wut_us);
	printf("         historical bytes %s\n", a->hist_len ? hist : "(none)");
}

int cmd_check(int argc, char **argv)
{
	struct chip_options o;
	int status = parse_chip_options(argc, argv, CHIP_OPT_SE050, usage, &o);
	if (status >= 0)
		return status;
	uint32_t id = CHECK_SCRATCH_ID;
	if (o.se050 && parse_object_id(o.se050, &id))
		return 2;
	const char *bus = o.bus ? o.bus : se050_default_bus();

	struct run run = {.ok = true};
	struct timespec start;
	char detail[160];
	clock_gettime(CLOCK_MONOTONIC, &start);
	printf("SE050 check on %s\n", bus);
	begin(&run);
	struct se050 *se = open_chip(bus);
	if (!se) {
		end(&run, "open link, select applet", -ENODEV, "see the message above");
		printf("result: FAILED\n");
		return 1;
	}
	struct se050_info info;
	se050_get_info(se, &info);
	const struct se05x_version *sel = &info.applet;
	snprintf(detail, sizeof(detail), "applet %u.%u.%u (%s), config 0x%04X, X25519 %s",
	         sel->major, sel->minor, sel->patch, applet_family(sel), sel->config,
	         sel->config & SE05X_CONFIG_DH_MONT ? "available" : "missing");
	end(&run, "open link, select applet", 0, detail);
	print_atr(&info);

	struct se05x_version ver;
	begin(&run);
	int r = se050_get_version(se, &ver);
	if (!r && (ver.major != sel->major || ver.minor != sel->minor || ver.patch != sel->patch ||
	           ver.config != sel->config)) {
		snprintf(detail, sizeof(detail),
		         "applet %u.%u.%u config 0x%04X disagrees with SELECT", ver.major,
		         ver.minor, ver.patch, ver.config);
		end(&run, "get version", -EBADMSG, detail);
	} else if (!r) {
		snprintf(detail, sizeof(detail), "applet %u.%u.%u, agrees with SELECT", ver.major,
		         ver.minor, ver.patch);
		if (ver.has_secure_box)
			snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			         ", secure box 0x%04X", ver.secure_box);
		end(&run, "get version", 0, detail);
	} else {
		end(&run, "get version", r, NULL);
	}

	uint32_t free_bytes;
	begin(&run);
	r = se050_free_memory(se, &free_bytes);
	snprintf(detail, sizeof(detail), "%u bytes%s", free_bytes,
	         free_bytes >= 32767 ? " (or more: the chip reports at most 32767)" : "");
	end(&run, "free persistent memory", r, r ? NULL : detail);

	bool scratch = !o.se050;
	bool have_key = false;
	uint8_t pub[SE050_KEY_LEN];
	if (scratch) {
		begin(&run);
		r = se050_exists(se, id);
		if (r == 1) {
			snprintf(detail, sizeof(detail),
			         "object 0x%08X exists: delete it, or pass --se050 ID", id);
			end(&run, "generate a scratch key", -EEXIST, detail);
		} else {
			if (r == 0)
				r = se050_generate_x25519(se, id, false);
			snprintf(detail, sizeof(detail), "at 0x%08X", id);
			end(&run, "generate a scratch key", r, r ? NULL : detail);
			have_key = r == 0;
		}
	} else {
		have_key = true;
	}
	if (have_key) {
		char pub64[BASE64_LEN(KEY_LEN) + 1];
		begin(&run);
		r = se050_x25519_public(se, id, pub);
		if (!r)
			base64_encode(pub64, pub, KEY_LEN);
		snprintf(detail, sizeof(detail), "0x%08X: %s", id, r ? "" : pub64);
		end(&run, "read the public key", r, r ? NULL : detail);
		have_key = r == 0;
	}
	if (have_key) {
		uint8_t e[KEY_LEN], E[KEY_LEN], chip_shared[KEY_LEN], host_shared[KEY_LEN];
		begin(&run);
		r = x25519_generate(e, E) ? -ENOMEM : 0;
		end(&run, "ephemeral host key", r, NULL);
		if (!r) {
			begin(&run);
			r = se050_x25519(se, id, E, chip_shared);
			end(&run, "ECDH on the chip", r, NULL);
		}
		if (!r) {
			begin(&run);
			r = x25519(host_shared, e, pub) ? -EINVAL : 0;
			bool agree = !r && ct_equal(chip_shared, host_shared, KEY_LEN);
			end(&run, "host X25519 of the chip's key",
			    r       ? r
			    : agree ? 0
			            : -EBADMSG,
			    agree ? "the shared secrets agree"
			    : r   ? NULL
			          : "the shared secrets DIFFER: the chip's ECDH is wrong");
		}
		secure_wipe(e, sizeof(e));
		secure_wipe(chip_shared, sizeof(chip_shared));
		secure_wipe(host_shared, sizeof(host_shared));
	}
	if (scratch && have_key) {
		begin(&run);
		r = se050_delete(se, id);
		end(&run, "delete the scratch key", r, NULL);
	}

	struct t1_stats st;
	se050_get_stats(se, &st);
	printf("    link: WTX answered %u, frames resent %u, R-NACKs sent %u, RESYNCH %u, busy "
	       "polls "
	       "%u\n",
	       st.wtx, st.retransmits, st.nacks_sent, st.resyncs, st.busy_polls);
	se050_close(se);
	printf("result: %s (%.1f ms)\n",
	       run.ok ? "ok, every step succeeded and all agree" : "FAILED", ms_since(&start));
	return run.ok ? 0 : 1;
}
