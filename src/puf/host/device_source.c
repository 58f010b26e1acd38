/* PUF sources of a Linux-hosted device: the simulator and SRAM dump files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "puf/debias.h"
#include "puf/host/device_source.h"
#include "puf/proto/device_state.h"
#include "puf/sram_dump.h"

long device_source_encode(const struct device_source_desc *d, uint8_t *out, size_t cap)
{
	size_t n = 0, l;

	if (d->kind == DEVICE_SOURCE_SIM) {
		l = strlen(d->model);
		if (l == 0 || l >= sizeof(d->model) || cap < 1 + 1 + l + 8 + 4)
			return -1;
		out[n++] = DEVICE_SOURCE_SIM;
		out[n++] = (uint8_t)l;
		memcpy(out + n, d->model, l);
		n += l;
		for (int i = 7; i >= 0; i--)
			out[n++] = (uint8_t)(d->seed >> (8 * i));
		for (int i = 3; i >= 0; i--)
			out[n++] = (uint8_t)(d->sram_bytes >> (8 * i));
		return (long)n;
	}
	if (d->kind == DEVICE_SOURCE_DUMP) {
		l = strlen(d->path);
		if (l == 0 || l >= sizeof(d->path) || cap < 1 + 2 + l)
			return -1;
		out[n++] = DEVICE_SOURCE_DUMP;
		out[n++] = (uint8_t)(l >> 8);
		out[n++] = (uint8_t)l;
		memcpy(out + n, d->path, l);
		return (long)(n + l);
	}
	return -1;
}

int device_source_parse(const uint8_t *buf, size_t len, struct device_source_desc *d, char *err,
                        size_t err_len)
{
	size_t l;

	memset(d, 0, sizeof(*d));
	if (len < 1)
		goto truncated;
	d->kind = buf[0];
	if (d->kind == DEVICE_SOURCE_SIM) {
		if (len < 2)
			goto truncated;
		l = buf[1];
		if (l == 0 || l >= sizeof(d->model)) {
			snprintf(err, err_len, "bad simulator model name length %zu", l);
			return -1;
		}
		if (len < 2 + l + 12)
			goto truncated;
		if (len > 2 + l + 12)
			goto trailing;
		memcpy(d->model, buf + 2, l);
		if (memchr(d->model, 0, l) || !sram_sim_params_by_name(d->model)) {
			snprintf(err, err_len, "unknown simulator model in the state file");
			return -1;
		}
		for (size_t i = 0; i < 8; i++)
			d->seed = d->seed << 8 | buf[2 + l + i];
		for (size_t i = 0; i < 4; i++)
			d->sram_bytes = d->sram_bytes << 8 | buf[2 + l + 8 + i];
		if (d->sram_bytes < 256 || d->sram_bytes > (1u << 26) || d->sram_bytes % 4) {
			snprintf(err, err_len, "bad simulated SRAM size %u", d->sram_bytes);
			return -1;
		}
		return 0;
	}
	if (d->kind == DEVICE_SOURCE_DUMP) {
		if (len < 3)
			goto truncated;
		l = (size_t)buf[1] << 8 | buf[2];
		if (l == 0 || l >= sizeof(d->path)) {
			snprintf(err, err_len, "bad dump path length %zu", l);
			return -1;
		}
		if (len < 3 + l)
			goto truncated;
		if (len > 3 + l)
			goto trailing;
		memcpy(d->path, buf + 3, l);
		if (memchr(d->path, 0, l)) {
			snprintf(err, err_len, "dump path contains a NUL byte");
			return -1;
		}
		return 0;
	}
	snprintf(err, err_len, "unknown PUF source kind %u", d->kind);
	return -1;
truncated:
	snprintf(err, err_len, "PUF source description is truncated");
	return -1;
trailing:
	snprintf(err, err_len, "PUF source description has trailing bytes");
	return -1;
}

static int dump_read(struct puf_source *base, uint32_t challenge, uint8_t *out, size_t len)
{
	struct device_source *src = (struct device_source *)base;
	uint8_t pick[2];
	uint64_t offset = (uint64_t)challenge * 2 * len;
	const uint8_t *rec;

	if (len == 0 || len % 2 || offset + 2 * len > src->record_len || src->nrecords == 0)
		return -1;
	random_bytes(pick, sizeof(pick));
	rec = src->records[(((size_t)pick[0] << 8) | pick[1]) % src->nrecords];
	debias_xor_halves(rec + offset, 2 * len, out);
	return 0;
}

/* A raw power-up: a randomly chosen record, in place. */
static const uint8_t *dump_read_raw(struct puf_source *base, size_t offset, size_t len)
{
	struct device_source *src = (struct device_source *)base;
	uint8_t pick[2];

	if (len == 0 || src->nrecords == 0 || offset > src->record_len ||
	    len > src->record_len - offset)
		return NULL;
	random_bytes(pick, sizeof(pick));
	return src->records[(((size_t)pick[0] << 8) | pick[1]) % src->nrecords] + offset;
}

static int load_dump(struct device_source *src, char *err, size_t err_len)
{
	FILE *f = fopen(src->desc.path, "rb");
	long size;
	size_t off = 0;
	uint32_t device = 0;

	if (!f) {
		snprintf(err, err_len, "%s: cannot open: %s", src->desc.path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		snprintf(err, err_len, "%s: cannot read: %s", src->desc.path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (size == 0 || (unsigned long)size > 256ul * 1024 * 1024) {
		snprintf(err, err_len, "%s: size %ld is not that of an SRAM dump", src->desc.path,
		         size);
		fclose(f);
		return -1;
	}
	src->file = malloc((size_t)size);
	if (!src->file || fread(src->file, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, err_len, "%s: cannot read", src->desc.path);
		fclose(f);
		return -1;
	}
	fclose(f);
	src->file_len = (size_t)size;
	while (off < src->file_len) {
		struct sram_dump_record rec;
		long n = sram_dump_parse(src->file + off, src->file_len - off, &rec);

		if (n < 0) {
			snprintf(err, err_len, "%s: record at byte %zu: %s", src->desc.path, off,
			         sram_dump_strerror(n));
			return -1;
		}
		if (src->nrecords == 0) {
			device = rec.device_id;
			src->record_len = rec.data_len;
		} else if (rec.device_id != device || rec.data_len != src->record_len) {
			snprintf(err, err_len,
			         "%s: records of several devices or sizes; a device needs one "
			         "chip's "
			         "power-ups",
			         src->desc.path);
			return -1;
		}
		if (src->nrecords < DEVICE_SOURCE_MAX_RECORDS)
			src->records[src->nrecords++] = rec.data;
		off += (size_t)n;
	}
	return 0;
}

int device_source_open(struct device_source *src, const struct device_source_desc *d, char *err,
                       size_t err_len)
{
	memset(src, 0, sizeof(*src));
	src->desc = *d;
	if (d->kind == DEVICE_SOURCE_SIM) {
		const struct sram_sim_params *p = sram_sim_params_by_name(d->model);
		uint8_t idx[8];

		if (!p) {
			snprintf(err, err_len, "unknown simulator model '%s'", d->model);
			return -1;
		}
		sram_sim_init(&src->sim, p, d->seed, d->sram_bytes);
		/* every run is a new power-up */
		random_bytes(idx, sizeof(idx));
		for (int i = 0; i < 8; i++)
			src->sim.next_powerup = src->sim.next_powerup << 8 | idx[i];
		return 0;
	}
	if (d->kind == DEVICE_SOURCE_DUMP) {
		src->base.read = dump_read;
		src->base.read_raw = dump_read_raw;
		if (load_dump(src, err, err_len)) {
			device_source_close(src);
			return -1;
		}
		return 0;
	}
	snprintf(err, err_len, "unknown PUF source kind %u", d->kind);
	return -1;
}

void device_source_close(struct device_source *src)
{
	free(src->file);
	src->file = NULL;
	src->nrecords = 0;
}

struct puf_source *device_source_puf(struct device_source *src)
{
	return src->desc.kind == DEVICE_SOURCE_SIM ? &src->sim.base : &src->base;
}

uint32_t device_source_challenges(const struct device_source *src, const struct pufproto_suite *s)
{
	uint32_t bytes =
	        src->desc.kind == DEVICE_SOURCE_SIM ? src->desc.sram_bytes : src->record_len;

	uint32_t n = pufproto_suite_challenges(s, bytes);

	if (s->map_len) {
		uint32_t cap = (uint32_t)(PUFPROTO_STATE_MAX_HELPER / s->map_len);
		if (cap > PUFPROTO_STATE_MAX_MAPS)
			cap = PUFPROTO_STATE_MAX_MAPS;
		return n < cap ? n : cap;
	}
	return n;
}
