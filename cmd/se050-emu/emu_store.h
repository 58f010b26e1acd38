/* The emulated chip's non-volatile memory: its objects and created curves, kept in a file that
 * survives restarts.
 * Every change is written crash-safely (temporary file, fsync, rename, fsync of the directory), so
 * a kill at any moment leaves either the old or the new store. Private keys live only here. */
#ifndef HWG_SE050_EMU_STORE_H
#define HWG_SE050_EMU_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_MAX_OBJECTS 256
#define EMU_KEY_LEN     32

struct emu_object {
	uint32_t id;
	uint8_t type;  /* SE05X_TYPE_* */
	uint8_t curve; /* SE05X_CURVE_* */
	bool has_policy;
	uint32_t rules;            /* access rules for auth object 0 */
	uint8_t priv[EMU_KEY_LEN]; /* RFC 7748 order */
	uint8_t pub[EMU_KEY_LEN];
};

struct emu_store {
	char path[512]; /* empty: memory only */
	size_t n;
	struct emu_object obj[EMU_MAX_OBJECTS];
	uint8_t curves[16];  /* bitmap of created curves, by curve id (applet 7.x needs them) */
	uint64_t nvm_writes; /* since start: key generation, deletion, and every X25519 ECDH */
};

/* Loads path (a missing file is an empty store). path NULL keeps the store in memory. Returns 0, or
 * -EBADMSG for a damaged file, or another negative errno. */
int emu_store_load(struct emu_store *s, const char *path);
int emu_store_save(struct emu_store *s);
struct emu_object *emu_store_find(struct emu_store *s, uint32_t id);
/* Returns the new object (zeroed but for id) or NULL when full. */
struct emu_object *emu_store_add(struct emu_store *s, uint32_t id);
void emu_store_remove(struct emu_store *s, uint32_t id);
/* Wipes every key. */
void emu_store_clear(struct emu_store *s);
bool emu_store_has_curve(const struct emu_store *s, uint8_t curve);
void emu_store_add_curve(struct emu_store *s, uint8_t curve);

#endif
