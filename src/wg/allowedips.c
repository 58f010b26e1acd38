#include "wg/allowedips.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/portable/bytes.h"

/* Keys are 128-bit big-endian numbers held as two words, so that IPv4 (in the top 32 bits) and
 * IPv6 share one set of bit operations and a prefix test costs at most two compares. */
struct key {
	uint64_t hi, lo;
};

/* A node of a path-compressed binary trie. A node either holds a prefix (owner != NULL) or is a
 * pure branch point (owner == NULL, exactly two children). Along any path cidr strictly increases,
 * and the child taken below a node is chosen by the key bit at position node->cidr. */
struct node {
	struct node *child[2];
	struct node *parent;
	/* Every node of one owner is on one list, oldest first, so removing a peer costs its prefix
	 * count, not a walk over the whole table, and listing follows insertion order. */
	struct node *owner_prev, *owner_next;
	void *owner;
	struct key key; /* masked to cidr */
	uint8_t cidr;
	uint8_t v6;
};

struct trie {
	struct node *root;
	uint8_t bits;
};

/* Open-addressing map from owner to its node list (linear probing, no tombstones). The tail lets
 * a prefix join at the end in O(1), so the list stays in insertion order. */
struct owner_slot {
	const void *owner;
	struct node *head, *tail;
};

struct allowedips {
	struct trie v4, v6;
	struct owner_slot *slots;
	size_t slot_cap; /* power of two, or 0 */
	size_t slot_used;
};

/* ---- bit helpers ---- */

static uint64_t mask64(unsigned bits)
{
	return bits == 0 ? 0 : ~(uint64_t)0 << (64 - bits);
}

static struct key key_mask(struct key k, unsigned cidr)
{
	if (cidr <= 64) {
		k.hi &= mask64(cidr);
		k.lo = 0;
	} else {
		k.lo &= mask64(cidr - 64);
	}
	return k;
}

/* True when the first n->cidr bits of k equal the node's prefix. */
static bool node_contains(const struct node *n, struct key k)
{
	if (n->cidr <= 64)
		return ((n->key.hi ^ k.hi) & mask64(n->cidr)) == 0;
	return n->key.hi == k.hi && ((n->key.lo ^ k.lo) & mask64(n->cidr - 64u)) == 0;
}

/* Bit number pos (0 = most significant); pos < 128. */
static unsigned key_bit(struct key k, unsigned pos)
{
	return pos < 64 ? (unsigned)(k.hi >> (63 - pos)) & 1 : (unsigned)(k.lo >> (127 - pos)) & 1;
}

static unsigned common_bits(struct key a, struct key b)
{
	uint64_t x = a.hi ^ b.hi;
	if (x)
		return (unsigned)__builtin_clzll(x);
	x = a.lo ^ b.lo;
	if (x)
		return 64 + (unsigned)__builtin_clzll(x);
	return 128;
}

static struct key key_load(int v6, const uint8_t *addr)
{
	struct key k;
	if (v6) {
		k.hi = load_be64(addr);
		k.lo = load_be64(addr + 8);
	} else {
		k.hi = (uint64_t)addr[0] << 56 | (uint64_t)addr[1] << 48 | (uint64_t)addr[2] << 40 |
		       (uint64_t)addr[3] << 32;
		k.lo = 0;
	}
	return k;
}

static void key_store(uint8_t out[16], int v6, struct key k)
{
	uint8_t tmp[16];
	store_be64(tmp, k.hi);
	store_be64(tmp + 8, k.lo);
	memcpy(out, tmp, v6 ? 16 : 4);
}

/* ---- owner index ---- */

static size_t slot_hash(const void *owner, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)owner;
	h ^= h >> 29;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 32;
	return (size_t)h & (cap - 1);
}

/* Index of owner's slot, or slot_cap when absent. */
static size_t slot_find(const struct allowedips *t, const void *owner)
{
	if (t->slot_cap == 0)
		return 0;
	for (size_t i = slot_hash(owner, t->slot_cap);; i = (i + 1) & (t->slot_cap - 1)) {
		if (t->slots[i].owner == owner)
			return i;
		if (t->slots[i].owner == NULL)
			return t->slot_cap;
	}
}

static size_t slot_place(struct owner_slot *slots, size_t cap, const void *owner)
{
	size_t i = slot_hash(owner, cap);
	while (slots[i].owner != NULL && slots[i].owner != owner)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Makes room for one more owner (load at most one half) so that linking never fails later. */
static int slot_reserve(struct allowedips *t)
{
	if ((t->slot_used + 1) * 2 <= t->slot_cap)
		return 0;
	size_t cap = t->slot_cap ? t->slot_cap * 2 : 16;
	struct owner_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->slot_cap; i++) {
		if (t->slots[i].owner)
			slots[slot_place(slots, cap, t->slots[i].owner)] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->slot_cap = cap;
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
static void slot_delete(struct allowedips *t, size_t i)
{
	size_t mask = t->slot_cap - 1;
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (t->slots[j].owner == NULL)
			break;
		size_t home = slot_hash(t->slots[j].owner, t->slot_cap);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].owner = NULL;
	t->slots[i].head = NULL;
	t->slots[i].tail = NULL;
	t->slot_used--;
}

static void owner_link(struct allowedips *t, struct node *n, void *owner)
{
	size_t i = slot_place(t->slots, t->slot_cap, owner);
	if (t->slots[i].owner == NULL) {
		t->slots[i].owner = owner;
		t->slots[i].head = t->slots[i].tail = NULL;
		t->slot_used++;
	}
	n->owner = owner;
	n->owner_next = NULL;
	n->owner_prev = t->slots[i].tail;
	if (n->owner_prev)
		n->owner_prev->owner_next = n;
	else
		t->slots[i].head = n;
	t->slots[i].tail = n;
}

static void owner_unlink(struct allowedips *t, struct node *n)
{
	if (n->owner_prev && n->owner_next) {
		n->owner_prev->owner_next = n->owner_next;
		n->owner_next->owner_prev = n->owner_prev;
	} else {
		size_t i = slot_find(t, n->owner);
		if (n->owner_prev)
			n->owner_prev->owner_next = NULL;
		else
			t->slots[i].head = n->owner_next;
		if (n->owner_next)
			n->owner_next->owner_prev = n->owner_prev;
		else
			t->slots[i].tail = n->owner_prev;
		if (!t->slots[i].head)
			slot_delete(t, i);
	}
	n->owner = NULL;
	n->owner_prev = n->owner_next = NULL;
}

/* ---- trie ---- */

static struct trie *trie_for(struct allowedips *t, int family)
{
	if (family == AF_INET)
		return &t->v4;
	if (family == AF_INET6)
		return &t->v6;
	return NULL;
}

static struct node *node_new(struct key k, uint8_t cidr, uint8_t v6)
{
	struct node *n = calloc(1, sizeof(*n));
	if (n) {
		n->key = k;
		n->cidr = cidr;
		n->v6 = v6;
	}
	return n;
}

static struct node **link_to(struct trie *tr, struct node *n)
{
	if (!n->parent)
		return &tr->root;
	return n->parent->child[0] == n ? &n->parent->child[0] : &n->parent->child[1];
}

/* Drops nodes that no longer hold a prefix and no longer branch, from n upwards. */
static void compact(struct trie *tr, struct node *n)
{
	while (n && !n->owner) {
		if (n->child[0] && n->child[1])
			return;
		struct node *child = n->child[0] ? n->child[0] : n->child[1];
		struct node *parent = n->parent;
		*link_to(tr, n) = child;
		if (child)
			child->parent = parent;
		free(n);
		if (child)
			return; /* the parent keeps the same number of children */
		n = parent;
	}
}

static struct node *find_exact(const struct trie *tr, struct key k, uint8_t cidr)
{
	struct node *n = tr->root;
	while (n && n->cidr <= cidr && node_contains(n, k)) {
		if (n->cidr == cidr)
			return n;
		n = n->child[key_bit(k, n->cidr)];
	}
	return NULL;
}

struct allowedips *allowedips_new(void)
{
	struct allowedips *t = calloc(1, sizeof(*t));
	if (t) {
		t->v4.bits = 32;
		t->v6.bits = 128;
	}
	return t;
}

static void free_subtree(struct node *n)
{
	/* Depth is bounded by 129 (cidr strictly increases), so recursion is safe. */
	if (!n)
		return;
	free_subtree(n->child[0]);
	free_subtree(n->child[1]);
	free(n);
}

void allowedips_free(struct allowedips *t)
{
	if (!t)
		return;
	free_subtree(t->v4.root);
	free_subtree(t->v6.root);
	free(t->slots);
	free(t);
}

int allowedips_insert(struct allowedips *t, int family, const uint8_t *addr, uint8_t cidr,
                      void *owner)
{
	struct trie *tr = trie_for(t, family);
	if (!tr || cidr > tr->bits || !owner || !addr)
		return -EINVAL;
	uint8_t v6 = family == AF_INET6;
	struct key k = key_mask(key_load(v6, addr), cidr);
	if (slot_reserve(t) != 0)
		return -ENOMEM;

	struct node *parent = NULL, **link = &tr->root, *n = tr->root;
	while (n && n->cidr <= cidr && node_contains(n, k)) {
		if (n->cidr == cidr) {
			/* Same prefix: it moves to the new owner and, as in the kernel and
			 * wireguard-go, to the end of its list even when the owner stays. */
			if (n->owner)
				owner_unlink(t, n);
			owner_link(t, n, owner);
			return 0;
		}
		parent = n;
		link = &n->child[key_bit(k, n->cidr)];
		n = *link;
	}

	struct node *fresh = node_new(k, cidr, v6);
	if (!fresh)
		return -ENOMEM;
	if (!n) {
		fresh->parent = parent;
		*link = fresh;
	} else {
		/* n is not inside the new prefix's path: either the new prefix contains n, or the
		 * two diverge at some bit and need a branch node there. */
		unsigned common = common_bits(n->key, k);
		if (common > cidr)
			common = cidr;
		if (common > n->cidr)
			common = n->cidr;
		if (common == cidr) {
			fresh->child[key_bit(n->key, cidr)] = n;
		} else {
			struct node *branch = node_new(key_mask(k, common), (uint8_t)common, v6);
			if (!branch) {
				free(fresh);
				return -ENOMEM;
			}
			branch->child[key_bit(k, common)] = fresh;
			branch->child[key_bit(n->key, common)] = n;
			fresh->parent = branch;
			fresh = branch;
		}
		n->parent = fresh;
		fresh->parent = parent;
		*link = fresh;
		if (fresh->cidr != cidr)
			fresh = fresh->child[key_bit(k, fresh->cidr)];
	}
	owner_link(t, fresh, owner);
	return 0;
}

int allowedips_remove(struct allowedips *t, int family, const uint8_t *addr, uint8_t cidr,
                      const void *owner)
{
	struct trie *tr = trie_for(t, family);
	if (!tr || cidr > tr->bits || !addr)
		return -EINVAL;
	struct key k = key_mask(key_load(family == AF_INET6, addr), cidr);
	struct node *n = find_exact(tr, k, cidr);
	if (!n || !n->owner || n->owner != owner)
		return -ENOENT;
	owner_unlink(t, n);
	compact(tr, n);
	return 0;
}

void allowedips_remove_owner(struct allowedips *t, const void *owner)
{
	if (!owner)
		return;
	/* owner_unlink drops the slot together with the last node, so re-read the head each time;
	 * compact() frees only nodes without an owner, never one still on the list. */
	for (;;) {
		size_t i = slot_find(t, owner);
		if (i >= t->slot_cap)
			return;
		struct node *n = t->slots[i].head;
		owner_unlink(t, n);
		compact(n->v6 ? &t->v6 : &t->v4, n);
	}
}

void *allowedips_lookup(const struct allowedips *t, int family, const uint8_t *addr)
{
	const struct trie *tr = family == AF_INET ? &t->v4 : family == AF_INET6 ? &t->v6 : NULL;
	if (!tr || !addr)
		return NULL;
	struct key k = key_load(family == AF_INET6, addr);
	void *best = NULL;
	const struct node *n = tr->root;
	while (n && node_contains(n, k)) {
		if (n->owner)
			best = n->owner;
		if (n->cidr >= tr->bits)
			break;
		n = n->child[key_bit(k, n->cidr)];
	}
	return best;
}

int allowedips_foreach(const struct allowedips *t, const void *owner,
                       int (*fn)(void *ctx, int family, const uint8_t *addr, uint8_t cidr),
                       void *ctx)
{
	size_t i = owner ? slot_find(t, owner) : t->slot_cap;
	if (i >= t->slot_cap)
		return 0;
	for (const struct node *n = t->slots[i].head; n; n = n->owner_next) {
		uint8_t addr[16];
		key_store(addr, n->v6, n->key);
		int ret = fn(ctx, n->v6 ? AF_INET6 : AF_INET, addr, n->cidr);
		if (ret)
			return ret;
	}
	return 0;
}
