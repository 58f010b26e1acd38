/* The host T=1 state machine against the emulator's chip model in-process: chaining both ways, WTX,
 * every injected fault either recovered or reported as an error with the link usable again, and
 * the tolerances of NXP's host: block wait, filler and shifted headers, NAD-00 R-NACKs, guard
 * times, a chip still busy with an abandoned command. The chip model counts how often the command
 * engine ran, so "exactly once" is checked, not assumed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mem_bus.h"
#include "se050/t1oi2c.h"
#include "support/test_main.h"

/* Short BWT so that "wait for a frame that never comes" costs milliseconds. */
#define TEST_BWT_MS 20

struct fixture {
	struct emu_link chip;
	struct mem_bus bus;
	struct t1_link link;
	unsigned latency_ms;
	unsigned runs; /* commands the engine executed */
};

/* The APDU engine: echoes the command and appends 90 00. */
static size_t echo(void *ctx, const uint8_t *cmd, size_t n, uint8_t *rsp, unsigned *latency_ms)
{
	struct fixture *fx = ctx;
	fx->runs++;
	if (n > SE05X_MAX_RSP - 2)
		n = SE05X_MAX_RSP - 2;
	memcpy(rsp, cmd, n);
	rsp[n] = 0x90;
	rsp[n + 1] = 0x00;
	*latency_ms = fx->latency_ms;
	return n + 2;
}

static int setup(void **state)
{
	static struct fixture fx;
	memset(&fx, 0, sizeof(fx));
	emu_link_init(&fx.chip, TEST_BWT_MS);
	fx.chip.apdu = echo;
	fx.chip.ctx = &fx;
	fx.bus.base.ops = &mem_bus_ops;
	fx.bus.chip = &fx.chip;
	t1_link_init(&fx.link, &fx.bus.base);
	/* The chip model spaces its WTX requests by its BWT: 2 x BWT is the wait that matters, and
	 * NXP's 2 s floor (tested on its own below) would only slow the fault tests down. */
	t1_link_set_min_wait(&fx.link, 0);
	*state = &fx;
	return 0;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
}

/* One echo exchange of len bytes; returns t1_transceive's result and checks the echo on success. */
static int echo_exchange(struct fixture *fx, size_t len, unsigned seed)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen = 0;
	fill(cmd, len, seed);
	int r = t1_transceive(&fx->link, cmd, len, rsp, sizeof(rsp), &rlen);
	if (r == 0) {
		assert_int_equal(rlen, len + 2);
		assert_memory_equal(rsp, cmd, len);
		assert_int_equal(rsp[len], 0x90);
	}
	return r;
}

static void test_open_reads_atr(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_true(fx->link.have_atr);
	assert_int_equal(fx->link.atr.bwt_ms, TEST_BWT_MS);
	assert_int_equal(fx->link.bwt_ms, TEST_BWT_MS);
	assert_int_equal(fx->link.ifsc, 254);
	assert_memory_equal(fx->link.atr.hist, "JCOP4 ATPO", 10);
}

static void test_short_and_chained(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(echo_exchange(fx, 10, 1), 0);
	unsigned before = fx->chip.stats.iblocks_in;
	/* 254 fits one block exactly; 255 needs two; 700 needs three each way. */
	assert_int_equal(echo_exchange(fx, 252, 2), 0);
	assert_int_equal(fx->chip.stats.iblocks_in - before, 1);
	assert_int_equal(echo_exchange(fx, 255, 3), 0);
	assert_int_equal(echo_exchange(fx, 700, 4), 0);
	assert_int_equal(fx->chip.stats.iblocks_in - before, 1 + 2 + 3);
	assert_int_equal(fx->link.stats.nacks_sent, 0);
	assert_int_equal(fx->link.stats.retransmits, 0);
}

/* Echo exchanges of alternating sizes under the chip's faults; any that fails must fail with
 * -EIO. Returns how many failed. */
static unsigned run_faulted(struct fixture *fx, unsigned rounds)
{
	unsigned failures = 0;
	for (unsigned i = 0; i < rounds; i++) {
		int r = echo_exchange(fx, i % 2 ? 600 : 40, i);
		if (r != 0) {
			assert_int_equal(r, -EIO);
			failures++;
		}
	}
	return failures;
}

static void test_crc_errors_recovered(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.crc_every = 2;
	assert_int_equal(run_faulted(fx, 10), 0);
	assert_true(fx->chip.stats.crc_injected > 0);
	assert_true(fx->link.stats.nacks_sent >= fx->chip.stats.crc_injected);
}

static void test_naks_recovered(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.nak_every = 3;
	assert_int_equal(run_faulted(fx, 10), 0);
	assert_true(fx->chip.stats.nak_injected > 0);
	assert_int_equal(fx->link.stats.retransmits, fx->chip.stats.nak_injected);
}

static void test_wtx_answered(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.wtx_every = 1;
	fx->chip.faults.wtx_count = 3;
	assert_int_equal(run_faulted(fx, 4), 0);
	assert_int_equal(fx->link.stats.wtx, 12);
	assert_int_equal(fx->chip.stats.wtx_sent, 12);
}

static void test_long_command_gets_wtx(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->latency_ms = 3 * TEST_BWT_MS; /* longer than BWT: only WTX keeps the host waiting */
	assert_int_equal(echo_exchange(fx, 16, 9), 0);
	assert_true(fx->link.stats.wtx > 0);
}

static void test_dropped_frames_recovered(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.drop_every = 3;
	assert_int_equal(run_faulted(fx, 8), 0);
	assert_true(fx->chip.stats.dropped > 0);
	assert_true(fx->link.stats.nacks_sent >= fx->chip.stats.dropped);
}

static void test_always_dropped_is_reported(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.drop_every = 1;
	assert_int_equal(echo_exchange(fx, 20, 1), -EIO);
	assert_true(fx->link.stats.resyncs >= 2); /* open + recovery */
	/* The chip behaves again: the recovered link works without reopening. */
	fx->chip.faults.drop_every = 0;
	assert_int_equal(echo_exchange(fx, 20, 2), 0);
}

static void test_chip_reset_mid_command(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.reset_every = 3;
	unsigned failures = run_faulted(fx, 9);
	/* A retransmitted command counts as a new one for the schedule, so at least 3 resets. */
	assert_true(fx->chip.stats.resets >= 3);
	/* A reset loses the command; the host either got it through on a retransmission (the chip
	 * came back with sequence 0) or reported -EIO, and never more failures than resets. */
	assert_true(failures <= fx->chip.stats.resets);
	assert_true(fx->link.stats.nacks_sent > 0); /* the host noticed the silence */
	fx->chip.faults.reset_every = 0;
	assert_int_equal(echo_exchange(fx, 300, 5), 0);
}

static void test_no_chip(void **state)
{
	struct fixture *fx = *state;
	fx->bus.dead = true;
	/* Without an ATR the host waits 2 x the default BWT per attempt; shorten it here. */
	fx->link.bwt_ms = TEST_BWT_MS;
	t1_link_set_min_wait(&fx->link, 0);
	assert_int_equal(t1_link_open(&fx->link), -ENODEV);
	uint8_t cmd[4] = {0x80, 0, 0, 0}, rsp[16];
	size_t rlen;
	assert_int_equal(t1_transceive(&fx->link, cmd, sizeof(cmd), rsp, sizeof(rsp), &rlen),
	                 -ENODEV);
}

static void test_response_too_large(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[300], rsp[64];
	size_t rlen;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fill(cmd, sizeof(cmd), 3);
	assert_int_equal(t1_transceive(&fx->link, cmd, sizeof(cmd), rsp, sizeof(rsp), &rlen),
	                 -EMSGSIZE);
	assert_int_equal(echo_exchange(fx, 30, 4), 0);
}

/* A chip (or a glitching bus) that answers every read with an empty I-block with the chaining bit
 * set. The host must give up after a few blocks, not ACK them for ever. The bus fails after
 * SCRIPTED_LIMIT blocks only so that a host without the bound ends the test instead of hanging. */
#define SCRIPTED_LIMIT 1000

struct scripted_bus {
	struct se050_bus base;
	uint8_t frame[T1_MAX_FRAME];
	size_t frame_len, frame_off;
	unsigned served;
	unsigned seq;
};

static int scripted_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	(void)bus;
	(void)buf;
	(void)len;
	return 0;
}

static int scripted_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct scripted_bus *b = (struct scripted_bus *)bus;
	if (b->frame_off == b->frame_len) {
		if (b->served >= SCRIPTED_LIMIT)
			return -EIO;
		b->frame_len =
		        t1_frame_build(b->frame, T1_NAD_CHIP, t1_pcb_i(b->seq, true), NULL, 0);
		b->frame_off = 0;
		b->seq ^= 1;
		b->served++;
	}
	if (len > b->frame_len - b->frame_off)
		return -EIO;
	memcpy(buf, b->frame + b->frame_off, len);
	b->frame_off += len;
	return 0;
}

static void scripted_close(struct se050_bus *bus)
{
	(void)bus;
}

static const struct se050_bus_ops scripted_ops = {
        .write = scripted_write,
        .read = scripted_read,
        .close = scripted_close,
};

static void test_endless_empty_chain_is_bounded(void **state)
{
	(void)state;
	static struct scripted_bus bus;
	struct t1_link link;
	uint8_t cmd[4] = {0x80, 0x02, 0x00, 0x00}, rsp[64];
	size_t rlen;
	memset(&bus, 0, sizeof(bus));
	bus.base.ops = &scripted_ops;
	t1_link_init(&link, &bus.base);
	int r = t1_transceive(&link, cmd, sizeof(cmd), rsp, sizeof(rsp), &rlen);
	assert_int_not_equal(r, 0);
	assert_true(bus.served < 50);
	assert_int_equal(rlen, 0);
}

static void test_block_wait_is_twice_bwt(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(fx->link.block_wait_ms, 2 * TEST_BWT_MS);
	/* A command five times longer than BWT, with WTX requests 1.3 x BWT apart (a chip may leave
	 * more than BWT between them): waiting only BWT would time out before each WTX. */
	fx->chip.wtx_interval_ms = TEST_BWT_MS * 13 / 10;
	fx->latency_ms = 5 * TEST_BWT_MS;
	unsigned runs = fx->runs;
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(echo_exchange(fx, 30, i), 0);
	assert_int_equal(fx->runs - runs, 3);
	assert_true(fx->link.stats.wtx >= 3);
	assert_int_equal(fx->link.stats.nacks_sent, 0);
	assert_int_equal(fx->chip.stats.ignored_busy, 0);
}

static void test_block_wait_floor(void **state)
{
	struct fixture *fx = *state;
	t1_link_set_min_wait(&fx->link, T1_MIN_BLOCK_WAIT_MS);
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(fx->link.block_wait_ms, T1_MIN_BLOCK_WAIT_MS);
	/* The ATR says 20 ms, the chip leaves 300 ms between WTX requests: NXP's 2 s floor holds.
	 */
	fx->chip.wtx_interval_ms = 300;
	fx->latency_ms = 700;
	assert_int_equal(echo_exchange(fx, 16, 1), 0);
	assert_int_equal(fx->link.stats.nacks_sent, 0);
	assert_true(fx->link.stats.wtx >= 2);
}

/* Runs faulted exchanges that must all succeed, each executed exactly once. */
static void run_tolerated(struct fixture *fx, unsigned rounds)
{
	unsigned runs = fx->runs;
	assert_int_equal(run_faulted(fx, rounds), 0);
	assert_int_equal(fx->runs - runs, rounds);
	assert_int_equal(fx->link.stats.resyncs, 1); /* the one at open: nothing needed recovery */
}

static void test_filler_reads_are_not_errors(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.filler_every = 1;
	run_tolerated(fx, 8);
	assert_true(fx->chip.stats.filler_injected >= 8);
	assert_int_equal(fx->link.stats.filler_polls, fx->chip.stats.filler_injected);
	assert_int_equal(fx->link.stats.nacks_sent, 0);
}

static void test_shifted_header_is_accepted(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.shift_every = 2;
	run_tolerated(fx, 8);
	assert_true(fx->chip.stats.shift_injected > 0);
	assert_int_equal(fx->link.stats.shifted, fx->chip.stats.shift_injected);
	assert_int_equal(fx->link.stats.nacks_sent, 0);
}

static void test_nad0_rnack_retransmits(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.nad0_every = 2;
	run_tolerated(fx, 8);
	assert_true(fx->chip.stats.nad0_injected > 0);
	assert_int_equal(fx->link.stats.nad0_rnacks, fx->chip.stats.nad0_injected);
	assert_int_equal(fx->link.stats.retransmits, fx->chip.stats.nad0_injected);
}

static void test_guard_times_kept(void **state)
{
	struct fixture *fx = *state;
	fx->chip.atr.segt_us = 2000; /* large enough that a host without guard times hits it */
	fx->chip.atr.mpot_ms = 3;
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(fx->link.segt_us, 2000);
	assert_int_equal(fx->link.mpot_ms, 3);
	/* Until the ATR arrives the host can only use the usual values (100 us, 1 ms). */
	fx->chip.stats.guard_nacks = 0;
	fx->chip.faults.crc_every = 3; /* R-NACKs and retransmissions are writes too */
	run_faulted(fx, 6);
	assert_int_equal(fx->chip.stats.guard_nacks, 0);
	/* Positive control: the same host without guard times is caught. The chip's gaps grow to
	 * 15 ms (still below the 20 ms a NACKed write is retried) so that a slow (loaded,
	 * instrumented) host cannot keep them by accident. */
	fx->link.segt_us = 0;
	fx->link.mpot_ms = 0;
	fx->chip.atr.segt_us = 15000;
	fx->chip.atr.mpot_ms = 15;
	fx->chip.faults.crc_every = 0;
	for (unsigned i = 0; i < 3; i++) {
		int r = echo_exchange(fx, 20, i);
		assert_true(r == 0 || r == -EIO);
	}
	assert_true(fx->chip.stats.guard_nacks > 0);
}

/* Sends a command as a host would and vanishes before the response. */
static void abandon_command(struct fixture *fx, bool read_wtx)
{
	uint8_t frame[T1_MAX_FRAME], apdu[12] = {0x80, 0x04};
	size_t n = t1_frame_build(frame, T1_NAD_HOST, t1_pcb_i(0, false), apdu, sizeof(apdu));
	assert_int_equal(emu_link_write(&fx->chip, frame, n, mem_bus_now()), 0);
	if (read_wtx) {
		/* The host read the chip's WTX request and died before answering it. */
		uint8_t buf[T1_MAX_FRAME];
		struct timespec ts = {0, (long)(fx->chip.wtx_interval_ms + 2) * 1000000L};
		nanosleep(&ts, NULL);
		assert_int_equal(emu_link_read(&fx->chip, buf, 5, mem_bus_now()), 0);
		assert_int_equal(buf[1], t1_pcb_s(T1_S_WTX, false));
	}
}

static void test_open_drains_an_abandoned_command(void **state)
{
	struct fixture *fx = *state;
	fx->latency_ms = 6 * TEST_BWT_MS;
	abandon_command(fx, false);
	/* A new owner opens the link while the chip still computes: RESYNCH is ignored, WTX is
	 * answered, the old response is read and dropped, then RESYNCH goes through. */
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(fx->runs, 1);
	assert_true(fx->chip.stats.ignored_busy >= 1);
	assert_true(fx->link.stats.wtx >= 1);
	assert_int_equal(fx->link.stats.drained, 1);
	fx->latency_ms = 0;
	assert_int_equal(echo_exchange(fx, 40, 7), 0);
	assert_int_equal(fx->runs, 2);
}

static void test_open_answers_an_orphaned_wtx(void **state)
{
	struct fixture *fx = *state;
	fx->latency_ms = 6 * TEST_BWT_MS;
	abandon_command(fx, true);
	assert_true(fx->chip.awaiting_wtx);
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(fx->runs, 1);
	assert_true(fx->link.stats.wtx >= 1);
	assert_int_equal(fx->link.stats.drained, 1);
	assert_int_equal(echo_exchange(fx, 10, 3), 0);
}

static void test_busy_chip_nacks_writes(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	/* WTX requests further apart than the block wait make the host write an R-NACK while the
	 * chip computes; the chip NACKs those writes, the host keeps polling the bus. */
	fx->chip.wtx_interval_ms = 3 * TEST_BWT_MS;
	fx->latency_ms = 5 * TEST_BWT_MS;
	fx->chip.faults.busynack_every = 1;
	unsigned runs = fx->runs;
	int r = echo_exchange(fx, 16, 2);
	assert_true(r == 0 || r == -EIO);
	assert_int_equal(fx->runs - runs, 1);
	assert_true(fx->chip.stats.busy_nacks > 0);
	assert_true(fx->link.stats.busy_polls > 0);
	fx->chip.faults.busynack_every = 0;
	fx->latency_ms = 0;
	assert_int_equal(echo_exchange(fx, 16, 3), 0);
}

static void test_chip_reset_sblock(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(t1_link_open(&fx->link), 0);
	assert_int_equal(echo_exchange(fx, 10, 1), 0);
	assert_int_equal(t1_link_chip_reset(&fx->link), 0);
	assert_int_equal(fx->chip.stats.chip_resets, 1);
	assert_int_equal(echo_exchange(fx, 10, 2), 0);
}

/* A bus that fails one chosen read with -EIO, then works again. */
struct flaky_bus {
	struct mem_bus mem;
	unsigned reads, fail_at;
};

static int flaky_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct flaky_bus *b = (struct flaky_bus *)bus;
	if (++b->reads == b->fail_at)
		return -EIO;
	return mem_bus_read(bus, buf, len);
}

static const struct se050_bus_ops flaky_ops = {
        .write = mem_bus_write,
        .read = flaky_read,
        .close = mem_bus_close,
};

static void test_bus_error_resyncs_before_next(void **state)
{
	struct fixture *fx = *state;
	static struct flaky_bus bus;
	memset(&bus, 0, sizeof(bus));
	bus.mem.base.ops = &flaky_ops;
	bus.mem.chip = &fx->chip;
	t1_link_init(&fx->link, &bus.mem.base);
	t1_link_set_min_wait(&fx->link, 0);
	assert_int_equal(t1_link_open(&fx->link), 0);
	/* The bus fails on the header of the response: the exchange is lost, and the chip's answer
	 * is still there to be read. */
	fx->latency_ms = 2;
	bus.fail_at = bus.reads + 1;
	assert_int_equal(echo_exchange(fx, 10, 1), -EIO);
	assert_true(fx->link.need_resync);
	unsigned resyncs = fx->link.stats.resyncs;
	assert_int_equal(echo_exchange(fx, 12, 2), 0);
	assert_int_equal(fx->link.stats.resyncs, resyncs + 1);
	assert_int_equal(fx->runs, 2);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_open_reads_atr, setup),
        cmocka_unit_test_setup(test_short_and_chained, setup),
        cmocka_unit_test_setup(test_crc_errors_recovered, setup),
        cmocka_unit_test_setup(test_naks_recovered, setup),
        cmocka_unit_test_setup(test_wtx_answered, setup),
        cmocka_unit_test_setup(test_long_command_gets_wtx, setup),
        cmocka_unit_test_setup(test_dropped_frames_recovered, setup),
        cmocka_unit_test_setup(test_always_dropped_is_reported, setup),
        cmocka_unit_test_setup(test_chip_reset_mid_command, setup),
        cmocka_unit_test_setup(test_no_chip, setup),
        cmocka_unit_test_setup(test_response_too_large, setup),
        cmocka_unit_test(test_endless_empty_chain_is_bounded),
        cmocka_unit_test_setup(test_block_wait_is_twice_bwt, setup),
        cmocka_unit_test_setup(test_block_wait_floor, setup),
        cmocka_unit_test_setup(test_filler_reads_are_not_errors, setup),
        cmocka_unit_test_setup(test_shifted_header_is_accepted, setup),
        cmocka_unit_test_setup(test_nad0_rnack_retransmits, setup),
        cmocka_unit_test_setup(test_guard_times_kept, setup),
        cmocka_unit_test_setup(test_open_drains_an_abandoned_command, setup),
        cmocka_unit_test_setup(test_open_answers_an_orphaned_wtx, setup),
        cmocka_unit_test_setup(test_busy_chip_nacks_writes, setup),
        cmocka_unit_test_setup(test_chip_reset_sblock, setup),
        cmocka_unit_test_setup(test_bus_error_resyncs_before_next, setup),
};

HWG_TEST_MAIN(tests, NULL, NULL)
