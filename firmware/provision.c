/* The provisioning image: the trusted enrolment's half on the device. Flashed before the device
 * image (in the factory, or by firmware/qemu-auth.sh), it sends the PUF region's power-up state as
 * one raw dump record (puf/sram_dump.h) over the UART, wipes it and halts. A few power-ups give
 * `pufauth enroll --dump` its readings; the device image itself never reveals its SRAM. Same
 * memory map (nrf51.ld), so the record is exactly the region whose blocks the device reads as
 * challenges. */
#include <stddef.h>
#include <stdint.h>

#include "crypto/portable/secure.h"
#include "nrf51.h"
#include "puf/sram_dump.h"

extern uint8_t __puf_start[], __puf_end[], __stack_top[];

#define FICR_DEVICEID0 (*(const volatile uint32_t *)0x10000060u)

void Reset_Handler(void);
void Reset_Handler(void)
{
	uint8_t header[SRAM_DUMP_HEADER_LEN];
	size_t len = (size_t)(__puf_end - __puf_start);

	/* the region is read before anything writes to it: this code uses only the boot stack */
	nrf51_uart_init();
	sram_dump_header(FICR_DEVICEID0, 0, (uint32_t)len, header);
	uint8_t frame_len[2] = {(uint8_t)(sizeof(header) + len),
	                        (uint8_t)((sizeof(header) + len) >> 8)};
	nrf51_uart_write(frame_len, sizeof(frame_len));
	nrf51_uart_write(header, sizeof(header));
	nrf51_uart_write(__puf_start, len);
	secure_wipe(__puf_start, len);
	nrf51_halt();
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[2])(void) = {
        (void (*)(void))(uintptr_t)__stack_top,
        Reset_Handler,
};
