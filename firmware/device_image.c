/* The PUF device on an nRF51 (BBC micro:bit; qemu-system-arm -M microbit), in 8 KB of flash and
 * 4 KB of working RAM: one authentication per power-up, with the protocol's own device code
 * (puf/proto/device.c, the same sources as the host build).
 *
 * Boot (on the boot stack, before .data/.bss exist; memory map in nrf51.ld): read the state from
 * the A/B flash pages, seed the generator from the TRNG noise region, and read ahead what the run
 * needs from the PUF (pufproto_device_read_ahead: y2 drawn, z' = f(x, y1) and z2 = f(x, y2), each
 * a 6,400-byte block walked in place through its case map in flash) into .handoff; then wipe the
 * power-up region and arm the warm-reset canary. Run: initialise .data/.bss over the old power-up
 * region, then HELLO, CHALLENGE -> RESPONSE, CONFIRM -> atomic commit of (t5, y2), and a report
 * frame with the outcome and the measured stack high-water marks (stack painting).
 * firmware/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "handoff.h"
#include "nrf51.h"
#include "puf/proto/device.h"
#include "puf/proto/device_flash.h"
#include "puf/proto/device_link.h"
#include "puf/proto/wire.h"
#include "puf/sram_mcu.h"
#include "puf/trng.h"

/* The largest RESPONSE any suite within the PUFPROTO_MAX_* bounds can produce: header, session,
 * five u16-length fields. A CHALLENGE or CONFIRM is under 64 bytes. */
#define RESPONSE_MAX                                                                               \
	(PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN + 5 * 2 + PUFPROTO_MAX_CIPHERTEXT +            \
	 3 * PUFPROTO_MAX_NONCE + PUFPROTO_MAX_RESPONSE)
#define REQUEST_MAX 64
#define PAINT       0x5ca1ab1eu
/* Words left unpainted below the painting function's own frame. */
#define PAINT_MARGIN 8

/* Linker symbols (nrf51.ld). */
extern uint8_t __ram_start[], __ram_end[], __puf_start[], __puf_end[], __boot_stack_bottom[],
        __stack_top[], __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[],
        __state_pages[];

static struct pufproto_device dev;
static uint8_t msg_out[RESPONSE_MAX], msg_in[REQUEST_MAX];

static void state_flash(struct pufproto_flash *f)
{
	f->mem = __state_pages;
	f->addr = (uint32_t)(uintptr_t)__state_pages;
	f->page_size = NRF51_FLASH_PAGE;
	f->erase = nrf51_flash_erase;
	f->write = nrf51_flash_write;
}

static size_t puf_bytes(void)
{
	return (size_t)(__puf_end - __puf_start);
}

/* ---- boot ---- */

static __attribute__((noinline)) int boot_capture(struct handoff *h)
{
	size_t region = (size_t)(__boot_stack_bottom - __puf_start);
	/* one power-up gives one reading (docs/pufauth-protocol.md [D5]); y2 among the region's
	 * challenges and, for a debiased suite, those the state has case maps for */
	struct pufproto_device_config cfg = {.reference_readings = 1};
	struct pufproto_suite s;
	struct pufproto_flash f;
	struct sram_mcu ram;
	int err;

	/* first: nothing has touched the region yet */
	sram_mcu_open(&ram, __puf_start, region, &h->canary);
	const uint8_t *noise = sram_mcu_raw(&ram, puf_bytes(), region - puf_bytes());
	state_flash(&f);
	if (!noise)
		err = PUFLINK_ERR_WARM_RESET;
	else if (pufproto_flash_read(&f, &h->nv, NULL) || pufproto_suite_get(h->nv.suite, &s))
		err = PUFLINK_ERR_NO_STATE;
	else if (h->nv.challenge >=
	         (cfg.challenge_space = pufproto_suite_challenges(&s, puf_bytes())))
		err = PUFLINK_ERR_CHALLENGE;
	else if (sram_drbg_seed(&h->rng, noise, region - puf_bytes(), &HEALTH_CONFIG_H025))
		err = PUFLINK_ERR_TRNG;
	else
		err = pufproto_device_read_ahead(&h->nv, &cfg, &h->rng.base, &ram.base,
		                                 &h->readings);
	/* the power-up state is gone from here on: the region becomes .data, .bss and stack */
	sram_mcu_close(&ram);
	return err;
}

static uint32_t *stack_pointer(void)
{
	uint32_t *sp;
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	return sp;
}

/* Fills [from, current stack pointer - margin) with PAINT: the caller's own frame stays. */
static void paint_below_sp(uint32_t *from)
{
	for (uint32_t *end = stack_pointer() - PAINT_MARGIN; from < end; from++)
		*from = PAINT;
}

/* Bytes of [bottom, top) the stack has used: from the lowest word no longer PAINT up to top. */
static uint16_t stack_used(const uint8_t *bottom, const uint8_t *top)
{
	const uint32_t *w = (const uint32_t *)(const void *)bottom;
	while ((const uint8_t *)w < top && *w == PAINT)
		w++;
	return (uint16_t)(top - (const uint8_t *)w);
}

/* Out of line: its frame (the run's locals) must not sit on the boot stack during the boot. */
__attribute__((noinline)) int main(void);
void Reset_Handler(void);

void Reset_Handler(void)
{
	paint_below_sp((uint32_t *)(void *)__boot_stack_bottom);
	handoff.error = boot_capture(&handoff);
	handoff.boot_stack_used = stack_used(__boot_stack_bottom, __stack_top);
	if (*(const uint32_t *)(const void *)__boot_stack_bottom != PAINT && !handoff.error)
		handoff.error = PUFLINK_ERR_BOOT_STACK;

	memcpy(__data_start, __data_load, (size_t)(__data_end - __data_start));
	memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
	paint_below_sp((uint32_t *)(void *)__bss_end);
	main();
}

/* ---- the run ---- */

static int flash_commit(struct pufproto_nv_store *st, const struct pufproto_device_nv *nv)
{
	struct pufproto_flash f;
	(void)st;
	state_flash(&f);
	return pufproto_flash_write(&f, nv);
}

/* One authentication. Returns a puflink_outcome; *error says why a run failed. */
static __attribute__((noinline)) uint8_t authenticate(int *error)
{
	struct pufproto_nv_store store = {.commit = flash_commit};
	/* y2 and the readings come from the boot (handoff.readings): the configuration only
	 * passes begin()'s check. A constant: the linker can drop the majority-of-several-readings
	 * path, which only hosts use. */
	static const struct pufproto_device_config cfg = {.challenge_space = 0,
	                                                  .reference_readings = 1};
	long n;

	*error = handoff.error;
	if (*error)
		return PUFLINK_FAILED;
	if ((*error = pufproto_device_init(&dev, &handoff.nv)) != 0)
		return PUFLINK_FAILED;
	pufproto_device_use_readings(&dev, &handoff.readings);

	n = pufproto_device_hello(&dev, msg_out, sizeof(msg_out));
	if (n < 0)
		return *error = (int)n, PUFLINK_FAILED;
	nrf51_send_frame(msg_out, (size_t)n);
	n = nrf51_receive_frame(msg_in, sizeof(msg_in));
	if (n < 0)
		return *error = PUFLINK_ERR_FRAME, PUFLINK_FAILED;
	/* no PUF source: the readings taken at boot serve (begin() wipes them) */
	n = pufproto_device_begin(&dev, &cfg, msg_in, (size_t)n, &handoff.rng.base, NULL, msg_out,
	                          sizeof(msg_out));
	/* the generator has served its one run */
	sram_drbg_wipe(&handoff.rng);
	if (n < 0)
		return *error = (int)n, PUFLINK_FAILED;
	nrf51_send_frame(msg_out, (size_t)n);
	for (;;) {
		n = nrf51_receive_frame(msg_in, sizeof(msg_in));
		if (n < 0)
			continue; /* not a CONFIRM: a forged frame cannot cancel the run */
		int verdict = pufproto_device_finish(&dev, msg_in, (size_t)n);
		if (verdict == PUFPROTO_DEVICE_ACCEPT) {
			if (pufproto_device_commit(&dev, &store))
				return *error = PUFLINK_ERR_COMMIT, PUFLINK_FAILED;
			return PUFLINK_AUTHENTICATED;
		}
		if (verdict == PUFPROTO_DEVICE_REJECT)
			return PUFLINK_REJECTED;
		/* another session's CONFIRM, or a malformed one: keep waiting */
	}
}

/* Out of line, like authenticate(): neither frame is on the stack while the other runs. */
static __attribute__((noinline)) void report(uint8_t outcome, int error)
{
	struct puflink_report r;
	uint8_t frame[PUFLINK_REPORT_LEN];

	r.outcome = outcome;
	r.error = (int16_t)error;
	r.boot_stack_used = handoff.boot_stack_used;
	r.boot_stack_size = (uint16_t)(__stack_top - __boot_stack_bottom);
	r.run_stack_used = stack_used(__bss_end, __stack_top);
	r.run_stack_size = (uint16_t)(__stack_top - __bss_end);
	r.static_ram = (uint16_t)(__bss_end - __ram_start + (__ram_end - __stack_top));
	r.ram_size = (uint16_t)(__ram_end - __ram_start);
	if (r.run_stack_used >= r.run_stack_size) {
		r.outcome = PUFLINK_FAILED;
		r.error = PUFLINK_ERR_STACK_OVERFLOW;
	}
	puflink_report_encode(&r, frame);
	nrf51_send_frame(frame, sizeof(frame));
}

int main(void)
{
	int error;

	nrf51_uart_init();
	uint8_t outcome = authenticate(&error);
	pufproto_device_abort(&dev);
	secure_wipe(&handoff.readings, sizeof(handoff.readings));
	sram_drbg_wipe(&handoff.rng);
	secure_wipe(&handoff.nv, sizeof(handoff.nv));
	report(outcome, error);
	nrf51_halt();
}

/* ---- vectors ---- */

void Fault_Handler(void);
void Fault_Handler(void)
{
	nrf51_uart_init();
	report(PUFLINK_FAILED, PUFLINK_ERR_FAULT);
	nrf51_halt();
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[4])(void) = {
        (void (*)(void))(uintptr_t)__stack_top, Reset_Handler, Fault_Handler, /* NMI */
        Fault_Handler,                                                        /* HardFault */
};
