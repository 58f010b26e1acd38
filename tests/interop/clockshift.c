/* LD_PRELOAD shim for the clock test: shifts the wall clock of one process by HWG_CLOCK_OFFSET_S
 * seconds (negative: into the past), as a device without an RTC sees it after a reboot. Linux
 * time namespaces shift only the monotonic and boot clocks, never CLOCK_REALTIME, hence a shim.
 * Monotonic clocks are left alone. */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long offset_s(void)
{
	const char *s = getenv("HWG_CLOCK_OFFSET_S");
	return s ? strtoll(s, NULL, 10) : 0;
}

static int is_wall_clock(clockid_t id)
{
	return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "clock_gettime");
	int r = real(id, ts);
	if (r == 0 && is_wall_clock(id))
		ts->tv_sec += offset_s();
	return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	int r = clock_gettime(CLOCK_REALTIME, &ts);
	if (r == 0) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	(void)tz;
	return r;
}

time_t time(time_t *out)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (out)
		*out = ts.tv_sec;
	return ts.tv_sec;
}
