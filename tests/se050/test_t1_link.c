/* The host T=1 state machine against the emulator's chip model in-process: chaining both ways, WTX,
 * and every injected fault either recovered or reported as an error with the link usable again. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mem_bus.h"
#include "se050/t1oi2c.h"

/* Short BWT so that "wait for a frame that never comes" costs milliseconds. */
#define TEST_BWT_MS 20

struct fixture {
	struct emu_link chip;
	struct mem_bus bus;
	struct t1_link link;
	unsigned latency_ms;
};

/* The APDU engine: echoes the command and appends 90 00. */
static size_t echo(void *ctx, const uint8_t *cmd, size_t n, uint8_t *rsp, unsigned *latency_ms)
{
	struct fixture *fx = ctx;
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

static void run_faulted(struct fixture *fx, unsigned rounds, unsigned *failures)
{
	*failures = 0;
	for (unsigned i = 0; i < rounds; i++) {
		int r = echo_exchange(fx, i % 2 ? 600 : 40, i);
		if (r != 0) {
			assert_int_equal(r, -EIO);
			(*failures)++;
		}
	}
}

static void test_crc_errors_recovered(void **state)
{
	struct fixture *fx = *state;
	unsigned failures;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.crc_every = 2;
	run_faulted(fx, 10, &failures);
	assert_int_equal(failures, 0);
	assert_true(fx->chip.stats.crc_injected > 0);
	assert_true(fx->link.stats.nacks_sent >= fx->chip.stats.crc_injected);
}

static void test_naks_recovered(void **state)
{
	struct fixture *fx = *state;
	unsigned failures;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.nak_every = 3;
	run_faulted(fx, 10, &failures);
	assert_int_equal(failures, 0);
	assert_true(fx->chip.stats.nak_injected > 0);
	assert_int_equal(fx->link.stats.retransmits, fx->chip.stats.nak_injected);
}

static void test_wtx_answered(void **state)
{
	struct fixture *fx = *state;
	unsigned failures;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.wtx_every = 1;
	fx->chip.faults.wtx_count = 3;
	run_faulted(fx, 4, &failures);
	assert_int_equal(failures, 0);
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
	unsigned failures;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.drop_every = 3;
	run_faulted(fx, 8, &failures);
	assert_int_equal(failures, 0);
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
	unsigned failures;
	assert_int_equal(t1_link_open(&fx->link), 0);
	fx->chip.faults.reset_every = 3;
	run_faulted(fx, 9, &failures);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
