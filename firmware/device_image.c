/* A complete device image for a Cortex-M part with 8 KB of RAM, as the report's device had: reset
 * handler, SRAM PUF and TRNG over the untouched power-up RAM, and one run of the authentication
 * protocol (HELLO, CHALLENGE -> RESPONSE, CONFIRM -> commit). image.sh links it with
 * --gc-sections so its size is what a device really carries (the server-only BCH decoder and
 * ske_decrypt drop out). The board hooks (UART, flash page) are weak stand-ins with the right
 * shape; a port replaces them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "puf/proto/device.h"
#include "puf/proto/device_state.h"
#include "puf/proto/wire.h"
#include "puf/sram_mcu.h"
#include "puf/trng.h"

/* 16 PUF challenge blocks of 128 raw bytes, then 1 KB of raw noise for the TRNG: one run at
 * λ = 128 draws 652 random bits, 5,216 raw bits at 8 samples per bit (report §2). */
#define PUF_BLOCKS      16
#define PUF_BLOCK_BYTES 128
#define TRNG_BYTES      1024
/* The device sends HELLO and RESPONSE (313 bytes at λ = 128) and receives CHALLENGE and CONFIRM
 * (under 64 bytes); a message that does not fit is refused by the codec, never overrun. */
#define MESSAGE_OUT_MAX 384
#define MESSAGE_IN_MAX  64
#define STATE_MAX       128

__attribute__((
        section(".puf_sram"))) static uint8_t puf_ram[PUF_BLOCKS * PUF_BLOCK_BYTES + TRNG_BYTES];
__attribute__((section(".noinit"))) static uint32_t puf_canary;

/* ---- board hooks: weak stand-ins (memory-mapped UART data/status registers, a flash page) ---- */

#define UART_DATA     (*(volatile uint32_t *)0x40000000u)
#define UART_STATUS   (*(volatile uint32_t *)0x40000004u)
#define UART_RX_READY 1u
#define UART_TX_READY 2u

static uint8_t uart_getc(void)
{
	while (!(UART_STATUS & UART_RX_READY))
		;
	return (uint8_t)UART_DATA;
}

static void uart_putc(uint8_t b)
{
	while (!(UART_STATUS & UART_TX_READY))
		;
	UART_DATA = b;
}

/* One message: a 16-bit little-endian length, then the bytes. Returns the length, or -1 (after
 * draining the message) when it does not fit. */
__attribute__((weak)) long board_receive(uint8_t *buf, size_t cap)
{
	size_t len = uart_getc();
	len |= (size_t)uart_getc() << 8;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = uart_getc();
		if (i < cap)
			buf[i] = b;
	}
	return len <= cap ? (long)len : -1;
}

__attribute__((weak)) void board_send(const uint8_t *buf, size_t len)
{
	uart_putc((uint8_t)len);
	uart_putc((uint8_t)(len >> 8));
	for (size_t i = 0; i < len; i++)
		uart_putc(buf[i]);
}

/* The state record lives in one flash page. A real port erases and programs it with the vendor's
 * flash driver, writing a second page first (A/B) so that a power cut leaves one valid record: the
 * CRC in the record tells which. */
__attribute__((section(".state_page"))) static const uint8_t state_page[STATE_MAX] = {0};
static uint8_t state_shadow[STATE_MAX];

__attribute__((weak)) const uint8_t *board_state_read(size_t *len)
{
	*len = sizeof(state_page);
	return state_page;
}

__attribute__((weak)) int board_state_write(const uint8_t *rec, size_t len)
{
	if (len > sizeof(state_shadow))
		return -1;
	memcpy(state_shadow, rec, len);
	return 0;
}

/* ---- the device ---- */

struct flash_store {
	struct pufproto_nv_store base;
};

static int flash_commit(struct pufproto_nv_store *st, const struct pufproto_device_nv *nv)
{
	(void)st;
	uint8_t rec[STATE_MAX];
	long n = pufproto_state_encode(nv, NULL, 0, rec, sizeof(rec));
	return n < 0 ? -1 : board_state_write(rec, (size_t)n);
}

static struct sram_mcu puf;
static struct sram_trng trng;
static struct pufproto_device dev;
static uint8_t msg_in[MESSAGE_IN_MAX], msg_out[MESSAGE_OUT_MAX];

/* Returns 1 when mutually authenticated and committed, 0 when rejected, -1 on an error. */
static int authenticate(void)
{
	struct pufproto_device_nv nv;
	const uint8_t *source;
	size_t source_len, state_len;
	const uint8_t *state = board_state_read(&state_len);
	if (pufproto_state_parse(state, state_len, &nv, &source, &source_len) !=
	            PUFPROTO_STATE_OK ||
	    pufproto_device_init(&dev, &nv) != 0)
		return -1;

	const uint8_t *noise = sram_mcu_raw(&puf, PUF_BLOCKS * PUF_BLOCK_BYTES, TRNG_BYTES);
	if (!noise)
		return -1; /* warm reset: no fresh power-up state */
	sram_trng_init(&trng, noise, TRNG_BYTES, &HEALTH_CONFIG_H025);

	long n = pufproto_device_hello(&dev, msg_out, sizeof(msg_out));
	if (n < 0)
		return -1;
	board_send(msg_out, (size_t)n);
	n = board_receive(msg_in, sizeof(msg_in));
	if (n < 0)
		return -1;
	const struct pufproto_device_config cfg = {.challenge_space = PUF_BLOCKS,
	                                           .reference_readings = 1};
	n = pufproto_device_begin(&dev, &cfg, msg_in, (size_t)n, &trng.base, &puf.base, msg_out,
	                          sizeof(msg_out));
	if (n < 0)
		return -1;
	board_send(msg_out, (size_t)n);
	for (;;) {
		n = board_receive(msg_in, sizeof(msg_in));
		if (n < 0)
			return -1;
		int verdict = pufproto_device_finish(&dev, msg_in, (size_t)n);
		if (verdict == PUFPROTO_DEVICE_ACCEPT) {
			struct flash_store st = {.base = {.commit = flash_commit}};
			return pufproto_device_commit(&dev, &st.base) == 0 ? 1 : -1;
		}
		if (verdict == PUFPROTO_DEVICE_REJECT)
			return 0;
		/* Not this run's CONFIRM: keep waiting (a forged datagram cannot cancel the run).
		 */
	}
}

int main(void);
int main(void)
{
	/* First thing: nothing may touch puf_ram before this. */
	sram_mcu_open(&puf, puf_ram, sizeof(puf_ram), &puf_canary);
	int result = authenticate();
	pufproto_device_abort(&dev);
	sram_mcu_close(&puf); /* wipe the power-up state: no response lingers in RAM */
	board_send((const uint8_t *)&result, 1);
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- start-up: copy .data, zero .bss, run main ---- */

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void Reset_Handler(void);
void Default_Handler(void);

void Reset_Handler(void)
{
	uint32_t *src = &_sidata;
	for (uint32_t *dst = &_sdata; dst < &_edata;)
		*dst++ = *src++;
	for (uint32_t *dst = &_sbss; dst < &_ebss;)
		*dst++ = 0;
	main();
}

void Default_Handler(void)
{
	for (;;)
		;
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[4])(void) = {
        (void (*)(void))(uintptr_t)&_estack,
        Reset_Handler,
        Default_Handler,
        Default_Handler,
};
