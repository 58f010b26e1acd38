/* nRF51 UART0 and NVMC drivers, polled (no interrupts: the device does one thing at a time). */
#include "nrf51.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define UART_BASE     0x40002000u
#define UART_STARTRX  REG(UART_BASE + 0x000)
#define UART_STARTTX  REG(UART_BASE + 0x008)
#define UART_RXDRDY   REG(UART_BASE + 0x108)
#define UART_TXDRDY   REG(UART_BASE + 0x11C)
#define UART_ENABLE   REG(UART_BASE + 0x500)
#define UART_PSELTXD  REG(UART_BASE + 0x50C)
#define UART_PSELRXD  REG(UART_BASE + 0x514)
#define UART_RXD      REG(UART_BASE + 0x518)
#define UART_TXD      REG(UART_BASE + 0x51C)
#define UART_BAUDRATE REG(UART_BASE + 0x524)
#define UART_ENABLED  4u
#define BAUD_115200   0x01D7E000u
#define MICROBIT_TX   24u /* the micro:bit's USB serial pins */
#define MICROBIT_RX   25u

#define NVMC_BASE      0x4001E000u
#define NVMC_READY     REG(NVMC_BASE + 0x400)
#define NVMC_CONFIG    REG(NVMC_BASE + 0x504)
#define NVMC_ERASEPAGE REG(NVMC_BASE + 0x508)
#define NVMC_REN       0u
#define NVMC_WEN       1u
#define NVMC_EEN       2u

void nrf51_uart_init(void)
{
	UART_PSELTXD = MICROBIT_TX;
	UART_PSELRXD = MICROBIT_RX;
	UART_BAUDRATE = BAUD_115200;
	UART_ENABLE = UART_ENABLED;
	UART_STARTTX = 1;
	UART_STARTRX = 1;
}

static void uart_putc(uint8_t b)
{
	UART_TXDRDY = 0;
	UART_TXD = b;
	while (!UART_TXDRDY)
		;
}

static uint8_t uart_getc(void)
{
	while (!UART_RXDRDY)
		;
	/* clear the event before reading: reading RXD raises it again if more bytes wait */
	UART_RXDRDY = 0;
	return (uint8_t)UART_RXD;
}

void nrf51_uart_write(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	for (size_t i = 0; i < len; i++)
		uart_putc(p[i]);
}

void nrf51_send_frame(const void *buf, size_t len)
{
	uart_putc((uint8_t)len);
	uart_putc((uint8_t)(len >> 8));
	nrf51_uart_write(buf, len);
}

long nrf51_receive_frame(uint8_t *buf, size_t cap)
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

static void nvmc_config(uint32_t mode)
{
	NVMC_CONFIG = mode;
	while (!NVMC_READY)
		;
}

__attribute__((noinline)) void nrf51_flash_erase(uint32_t addr)
{
	nvmc_config(NVMC_EEN);
	NVMC_ERASEPAGE = addr;
	while (!NVMC_READY)
		;
	nvmc_config(NVMC_REN);
}

__attribute__((noinline)) void nrf51_flash_write(uint32_t addr, uint32_t word)
{
	nvmc_config(NVMC_WEN);
	REG(addr) = word;
	while (!NVMC_READY)
		;
	nvmc_config(NVMC_REN);
}

void nrf51_halt(void)
{
	for (;;)
		__asm__ volatile("wfi");
}
