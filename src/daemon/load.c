#include "daemon/load.h"

static void hold(struct load_monitor *m, uint64_t now_ns)
{
	m->until_ns = now_ns + LOAD_HOLD_NS;
	m->seen = true;
}

void load_note_datagram(struct load_monitor *m, const uint8_t *pkt, size_t len, uint64_t now_ns)
{
	if (len == 0 || (pkt[0] != 1 && pkt[0] != 2))
		return;
	if (m->window_handshakes == 0 || now_ns - m->window_start_ns >= LOAD_HOLD_NS) {
		m->window_start_ns = now_ns;
		m->window_handshakes = 0;
	}
	if (++m->window_handshakes >= LOAD_HANDSHAKES_PER_SEC)
		hold(m, now_ns);
}

bool load_under_load(struct load_monitor *m, struct key_provider *kp, uint64_t worker_busy_since_ns,
                     uint64_t now_ns)
{
	bool stalled = worker_busy_since_ns && now_ns > worker_busy_since_ns &&
	               now_ns - worker_busy_since_ns >= LOAD_WORKER_STALL_NS;
	if (stalled || key_provider_busy(kp))
		hold(m, now_ns);
	return m->seen && now_ns < m->until_ns;
}
