#include "emu_store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "se050/t1_frame.h"

/* File layout: magic(8) version(1) count(2 BE) [version 2: curve bitmap(16)] then per object id(4
 * BE) type curve has_policy rules(4 BE) priv(32) pub(32), then CRC-16/X.25 of everything before it
 * (2, low byte first). Version 1 files (no bitmap) still load. */
static const uint8_t store_magic[8] = {'H', 'W', 'G', 'S', 'E', 'E', 'M', 'U'};
#define STORE_VERSION 2
#define REC_LEN       (4 + 3 + 4 + EMU_KEY_LEN + EMU_KEY_LEN)
#define HDR_V1_LEN    (8 + 1 + 2)
#define HDR_LEN       (HDR_V1_LEN + 16)
#define FILE_MAX      (HDR_LEN + EMU_MAX_OBJECTS * REC_LEN + 2)

int emu_store_load(struct emu_store *s, const char *path)
{
	static uint8_t buf[FILE_MAX + 1];
	memset(s, 0, sizeof(*s));
	if (!path)
		return 0;
	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	strcpy(s->path, path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf))
			break;
	}
	close(fd);
	int ret = -EBADMSG;
	if (n < HDR_V1_LEN + 2 || n > FILE_MAX || memcmp(buf, store_magic, 8) != 0 ||
	    (buf[8] != 1 && buf[8] != STORE_VERSION))
		goto out;
	size_t hdr = buf[8] == 1 ? HDR_V1_LEN : HDR_LEN;
	size_t count = load_be16(buf + 9);
	if (count > EMU_MAX_OBJECTS || n != hdr + count * REC_LEN + 2)
		goto out;
	uint16_t crc = t1_crc(buf, n - 2);
	if (load_le16(buf + n - 2) != crc)
		goto out;
	if (hdr == HDR_LEN)
		memcpy(s->curves, buf + HDR_V1_LEN, sizeof(s->curves));
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p = buf + hdr + i * REC_LEN;
		struct emu_object *o = &s->obj[i];
		o->id = load_be32(p);
		o->type = p[4];
		o->curve = p[5];
		o->has_policy = p[6] != 0;
		o->rules = load_be32(p + 7);
		memcpy(o->priv, p + 11, EMU_KEY_LEN);
		memcpy(o->pub, p + 11 + EMU_KEY_LEN, EMU_KEY_LEN);
		emu_store_add_curve(s, o->curve); /* a key on a curve means the curve existed */
	}
	s->n = count;
	ret = 0;
out:
	secure_wipe(buf, sizeof(buf));
	return ret;
}

static int fsync_dir(const char *path)
{
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return r;
}

int emu_store_save(struct emu_store *s)
{
	static uint8_t buf[FILE_MAX];
	char tmp[600];
	if (!s->path[0])
		return 0;
	memcpy(buf, store_magic, 8);
	buf[8] = STORE_VERSION;
	store_be16(buf + 9, (uint16_t)s->n);
	memcpy(buf + HDR_V1_LEN, s->curves, sizeof(s->curves));
	for (size_t i = 0; i < s->n; i++) {
		uint8_t *p = buf + HDR_LEN + i * REC_LEN;
		const struct emu_object *o = &s->obj[i];
		store_be32(p, o->id);
		p[4] = o->type;
		p[5] = o->curve;
		p[6] = o->has_policy;
		store_be32(p + 7, o->rules);
		memcpy(p + 11, o->priv, EMU_KEY_LEN);
		memcpy(p + 11 + EMU_KEY_LEN, o->pub, EMU_KEY_LEN);
	}
	size_t n = HDR_LEN + s->n * REC_LEN;
	uint16_t crc = t1_crc(buf, n);
	store_le16(buf + n, crc);
	n += 2;

	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	int r = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, buf + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (!r && fsync(fd) != 0)
		r = -errno;
	if (close(fd) != 0 && !r)
		r = -errno;
	if (!r && rename(tmp, s->path) != 0)
		r = -errno;
	if (!r)
		r = fsync_dir(s->path);
	if (r)
		unlink(tmp);
out:
	secure_wipe(buf, sizeof(buf));
	return r;
}

struct emu_object *emu_store_find(struct emu_store *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->obj[i].id == id)
			return &s->obj[i];
	return NULL;
}

struct emu_object *emu_store_add(struct emu_store *s, uint32_t id)
{
	if (s->n == EMU_MAX_OBJECTS)
		return NULL;
	struct emu_object *o = &s->obj[s->n++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	return o;
}

void emu_store_remove(struct emu_store *s, uint32_t id)
{
	struct emu_object *o = emu_store_find(s, id);
	if (!o)
		return;
	size_t i = (size_t)(o - s->obj);
	memmove(&s->obj[i], &s->obj[i + 1], (s->n - i - 1) * sizeof(*o));
	s->n--;
	secure_wipe(&s->obj[s->n], sizeof(*o));
}

bool emu_store_has_curve(const struct emu_store *s, uint8_t curve)
{
	return curve < 128 && (s->curves[curve / 8] >> (curve % 8) & 1);
}

void emu_store_add_curve(struct emu_store *s, uint8_t curve)
{
	if (curve < 128)
		s->curves[curve / 8] |= (uint8_t)(1u << (curve % 8));
}

void emu_store_clear(struct emu_store *s)
{
	secure_wipe(s->obj, sizeof(s->obj));
	s->n = 0;
}
