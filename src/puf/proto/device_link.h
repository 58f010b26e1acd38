/* The serial link between a device (firmware/) and the host bridge (`pufauth mcu run`): frames on
 * a byte stream (a UART), and the device's end-of-run report. Pure and portable: the firmware
 * encodes, the bridge parses; no malloc, no OS.
 *
 * Frame: length (u16 little-endian, 1..PUFLINK_MAX_FRAME) then that many bytes. The payload says
 * what it is by its first bytes:
 *   "PF"        a protocol message (wire.h), relayed to and from the server unchanged
 *   "HWGSRAM1"  a raw power-up dump record (sram_dump.h), sent by the provisioning image
 *   "HWGR"      the device report below, the last frame of a run
 *
 * Report (integers little-endian), PUFLINK_REPORT_LEN bytes:
 *   0  4  magic "HWGR"
 *   4  1  version 1
 *   5  1  outcome: enum puflink_outcome
 *   6  2  error (int16): 0, or the negative code of what failed (device.h, wire.h, device_state.h,
 *         or enum puflink_error for the board's own steps)
 *   8  2  boot stack: bytes used (high-water mark, stack painting) | 10 2  bytes reserved
 *  12  2  run stack: bytes used                                     | 14 2  bytes available
 *  16  2  static RAM: .handoff + .data + .bss                       | 18 2  RAM size */
#ifndef HWG_PUF_PROTO_DEVICE_LINK_H
#define HWG_PUF_PROTO_DEVICE_LINK_H

#include <stddef.h>
#include <stdint.h>

/* the largest frame: a provisioning dump of a whole 16 KB SRAM (sram_dump.h: a 24-byte header) */
#define PUFLINK_MAX_FRAME  (16384 + 24)
#define PUFLINK_REPORT_LEN 20

enum puflink_outcome {
	PUFLINK_AUTHENTICATED = 1, /* CONFIRM verified and the next state committed */
	PUFLINK_REJECTED = 2,      /* CONFIRM did not verify: old state kept */
	PUFLINK_FAILED = 3,        /* the run stopped on an error */
};

/* What the board itself can fail at (the protocol's own codes are in device.h and wire.h). */
enum puflink_error {
	PUFLINK_ERR_WARM_RESET = -40,     /* RAM was not power-cycled: no fresh PUF or noise */
	PUFLINK_ERR_NO_STATE = -41,       /* no valid state record in flash: not enrolled */
	PUFLINK_ERR_TRNG = -42,           /* the noise failed its health test */
	PUFLINK_ERR_PUF = -43,            /* a power-up PUF reading failed */
	PUFLINK_ERR_CHALLENGE = -44,      /* the stored challenge is outside the PUF region */
	PUFLINK_ERR_BOOT_STACK = -45,     /* the boot stack overflowed its reservation */
	PUFLINK_ERR_COMMIT = -46,         /* the new state could not be committed to flash */
	PUFLINK_ERR_FRAME = -47,          /* a received frame did not fit the buffer */
	PUFLINK_ERR_STACK_OVERFLOW = -48, /* the run stack reached .bss */
	PUFLINK_ERR_FAULT = -49,          /* the CPU took a fault (HardFault, NMI) */
};

struct puflink_report {
	uint8_t outcome;
	int16_t error;
	uint16_t boot_stack_used, boot_stack_size;
	uint16_t run_stack_used, run_stack_size;
	uint16_t static_ram, ram_size;
};

/* Writes the report's PUFLINK_REPORT_LEN bytes. */
void puflink_report_encode(const struct puflink_report *r, uint8_t *out);
/* Returns 0, or -1 when buf is not exactly a version-1 report. */
int puflink_report_parse(const uint8_t *buf, size_t len, struct puflink_report *r);

/* Incremental frame reassembly from a byte stream (the bridge's side). */
struct puflink_reader {
	uint8_t frame[PUFLINK_MAX_FRAME];
	size_t len;  /* bytes of the frame received so far */
	size_t want; /* its declared length; 0 while the length bytes are incomplete */
	uint8_t head[2];
	uint8_t head_len;
	uint8_t failed;
};

void puflink_reader_init(struct puflink_reader *rd);
/* Consumes bytes from in[0..n) up to the end of the next frame. Returns the number of bytes
 * consumed; *frame_len is set to the frame's length when one is complete (its bytes are in
 * rd->frame until the next call), 0 otherwise. A declared length of 0 or above PUFLINK_MAX_FRAME
 * cannot be resynchronised: returns -1, and the reader stays failed. */
long puflink_reader_feed(struct puflink_reader *rd, const uint8_t *in, size_t n, size_t *frame_len);

/* Text for an enum puflink_error, an outcome, or NULL for an unknown code. */
const char *puflink_strerror(int err);
const char *puflink_outcome_name(uint8_t outcome);

#endif
