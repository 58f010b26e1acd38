/* Crash-safe, locked device state files (Linux). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

/* The directory part of path, in buf. */
static int dir_of(const char *path, char *buf, size_t cap)
{
	char *d;

	if (strlen(path) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	d = dirname(buf);
	memmove(buf, d, strlen(d) + 1);
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	int fd, ret;

	if (dir_of(path, dir, sizeof(dir)))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/* Writes path atomically; calls hook (if any) once the temporary file is durable. */
static int write_atomic(const char *path, const uint8_t *buf, size_t len, void (*hook)(void *),
                        void *hook_arg)
{
	char tmp[4096 + 32];
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) || fsync(fd)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (hook)
		hook(hook_arg);
	if (close(fd) || rename(tmp, path)) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fsync_dir_of(path);
}

int pufproto_write_file_atomic(const char *path, const uint8_t *buf, size_t len)
{
	return write_atomic(path, buf, len, NULL, NULL);
}

static int file_commit(struct pufproto_nv_store *base, const struct pufproto_device_nv *nv)
{
	struct pufproto_file_store *st = (struct pufproto_file_store *)base;
	uint8_t buf[PUFPROTO_STATE_MAX_LEN];
	long n = pufproto_state_encode(nv, st->source, st->source_len, buf, sizeof(buf));
	int ret;

	if (n < 0)
		return -1;
	ret = write_atomic(st->path, buf, (size_t)n, st->before_rename, st->before_rename_arg);
	secure_wipe(buf, sizeof(buf));
	return ret;
}

static int init_store(struct pufproto_file_store *st, const char *path, char *err, size_t err_len)
{
	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	if (strlen(path) >= sizeof(st->path)) {
		/* not the path itself: printing one of unbounded length could overflow int on
		 * 32-bit */
		snprintf(err, err_len, "state file path too long (%zu bytes, at most %zu)",
		         strlen(path), sizeof(st->path) - 1);
		return -1;
	}
	strcpy(st->path, path);
	st->base.commit = file_commit;
	return 0;
}

static int set_source(struct pufproto_file_store *st, const uint8_t *source, size_t source_len,
                      char *err, size_t err_len)
{
	if (source_len > sizeof(st->source)) {
		snprintf(err, err_len, "%s: PUF source description too long", st->path);
		return -1;
	}
	if (source_len)
		memcpy(st->source, source, source_len);
	st->source_len = source_len;
	return 0;
}

/* Overwrites a leftover temporary file with zeros before removing it: it holds a device key. */
static void wipe_and_remove(const char *path)
{
	static const uint8_t zeros[512];
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat sb;

	if (fd >= 0) {
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
			for (off_t done = 0; done < sb.st_size; done += (off_t)sizeof(zeros))
				if (write_all(fd, zeros, sizeof(zeros)))
					break;
			fsync(fd);
		}
		close(fd);
	}
	unlink(path);
}

/* Removes FILE.tmp.* beside path: temporary files of runs that were killed mid-commit. Only the
 * holder of the lock may call it (it is then the only writer). */
static void remove_leftovers(const char *path)
{
	char dir[4096], base[4096], full[8200], *b;
	size_t blen;
	struct dirent *de;
	DIR *d;

	if (dir_of(path, dir, sizeof(dir)) || strlen(path) >= sizeof(base))
		return;
	strcpy(base, path);
	b = basename(base);
	memmove(base, b, strlen(b) + 1);
	blen = strlen(base);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *rest = de->d_name + blen;

		if (strncmp(de->d_name, base, blen) != 0 || strncmp(rest, ".tmp.", 5) != 0 ||
		    rest[5] == 0 || strspn(rest + 5, "0123456789") != strlen(rest + 5))
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		wipe_and_remove(full);
	}
	closedir(d);
}

/* Opens path and takes the exclusive lock on the file it names now. A commit of another run may
 * rename a new file over path between our open and our lock: the lock would then be on a file
 * nobody uses, so check that path still names the locked file, and start again if not. Returns
 * the descriptor, PUFPROTO_STATE_FILE_BUSY, or -1 with a message. */
static int open_locked(const char *path, char *err, size_t err_len)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		/* O_NONBLOCK: opening a FIFO must not wait for a writer */
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct stat held, named;

		if (fd < 0) {
			snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
			return -1;
		}
		if (fstat(fd, &held) || !S_ISREG(held.st_mode)) {
			snprintf(err, err_len, "%s: not a regular file", path);
			close(fd);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			int busy = errno == EWOULDBLOCK;

			snprintf(err, err_len, "%s: %s", path,
			         busy ? "in use by another run (pufauth auth holds it)"
			              : strerror(errno));
			close(fd);
			return busy ? PUFPROTO_STATE_FILE_BUSY : -1;
		}
		if (stat(path, &named) == 0 && named.st_ino == held.st_ino &&
		    named.st_dev == held.st_dev)
			return fd;
		close(fd);
	}
	snprintf(err, err_len, "%s: keeps being replaced while we try to lock it", path);
	return -1;
}

void pufproto_file_store_close(struct pufproto_file_store *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
}

int pufproto_file_store_create(struct pufproto_file_store *st, const char *path,
                               const struct pufproto_device_nv *nv, const uint8_t *source,
                               size_t source_len, int overwrite, char *err, size_t err_len)
{
	struct stat sb;

	if (init_store(st, path, err, err_len) || set_source(st, source, source_len, err, err_len))
		return -1;
	if (lstat(path, &sb) == 0) {
		int fd;

		if (!overwrite) {
			snprintf(err, err_len,
			         "%s: already exists (refusing to overwrite a device state)", path);
			return -1;
		}
		fd = open_locked(path, err, err_len);
		if (fd < 0)
			return -1;
		st->lock_fd = fd;
		remove_leftovers(path);
	}
	if (file_commit(&st->base, nv)) {
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
		pufproto_file_store_close(st);
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

	if (init_store(st, path, err, err_len))
		return -1;
	fd = open_locked(path, err, err_len);
	if (fd < 0)
		return fd;
	st->lock_fd = fd;
	remove_leftovers(path);
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
			secure_wipe(buf, sizeof(buf)); /* a partial read may hold the key */
			return -1;
		}
		if (r == 0 || (n += (size_t)r) == sizeof(buf))
			break;
	}
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
	rc = set_source(st, source, source_len, err, err_len);
	if (rc == 0 && nv->helper) {
		memcpy(st->helper, nv->helper, nv->helper_len);
		nv->helper = st->helper;
	}
	secure_wipe(buf, sizeof(buf));
	return rc;
}
