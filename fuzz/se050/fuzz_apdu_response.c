/* Fuzzes every parser of SE05x applet bytes: the host's response parsers (what a chip, or whatever
 * sits on the bus, sends back) and the emulator's command side (what a host sends to se050-emu). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_applet.h"
#include "se050/apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emu_store store;
	static struct emu_applet applet;
	uint8_t key[SE05X_X25519_LEN], v;
	struct se05x_version version;
	uint32_t free_bytes;
	uint32_t ids[8];
	size_t count;
	bool more;
	struct se05x_rsp rsp;

	(void)se05x_rsp_parse(&rsp, data, size);
	(void)se05x_parse_status(data, size);
	(void)se05x_parse_x25519(data, size, key);
	(void)se05x_parse_u8(data, size, &v);
	(void)se05x_parse_type(data, size, &v);
	(void)se05x_parse_list(data, size, ids, 8, &count, &more);
	(void)se05x_parse_select(data, size, &version);
	(void)se05x_parse_version(data, size, &version);
	(void)se05x_parse_free_memory(data, size, &free_bytes);

	/* The emulator, selected, with one object, answering the input as a command. */
	struct se05x_cmd cmd;
	(void)se05x_cmd_parse(&cmd, data, size);
	emu_store_load(&store, NULL);
	emu_applet_init(&applet, &store);
	if (size & 1) /* both personalities: 7.2 has its own types and wants the curve created */
		emu_applet_set_version(&applet, 7, 2);
	applet.selected = true;
	struct emu_object *o = emu_store_add(&store, 0x10000009);
	o->type = SE05X_TYPE_EC_KEY_PAIR;
	o->curve = SE05X_CURVE_MONT_DH_25519;
	o->priv[0] = 0x40;
	o->pub[0] = 9;
	uint8_t out[SE05X_MAX_RSP];
	unsigned latency;
	if (size <= SE05X_MAX_APDU)
		(void)emu_applet_process(&applet, data, size, out, &latency);
	return 0;
}
