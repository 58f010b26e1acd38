/* Keeps the TAI64N timestamps of our handshake initiations increasing across restarts, on devices
 * whose wall clock starts in the past after a reboot (no RTC until NTP runs). A peer accepts an
 * initiation only when its timestamp is later than every earlier one from our key, so such a device
 * is otherwise locked out until its clock is set (esp_wireguard#29, Zephyr #86020).
 *
 * A high-water mark M is kept in the state directory (STATE_DIR/IFNAME.timestamp, the Unix time in
 * seconds as decimal text). Invariants:
 *   - no timestamp sent exceeds the persisted M: when one would, M moves forward first (written to
 *     a temporary file, fsync'ed, renamed over the old one);
 *   - after a restart every timestamp is later than M (and so than every one sent before).
 * Writes are rare, for flash: M moves LEAD ahead of the timestamp that passed it, with LEAD
 * starting at 1 minute after each start and doubling with each write up to 1 hour. That is also the
 * bound on how far ahead of the last timestamp sent the mark (and so the first timestamp after a
 * restart) can be: a boot loop advances the timestamps by at most a minute per boot.
 *
 * Within a run the source is a clock that never goes back: the wall clock, unless that is not later
 * than the previous timestamp plus the monotonic time since it, which is used instead. So a wall
 * clock two days behind at boot yields timestamps that continue from M, and once NTP sets the clock
 * the wall clock takes over again.
 *
 * The logic (tai64n_mark_next) is pure; tai64n_mark_open/_persist do the file I/O. */
#ifndef HWG_DAEMON_TAI64N_MARK_H
#define HWG_DAEMON_TAI64N_MARK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/wg.h"

#define TAI64N_MARK_DEFAULT_DIR "/var/lib/hwguard"
#define TAI64N_MARK_LEAD_MIN_NS (60ull * 1000000000ull)
#define TAI64N_MARK_LEAD_MAX_NS (3600ull * 1000000000ull)
/* TAI64N keeps nanoseconds in steps of 2^24 (wireguard-reference.md §1.1): two timestamps closer
 * than this may encode the same. */
#define TAI64N_MARK_GRANULE_NS (1ull << 24)
/* Largest mark accepted from the file (year 9999); anything later is treated as damage. */
#define TAI64N_MARK_MAX_SEC 253402300799ull

struct tai64n_mark {
	uint64_t mark_ns;      /* persisted: no timestamp handed out exceeds it; 0 = none */
	uint64_t last_ns;      /* the last timestamp handed out (or the starting mark) */
	bool has_last;         /* last_ns is set */
	uint64_t last_mono_ns; /* the monotonic time it was handed out */
	uint64_t lead_ns;      /* how far past the timestamp the next write puts the mark */
	unsigned writes;       /* marks written in this run */
	char path[PATH_MAX];   /* the mark file; empty: nothing is persisted */
	bool write_failed;     /* the last write failed (logged once) */
};

/* Starts from a persisted mark (0: none): every timestamp will be later than mark_sec. */
void tai64n_mark_init(struct tai64n_mark *m, uint64_t mark_sec, uint64_t mono_ns);

/* The timestamp for an initiation built at wall_ns (ns since the epoch) and mono_ns: at least the
 * wall clock, later than the previous one by at least the monotonic time since and by at least one
 * TAI64N granule, later than the starting mark. When it passes the persisted mark, *persist_sec
 * receives the new mark (seconds, rounded up) that must be written before the timestamp is used;
 * otherwise 0. */
uint64_t tai64n_mark_next(struct tai64n_mark *m, uint64_t wall_ns, uint64_t mono_ns,
                          uint64_t *persist_sec);

/* The file's contents: decimal seconds, optionally followed by one '\n'. 0 or -EINVAL. Pure. */
int tai64n_mark_parse(const char *buf, size_t len, uint64_t *sec);

/* Creates the state directory when missing (mode 0700), reads STATE_DIR/IFNAME.timestamp and
 * starts m from it. A missing file is a first start (0). Returns 0, or a negative errno with *why
 * set; m is then initialised without persistence (path empty) or without the unreadable mark. */
int tai64n_mark_open(struct tai64n_mark *m, const char *state_dir, const char *ifname,
                     uint64_t mono_ns, const char **why);

/* Writes sec as the new mark (temporary file, fsync, rename, fsync of the directory). Returns 0
 * or a negative errno. */
int tai64n_mark_persist(const struct tai64n_mark *m, uint64_t sec);

/* The daemon's initiation timestamp source (a wg_timestamp_fn; ctx: this struct): the mark's
 * clock fed with the loop's time, persisting the mark when it must move (a failed write is logged
 * once; the timestamps then stay increasing within this run only). */
struct tai64n_mark_source {
	struct tai64n_mark mark;
	const struct wg_time *now;
};
void tai64n_mark_source_fn(void *ctx, uint64_t *unix_sec, uint32_t *nsec);

#endif
