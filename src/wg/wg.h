/* The WireGuard protocol core: pure. Bytes and time go in; bytes and actions come out through the
 * callbacks in struct wg_io. No sockets, no TUN, no clocks, no threads in here: the daemon
 * (src/daemon) owns all I/O and calls these functions from one thread.
 *
 * Normative behaviour and constants: shared/specs/wireguard-reference.md §1 (kernel
 * drivers/net/wireguard).
 */
#ifndef HWG_WG_H
#define HWG_WG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "keys/provider.h"

#define WG_KEY_LEN 32
/* Largest IP packet the core accepts from the TUN side (the TUN MTU may be set up to this). */
#define WG_MAX_PACKET 65535
/* Transport header (type, receiver, counter) and the Poly1305 tag. */
#define WG_DATA_OVERHEAD 32
/* As the kernel (MAX_PEERS_PER_DEVICE): wg_device_peer_add fails with -ENOSPC beyond this. */
#define WG_MAX_PEERS (1u << 20)

struct wg_device;
struct wg_peer;

/* Time as the daemon reads it: monotonic for every timer, wall clock only for TAI64N. */
struct wg_time {
	uint64_t mono_ns;
	uint64_t real_sec;
	uint32_t real_nsec;
};

/* A peer's outer address. `local` is the sticky source address (IP_PKTINFO / IPV6_PKTINFO) the
 * datagram arrived on, so replies leave from it; a zero local means "let the kernel choose". */
struct wg_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;
	union {
		struct in_addr in4;
		struct in6_addr in6;
	} local;
	int local_ifindex;
};

/* The core never flushes anything: send() and deliver() may queue, and the caller sends or writes
 * its queues once per batch of entry-point calls (the daemon: once per event-loop wake-up), so
 * that sendmmsg, UDP GSO and TUN coalescing carry whole batches. */
struct wg_io {
	void *ctx;
	/* Send one UDP datagram. The buffer is only valid during the call, unless it is the one
	 * send_buffer() just returned. */
	void (*send)(void *ctx, const struct wg_endpoint *to, const uint8_t *packet, size_t len);
	/* Optional: a buffer of at least len bytes in which the core builds the next datagram, then
	 * handed to send() without a copy (transport data is sealed straight into the daemon's
	 * transmit batch). The core may abandon it without calling send(). NULL, or no callback:
	 * the core uses a buffer of its own. */
	uint8_t *(*send_buffer)(void *ctx, size_t len);
	/* Hand one decrypted, source-checked IP packet to the TUN device. It lies inside the
	 * datagram given to wg_device_udp_input (decrypted in place), so it stays valid, and may be
	 * queued by reference, for as long as the caller keeps that buffer unchanged. */
	void (*deliver)(void *ctx, const uint8_t *ip_packet, size_t len);
	/* Fill buf with cryptographically secure random bytes (ephemeral keys, indices, jitter,
	 * cookies). */
	void (*random)(void *ctx, void *buf, size_t len);
	/* Optional: true while the daemon's handshake queue (or the key provider's) is deep; the
	 * core then demands a valid mac2 and answers with cookie replies (wireguard-reference.md
	 * §1.4). */
	bool (*under_load)(void *ctx);
	/* Optional: computes X25519(our static key, input) away from the caller's thread (the
	 * daemon's key worker). The core uses it only for a blocking key provider
	 * (key_provider_blocking(), e.g. an SE050), and never calls such a provider's dh() itself.
	 * kp is the provider to use (hold a reference while the operation runs: the interface key
	 * may be replaced meanwhile). Returns 0 when the request was taken, -EAGAIN when the worker
	 * is full (the core asks again later), or another negative errno (the request fails). The
	 * answer comes back through wg_device_static_dh_done() with the same ticket, on the core's
	 * thread. */
	int (*static_dh_submit)(void *ctx, struct key_provider *kp, const uint8_t input[WG_KEY_LEN],
	                        uint64_t ticket);
};

/* Why the core dropped a packet; counted per reason, never logged with key material. */
enum wg_drop_reason {
	WG_DROP_MALFORMED,       /* wrong length for its type, unknown type */
	WG_DROP_MAC1,            /* mac1 did not verify */
	WG_DROP_COOKIE_SENT,     /* under load without a valid mac2: answered with a cookie reply */
	WG_DROP_RATELIMITED,     /* per-source handshake rate limit */
	WG_DROP_HANDSHAKE,       /* decryption/DH failure, unknown peer, stale timestamp, flood */
	WG_DROP_NO_KEYPAIR,      /* unknown receiver index or expired keypair */
	WG_DROP_DECRYPT,         /* transport data failed authentication */
	WG_DROP_REPLAY,          /* counter replayed or outside the window */
	WG_DROP_ALLOWED_IPS,     /* inner source not in the sending peer's allowed IPs */
	WG_DROP_NO_ROUTE,        /* outbound destination matches no peer */
	WG_DROP_NO_ENDPOINT,     /* peer has no known endpoint yet */
	WG_DROP_NO_KEY,          /* the interface has no private key */
	WG_DROP_KEY_PROVIDER,    /* the key provider failed (chip absent, bus error) */
	WG_DROP_STAGED_OVERFLOW, /* more than 128 packets waiting for a handshake */
	WG_DROP_HANDSHAKE_TIMEOUT, /* gave up after 90 s of retries: staged packets purged (counted
	                              once) */
	WG_DROP_KEY_QUEUE, /* a handshake that waited for a blocking key provider was given up:
	                      queue full, its source over its share, or waited 2 s */
	WG_DROP_REASONS
};

struct wg_device_stats {
	uint64_t dropped[WG_DROP_REASONS];
	uint64_t handshakes_initiated;
	uint64_t handshakes_completed;
	uint64_t cookie_replies_sent;
	uint64_t key_provider_calls; /* static-key DH operations requested from the provider */
	uint64_t static_dh_pending;  /* handshakes waiting for a blocking provider now */
};

struct wg_peer_info {
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN]; /* zeros when none */
	bool has_endpoint;
	struct wg_endpoint endpoint;
	uint64_t last_handshake_sec; /* wall clock of the last completed handshake; 0 when none */
	uint32_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive; /* seconds, 0 = off */
};

/* ---- lifetime ---- */

/* Returns NULL on allocation failure. io is copied. */
struct wg_device *wg_device_new(const struct wg_io *io);
/* Wipes all key material and frees everything, including the key provider. */
void wg_device_free(struct wg_device *dev);

/* ---- configuration (UAPI set) ---- */

/* Installs the interface key (ownership of kp passes to the device; NULL removes the key). As
 * wireguard-go's SetPrivateKey: re-keys the cookie checker, removes a peer whose public key equals
 * the new own public key, and expires every keypair; static-static values are computed again at
 * each peer's next handshake (not here), and handshakes waiting for the old key are dropped. A
 * provider with the same public key as the installed one (wg setconf repeating the key) changes
 * nothing else. Returns 0 or a negative errno. */
int wg_device_set_key(struct wg_device *dev, struct key_provider *kp, const struct wg_time *now);
/* The current provider, or NULL. */
struct key_provider *wg_device_key(struct wg_device *dev);

/* Finds a peer by public key, or NULL. */
struct wg_peer *wg_device_peer_find(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN]);
/* Creates a peer. No key-provider operation: its static-static value is computed at its first
 * handshake. Returns NULL and sets *err (negative errno) on failure; returns the existing peer if
 * there is one. */
struct wg_peer *wg_device_peer_add(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
                                   int *err);
void wg_device_peer_remove(struct wg_device *dev, struct wg_peer *peer);
void wg_device_peers_clear(struct wg_device *dev);
/* Gives an existing peer the configuration of a newly added one (no preshared key, no persistent
 * keepalive, no allowed IPs, no configured endpoint; last in insertion order) while keeping its
 * sessions, its learned endpoint and its static-static value: `replace_peers` for a peer the
 * same request lists again (docs/daemon.md). */
void wg_peer_reset_config(struct wg_device *dev, struct wg_peer *peer, const struct wg_time *now);
/* replace_peers without a pause in the traffic, whatever the number of peers: every peer counts as
 * unlisted (O(1)) until wg_peer_reset_config lists it again; peers added meanwhile are listed.
 * wg_device_peer_remove_unlisted then removes one unlisted peer per call (false once none is
 * left), so the caller can spread the removals over time. */
void wg_device_peers_unlist(struct wg_device *dev);
bool wg_peer_unlisted(const struct wg_device *dev, const struct wg_peer *peer);
bool wg_device_peer_remove_unlisted(struct wg_device *dev);

void wg_peer_set_preshared_key(struct wg_peer *peer, const uint8_t psk[WG_KEY_LEN]);
void wg_peer_set_endpoint(struct wg_peer *peer, const struct wg_endpoint *ep);
/* Turning keepalive on from 0 sends a keepalive at once (when a session or endpoint allows). */
void wg_peer_set_persistent_keepalive(struct wg_device *dev, struct wg_peer *peer, uint16_t secs,
                                      const struct wg_time *now);
/* family is AF_INET or AF_INET6; addr holds 4 or 16 bytes; the prefix is masked on insert and moved
 * from any other peer. Returns 0 or -EINVAL. */
int wg_peer_allowed_ip_add(struct wg_device *dev, struct wg_peer *peer, int family,
                           const void *addr, uint8_t cidr);
/* Removes one prefix (masked like add) if this peer holds it; another peer's prefix is left alone.
 * Returns 0, -ENOENT (the peer does not hold it), or -EINVAL (bad family or cidr). */
int wg_peer_allowed_ip_remove(struct wg_device *dev, struct wg_peer *peer, int family,
                              const void *addr, uint8_t cidr);
void wg_peer_allowed_ips_clear(struct wg_device *dev, struct wg_peer *peer);
/* Called after a peer's UAPI block ends: flushes staged packets, sends a pending keepalive. */
void wg_peer_config_done(struct wg_device *dev, struct wg_peer *peer, const struct wg_time *now);

/* ---- introspection (UAPI get) ---- */

/* Calls fn for each peer in insertion order; stops early when fn returns non-zero. */
int wg_device_foreach_peer(struct wg_device *dev, int (*fn)(void *ctx, struct wg_peer *peer),
                           void *ctx);
void wg_peer_info(const struct wg_peer *peer, struct wg_peer_info *out);
/* Calls fn for each of the peer's prefixes (family, 4 or 16 address bytes, cidr) in insertion
 * order, oldest first, as wireguard-go lists them (adding a prefix again makes it the newest). */
int wg_peer_foreach_allowed_ip(const struct wg_device *dev, const struct wg_peer *peer,
                               int (*fn)(void *ctx, int family, const uint8_t *addr, uint8_t cidr),
                               void *ctx);
void wg_device_stats(const struct wg_device *dev, struct wg_device_stats *out);

/* ---- data path ---- */

/* An IP packet read from the TUN device. Routed by destination to a peer; encrypted and sent, or
 * staged while a handshake is started. */
void wg_device_tun_input(struct wg_device *dev, const uint8_t *ip_packet, size_t len,
                         const struct wg_time *now);
/* A UDP datagram received from `from`. The buffer may be modified in place (decryption). */
void wg_device_udp_input(struct wg_device *dev, uint8_t *packet, size_t len,
                         const struct wg_endpoint *from, const struct wg_time *now);
/* Runs every timer that is due (retransmits, keepalives, rekeys, zeroing of old keys, cookie secret
 * rotation) and returns the monotonic time in ns at which it next needs to run: never later than
 * now + 10 s, so the answer is always usable as a poll timeout. Calling it early or often is fine.
 */
uint64_t wg_device_tick(struct wg_device *dev, const struct wg_time *now);

/* The answer to io->static_dh_submit(ticket): err 0 and shared, or a negative errno (shared is
 * then ignored). Resumes the handshake that waited for it; an answer nobody waits for any more
 * (peer removed, interface key changed, unknown ticket) is ignored. Must not be called after
 * wg_device_free(). */
void wg_device_static_dh_done(struct wg_device *dev, uint64_t ticket, int err,
                              const uint8_t shared[WG_KEY_LEN], const struct wg_time *now);

/* Forces a new handshake with the peer (used by tests). Like the kernel it sends
 * at most one initiation per peer every 5 s (REKEY_TIMEOUT). */
void wg_peer_initiate_handshake(struct wg_device *dev, struct wg_peer *peer,
                                const struct wg_time *now);

/* ---- extensions ---- */

/* The TUN MTU: data packets are padded to a multiple of 16 but never beyond it. 0 (the default)
 * means unknown: pad to 16 without bound. */
void wg_device_set_mtu(struct wg_device *dev, unsigned mtu);
/* A short lowercase name for a drop reason ("mac1", "replay", ...), for logs and UAPI extensions.
 */
const char *wg_drop_reason_name(enum wg_drop_reason why);
/* How many transport keypairs (previous, current, next) the peer holds now: 0..3. */
unsigned wg_peer_keypair_count(const struct wg_peer *peer);
/* Where the TAI64N timestamp of each handshake initiation comes from. A responder accepts an
 * initiation only when its timestamp is later than every earlier one from the same key, so a device
 * whose wall clock starts in the past after a reboot (no RTC until NTP runs) needs a source that
 * never goes back (the daemon's persisted high-water mark, docs/daemon.md "Clock"). fn is asked
 * once per initiation, when it is built; NULL (the default) uses the wall clock passed in with
 * each call. */
typedef void (*wg_timestamp_fn)(void *ctx, uint64_t *unix_sec, uint32_t *nsec);
void wg_device_set_timestamp_source(struct wg_device *dev, wg_timestamp_fn fn, void *ctx);

#endif
