/* Cryptokey routing: a longest-prefix-match trie per address family mapping prefixes to an owner
 * (a peer). A prefix belongs to exactly one owner; inserting it again moves it. Prefixes are masked
 * on insert (10.1.2.3/8 is stored as 10.0.0.0/8). Pure data structure; no locking. */
#ifndef HWG_WG_ALLOWEDIPS_H
#define HWG_WG_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct allowedips;

struct allowedips *allowedips_new(void);
void allowedips_free(struct allowedips *t);

/* family is AF_INET (addr: 4 bytes, cidr 0..32) or AF_INET6 (16 bytes, 0..128). owner must not be
 * NULL. Returns 0, -EINVAL for a bad family/cidr, -ENOMEM. */
int allowedips_insert(struct allowedips *t, int family, const uint8_t *addr, uint8_t cidr,
                      void *owner);
/* Removes one prefix (masked like insert) if owner holds it. Returns 0, -ENOENT, or -EINVAL for a
 * bad family/cidr. */
int allowedips_remove(struct allowedips *t, int family, const uint8_t *addr, uint8_t cidr,
                      const void *owner);
/* Removes every prefix of owner. */
void allowedips_remove_owner(struct allowedips *t, const void *owner);
/* The owner of the longest prefix containing addr, or NULL. */
void *allowedips_lookup(const struct allowedips *t, int family, const uint8_t *addr);
/* Calls fn for each prefix of owner (masked address: 4 or 16 bytes) in insertion order, oldest
 * first (inserting a prefix again makes it the newest); stops when fn returns non-zero and returns
 * it. fn must not modify the table. */
int allowedips_foreach(const struct allowedips *t, const void *owner,
                       int (*fn)(void *ctx, int family, const uint8_t *addr, uint8_t cidr),
                       void *ctx);

#endif
