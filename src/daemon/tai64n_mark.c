#include "daemon/tai64n_mark.h"

#include <errno.h>
#include <string.h>

#include "daemon/text.h"

#define NSEC_PER_SEC 1000000000ull

void tai64n_mark_init(struct tai64n_mark *m, uint64_t mark_sec, uint64_t mono_ns)
{
	memset(m, 0, sizeof(*m));
	m->lead_ns = TAI64N_MARK_LEAD_MIN_NS;
	if (mark_sec > TAI64N_MARK_MAX_SEC)
		mark_sec = TAI64N_MARK_MAX_SEC;
	m->mark_ns = mark_sec * NSEC_PER_SEC;
	/* As if the mark itself had just been handed out: every later timestamp exceeds it. */
	m->last_ns = m->mark_ns;
	m->has_last = mark_sec != 0;
	m->last_mono_ns = mono_ns;
}

uint64_t tai64n_mark_next(struct tai64n_mark *m, uint64_t wall_ns, uint64_t mono_ns,
                          uint64_t *persist_sec)
{
	uint64_t t = wall_ns;
	if (m->has_last) {
		uint64_t elapsed = mono_ns > m->last_mono_ns ? mono_ns - m->last_mono_ns : 0;
		if (elapsed < TAI64N_MARK_GRANULE_NS)
			elapsed = TAI64N_MARK_GRANULE_NS;
		if (t < m->last_ns + elapsed)
			t = m->last_ns + elapsed;
	}
	m->last_ns = t;
	m->has_last = true;
	m->last_mono_ns = mono_ns;
	*persist_sec = 0;
	if (t > m->mark_ns) {
		uint64_t mark = t + m->lead_ns;
		*persist_sec = (mark + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
		m->mark_ns = *persist_sec * NSEC_PER_SEC;
		m->lead_ns = m->lead_ns * 2 > TAI64N_MARK_LEAD_MAX_NS ? TAI64N_MARK_LEAD_MAX_NS
		                                                      : m->lead_ns * 2;
	}
	return t;
}

int tai64n_mark_parse(const char *buf, size_t len, uint64_t *sec)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	return text_parse_uint(buf, len, TAI64N_MARK_MAX_SEC, sec);
}
