/* Crash-safe device state files (Linux). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "puf/proto/state_file.h"

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char copy[4096];
	int fd, ret;

	if (strlen(path) >= sizeof(copy)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(copy, path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int pufproto_write_file_atomic(const char *path, const uint8_t *buf, size_t len)
{
	char tmp[4096 + 32];
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) || fsync(fd)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fsync_dir_of(path);
}

static int file_commit(struct pufproto_nv_store *base, const struct pufproto_device_nv *nv)
{
	struct pufproto_file_store *st = (struct pufproto_file_store *)base;
	uint8_t buf[PUFPROTO_STATE_MAX_LEN];
	long n = pufproto_state_encode(nv, st->source, st->source_len, buf, sizeof(buf));
	int ret;

	if (n < 0)
		return -1;
	ret = pufproto_write_file_atomic(st->path, buf, (size_t)n);
	secure_wipe(buf, sizeof(buf));
	return ret;
}

static int init_store(struct pufproto_file_store *st, const char *path, const uint8_t *source,
                      size_t source_len, char *err, size_t err_len)
{
	memset(st, 0, sizeof(*st));
	if (strlen(path) >= sizeof(st->path)) {
		/* not the path itself: printing one of unbounded length could overflow int on
		 * 32-bit */
		snprintf(err, err_len, "state file path too long (%zu bytes, at most %zu)",
		         strlen(path), sizeof(st->path) - 1);
		return -1;
	}
	if (source_len > sizeof(st->source)) {
		snprintf(err, err_len, "%s: PUF source description too long", path);
		return -1;
	}
	strcpy(st->path, path);
	if (source_len)
		memcpy(st->source, source, source_len);
	st->source_len = source_len;
	st->base.commit = file_commit;
	return 0;
}

int pufproto_file_store_create(struct pufproto_file_store *st, const char *path,
                               const struct pufproto_device_nv *nv, const uint8_t *source,
                               size_t source_len, int overwrite, char *err, size_t err_len)
{
	struct stat sb;

	if (init_store(st, path, source, source_len, err, err_len))
		return -1;
	if (!overwrite && stat(path, &sb) == 0) {
		snprintf(err, err_len, "%s: already exists (refusing to overwrite a device state)",
		         path);
		return -1;
	}
	if (file_commit(&st->base, nv)) {
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int pufproto_file_store_load(struct pufproto_file_store *st, const char *path,
                             struct pufproto_device_nv *nv, char *err, size_t err_len)
{
	uint8_t buf[PUFPROTO_STATE_MAX_LEN + 1];
	const uint8_t *source;
	size_t n = 0, source_len;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
			close(fd);
			secure_wipe(buf, sizeof(buf)); /* a partial read may hold the key */
			return -1;
		}
		if (r == 0 || (n += (size_t)r) == sizeof(buf))
			break;
	}
	close(fd);
	if (n == sizeof(buf)) {
		snprintf(err, err_len, "%s: too large to be a device state", path);
		secure_wipe(buf, sizeof(buf));
		return -1;
	}
	rc = pufproto_state_parse(buf, n, nv, &source, &source_len);
	if (rc) {
		snprintf(err, err_len, "%s: %s", path, pufproto_state_strerror(rc));
		secure_wipe(buf, sizeof(buf));
		return -1;
	}
	rc = init_store(st, path, source, source_len, err, err_len);
	secure_wipe(buf, sizeof(buf));
	return rc;
}
