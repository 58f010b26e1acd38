/* The file half of tai64n_mark.h: reading the mark at start, writing it crash-safely. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/tai64n_mark.h"

#define MARK_FILE_MAX 32

int tai64n_mark_open(struct tai64n_mark *m, const char *state_dir, const char *ifname,
                     uint64_t mono_ns, const char **why)
{
	tai64n_mark_init(m, 0, mono_ns);
	if (!state_dir || !state_dir[0])
		state_dir = TAI64N_MARK_DEFAULT_DIR;
	char path[sizeof(m->path)];
	if (snprintf(path, sizeof(path), "%s/%s.timestamp", state_dir, ifname) >=
	    (int)sizeof(path)) {
		*why = "the state directory's path is too long";
		return -ENAMETOOLONG;
	}
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		int err = -errno;
		*why = "cannot create the state directory";
		return err;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT) {
		int err = -errno;
		*why = "cannot read the timestamp mark";
		return err;
	}
	uint64_t sec = 0;
	int err = 0;
	if (fd >= 0) {
		char buf[MARK_FILE_MAX + 1];
		ssize_t n;
		do
			n = read(fd, buf, sizeof(buf));
		while (n < 0 && errno == EINTR);
		close(fd);
		if (n < 0 || n > MARK_FILE_MAX || tai64n_mark_parse(buf, (size_t)n, &sec) != 0) {
			/* Ignoring it is all that can be done; the log says so. */
			*why = "the timestamp mark file is damaged (ignored)";
			err = -EINVAL;
			sec = 0;
		}
	}
	tai64n_mark_init(m, sec, mono_ns);
	memcpy(m->path, path, sizeof(path));
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int tai64n_mark_persist(const struct tai64n_mark *m, uint64_t sec)
{
	if (!m->path[0])
		return -ENOENT;
	char tmp[sizeof(m->path) + 8], text[MARK_FILE_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.new", m->path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int len = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)sec);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int err = write_all(fd, text, (size_t)len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, m->path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	/* The rename itself must survive a power cut. */
	char dir[sizeof(m->path)];
	memcpy(dir, m->path, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0)
			err = -errno;
		close(dfd);
	}
	return err;
}

void tai64n_mark_source_fn(void *ctx, uint64_t *unix_sec, uint32_t *nsec)
{
	struct tai64n_mark_source *src = ctx;
	struct tai64n_mark *m = &src->mark;
	uint64_t wall = src->now->real_sec * 1000000000ull + src->now->real_nsec, persist;
	uint64_t t = tai64n_mark_next(m, wall, src->now->mono_ns, &persist);
	if (persist && m->path[0]) {
		int err = tai64n_mark_persist(m, persist);
		if (err && !m->write_failed)
			log_error(
			        "cannot write the timestamp mark %s (%s): after a restart with the "
			        "clock behind, peers may reject our handshakes",
			        m->path, strerror(-err));
		else if (!err)
			log_verbose("timestamp mark moved to %llu", (unsigned long long)persist);
		m->write_failed = err != 0;
		m->writes += err == 0;
	}
	*unix_sec = t / 1000000000ull;
	*nsec = (uint32_t)(t % 1000000000ull);
}
