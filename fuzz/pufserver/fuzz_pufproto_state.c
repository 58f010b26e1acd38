/* Device state file parsing: the record (magic, version, CRC, lengths) and the PUF source
 * description inside it. Inputs are tried as a whole file, and as a bare source description. */
#include <stddef.h>
#include <stdint.h>

#include "puf/host/device_source.h"
#include "puf/proto/device_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pufproto_device_nv nv;
	struct device_source_desc desc;
	const uint8_t *source;
	size_t source_len;
	char err[256];
	uint8_t again[PUFPROTO_STATE_MAX_LEN];

	if (pufproto_state_parse(data, size, &nv, &source, &source_len) == PUFPROTO_STATE_OK) {
		long n = pufproto_state_encode(&nv, source, source_len, again, sizeof(again));

		/* what parses re-encodes to the same bytes */
		if (n != (long)size || __builtin_memcmp(again, data, size) != 0)
			__builtin_trap();
		device_source_parse(source, source_len, &desc, err, sizeof(err));
	}
	device_source_parse(data, size, &desc, err, sizeof(err));
	return 0;
}
