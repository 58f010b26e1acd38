#include "puf/host/sram_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "puf/debias.h"

static uint8_t *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (cap >= (size_t)64 << 20) { /* 64 MiB: larger than any sane set of dumps */
			snprintf(err, errlen, "%s: file larger than 64 MiB", path);
			free(buf);
			fclose(f);
			return NULL;
		}
		uint8_t *bigger = realloc(buf, cap * 2);
		if (!bigger)
			free(buf);
		buf = bigger;
		cap *= 2;
	}
	if (!buf || ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

int sram_dump_set_load(struct sram_dump_set *set, const char *path, char *err, size_t errlen)
{
	size_t len, count = 0;
	uint8_t *buf = read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	struct sram_dump_record rec;
	for (size_t off = 0; off < len; count++) {
		long r = sram_dump_parse(buf + off, len - off, &rec);
		if (r < 0) {
			snprintf(err, errlen, "%s: record %zu at offset %zu: %s", path, count, off,
			         sram_dump_strerror(r));
			free(buf);
			return -1;
		}
		off += (size_t)r;
	}
	if (count == 0) {
		snprintf(err, errlen, "%s: empty file, no dump record", path);
		free(buf);
		return -1;
	}
	struct sram_dump_record *recs =
	        realloc(set->records, (set->nrecords + count) * sizeof(*recs));
	uint8_t **bufs = recs ? realloc(set->buffers, (set->nbuffers + 1) * sizeof(*bufs)) : NULL;
	if (recs)
		set->records = recs;
	if (!bufs) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(buf);
		return -1;
	}
	set->buffers = bufs;
	set->buffers[set->nbuffers++] = buf;
	for (size_t off = 0; off < len;)
		off += (size_t)sram_dump_parse(buf + off, len - off,
		                               &set->records[set->nrecords++]);
	return 0;
}

void sram_dump_set_free(struct sram_dump_set *set)
{
	for (size_t i = 0; i < set->nbuffers; i++)
		free(set->buffers[i]);
	free(set->buffers);
	free(set->records);
	memset(set, 0, sizeof(*set));
}

static int file_read(struct puf_source *s, uint32_t challenge, uint8_t *out, size_t len)
{
	struct sram_file_source *src = (struct sram_file_source *)s;
	if (len == 0 || len % 2)
		return -1;
	for (; src->next < src->set->nrecords; src->next++) {
		const struct sram_dump_record *r = &src->set->records[src->next];
		if (r->device_id != src->device_id)
			continue;
		src->next++;
		uint64_t off = (uint64_t)challenge * 2 * len;
		if (off + 2 * len > r->data_len)
			return -1;
		debias_xor_halves(r->data + off, 2 * len, out);
		return 0;
	}
	return -1;
}

void sram_file_source_init(struct sram_file_source *src, const struct sram_dump_set *set,
                           uint32_t device_id)
{
	src->base.read = file_read;
	src->set = set;
	src->device_id = device_id;
	src->next = 0;
}
