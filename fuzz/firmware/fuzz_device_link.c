/* What `pufauth mcu` reads from the emulated device: its UART byte stream (all but the first
 * byte, which says how big the chunks it arrives in are), reassembled into frames and each frame
 * parsed the way the bridge does (protocol header, SRAM dump record, report); and the same bytes as
 * the device's two flash pages (the state the bridge shows, the record the firmware boots from). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "puf/proto/device_flash.h"
#include "puf/proto/device_link.h"
#include "puf/proto/wire.h"
#include "puf/sram_dump.h"

/* Small pages: more inputs reach a complete record; 256 bytes hold a default-suite record with one
 * case map (seed flash_debiased_one_map). Reads must stay within the pages for any length word. */
#define PAGE 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct puflink_reader rd;
	static uint8_t pages[2 * PAGE];
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;

	puflink_reader_init(&rd);
	for (size_t off = 1; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk, frame;
		long used = puflink_reader_feed(&rd, data + off, n, &frame);
		if (used < 0)
			break;
		off += (size_t)used;
		if (frame) {
			struct pufproto_header h;
			struct sram_dump_record rec;
			struct puflink_report rep;
			(void)pufproto_parse_header(rd.frame, frame, &h);
			(void)sram_dump_parse(rd.frame, frame, &rec);
			if (puflink_report_parse(rd.frame, frame, &rep) == 0)
				(void)puflink_strerror(rep.error);
		}
	}

	struct pufproto_flash f = {pages, 0, PAGE, NULL, NULL};
	struct pufproto_device_nv nv;
	uint32_t seq;
	memset(pages, 0xff, sizeof(pages));
	memcpy(pages, data, size < sizeof(pages) ? size : sizeof(pages));
	(void)pufproto_flash_read(&f, &nv, &seq);
	return 0;
}
