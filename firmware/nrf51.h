/* Board support for an nRF51 (BBC micro:bit; qemu-system-arm -M microbit): UART0 carrying the
 * device link's frames (puf/proto/device_link.h), and the NVMC erasing and programming flash.
 * Registers from the nRF51 Series Reference Manual v3.0 (UART §29, NVMC §6). */
#ifndef HWG_FIRMWARE_NRF51_H
#define HWG_FIRMWARE_NRF51_H

#include <stddef.h>
#include <stdint.h>

#define NRF51_FLASH_PAGE 1024u /* the NVMC's erase unit */

void nrf51_uart_init(void);
void nrf51_uart_write(const void *buf, size_t len);
/* Sends one frame: its length (u16 little-endian), then the bytes. */
void nrf51_send_frame(const void *buf, size_t len);
/* Receives one frame into buf. Returns its length, or -1 when it does not fit cap (the frame is
 * read to its end and dropped, so the link stays in step). Waits as long as it takes. */
long nrf51_receive_frame(uint8_t *buf, size_t cap);

/* One NVMC operation each: erase the page at addr; program one word (bits can only go 1 -> 0).
 * Kept out of line so that a debugger breakpoint on their entry marks every flash operation: the
 * power-cut test (firmware/qemu-auth.sh) stops the CPU before the n-th one. */
void nrf51_flash_erase(uint32_t addr);
void nrf51_flash_write(uint32_t addr, uint32_t word);

/* Sleeps forever (the run is over; the host powers the device off). */
__attribute__((noreturn)) void nrf51_halt(void);

#endif
