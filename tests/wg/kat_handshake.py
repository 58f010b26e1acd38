#!/usr/bin/env python3
"""Independent WireGuard handshake oracle: builds the initiation, response and first transport
packet for fixed keys with Python's hashlib/hmac and the `cryptography` package, following the
whitepaper (§5.4) rather than the C code. Prints tests/wg/test_kat_vectors.h; test_kat.c checks that
the C core produces exactly these bytes. Regenerate with:
    python3 tests/wg/kat_handshake.py > tests/wg/test_kat_vectors.h
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

RAW = serialization.Encoding.Raw


def HASH(*parts):
    return hashlib.blake2s(b"".join(parts)).digest()


def MAC(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def HMAC(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def KDF(n, key, data):
    t0 = HMAC(key, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out


def clamp(k):
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return bytes(k)


def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(RAW, serialization.PublicFormat.Raw)


def DH(priv, pub_):
    return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pub_))


def AEAD(key, counter, plain, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plain, ad)


def tai64n(sec, nsec):
    return struct.pack(">QI", 2**62 + 10 + sec, nsec & ~((1 << 24) - 1))


def fill(seed, n=32):
    return bytes((seed + 7 * i) & 0xFF for i in range(n))


# Fixed inputs (mirrored in test_kat.c).
S_i = clamp(fill(0x11))      # initiator static private
S_r = clamp(fill(0x22))      # responder static private
E_i_raw = fill(0x33)         # initiator ephemeral as drawn from the RNG (clamped by the core)
E_r_raw = fill(0x44)
PSK = fill(0x55)
I_i = 0x0A0B0C0D             # sender indices as drawn from the RNG (little-endian bytes)
I_r = 0x01020304
SEC, NSEC = 1700000000, 123456789
PAYLOAD = bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 192, 168, 0, 1, 192, 168, 0, 2]) + b"kat-data"

E_i, E_r = clamp(E_i_raw), clamp(E_r_raw)
Spub_i, Spub_r, Epub_i, Epub_r = pub(S_i), pub(S_r), pub(E_i), pub(E_r)

C = HASH(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
H = HASH(C, b"WireGuard v1 zx2c4 Jason@zx2c4.com")
H = HASH(H, Spub_r)
# -> e
C = KDF(1, C, Epub_i)[0]
H = HASH(H, Epub_i)
# es
C, k = KDF(2, C, DH(E_i, Spub_r))
enc_static = AEAD(k, 0, Spub_i, H)
H = HASH(H, enc_static)
# ss
C, k = KDF(2, C, DH(S_i, Spub_r))
enc_ts = AEAD(k, 0, tai64n(SEC, NSEC), H)
H = HASH(H, enc_ts)
init = struct.pack("<II", 1, I_i) + Epub_i + enc_static + enc_ts
init += MAC(HASH(b"mac1----", Spub_r), init)
init += b"\0" * 16
assert len(init) == 148

# <- e, ee, se, psk, {}
C = KDF(1, C, Epub_r)[0]
H = HASH(H, Epub_r)
C = KDF(1, C, DH(E_r, Epub_i))[0]
C = KDF(1, C, DH(E_r, Spub_i))[0]
C, tau, k = KDF(3, C, PSK)
H = HASH(H, tau)
enc_nothing = AEAD(k, 0, b"", H)
H = HASH(H, enc_nothing)
resp = struct.pack("<III", 2, I_r, I_i) + Epub_r + enc_nothing
resp += MAC(HASH(b"mac1----", Spub_i), resp)
resp += b"\0" * 16
assert len(resp) == 92

T_send_i, T_recv_i = KDF(2, C, b"")
padded = PAYLOAD + b"\0" * (-len(PAYLOAD) % 16)
data = struct.pack("<IIQ", 4, I_r, 0) + AEAD(T_send_i, 0, padded, b"")


def hchacha20(key, nonce16):
    def rotl(v, n):
        return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))

    def qr(x, a, b, c, d):
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[c], 7)

    x = list(struct.unpack("<4I", b"expand 32-byte k") + struct.unpack("<8I", key) +
             struct.unpack("<4I", nonce16))
    for _ in range(10):
        qr(x, 0, 4, 8, 12); qr(x, 1, 5, 9, 13); qr(x, 2, 6, 10, 14); qr(x, 3, 7, 11, 15)
        qr(x, 0, 5, 10, 15); qr(x, 1, 6, 11, 12); qr(x, 2, 7, 8, 13); qr(x, 3, 4, 9, 14)
    return struct.pack("<8I", *(x[0:4] + x[12:16]))


def XAEAD(key, nonce24, plain, ad):
    sub = hchacha20(key, nonce24[:16])
    return ChaCha20Poly1305(sub).encrypt(b"\0" * 4 + nonce24[16:], plain, ad)


# Cookie reply from the responder, under load, to the same initiation arriving from
# 10.0.0.1:51820. Its RNG hands out the cookie secret, then the nonce.
SECRET = fill(0x66)
NONCE = fill(0x77, 24)
cookie = MAC(SECRET, bytes([10, 0, 0, 1]) + struct.pack(">H", 51820))
cookie_reply = struct.pack("<II", 3, I_i) + NONCE + XAEAD(HASH(b"cookie--", Spub_r), NONCE, cookie, init[116:132])
assert len(cookie_reply) == 64


def carray(name, b):
    rows = [", ".join("0x%02x" % x for x in b[i:i + 12]) for i in range(0, len(b), 12)]
    return "static const uint8_t %s[%d] = {\n\t%s,\n};\n" % (name, len(b), ",\n\t".join(rows))


print("/* Generated by tests/wg/kat_handshake.py (independent Python oracle); do not edit. */")
print("#include <stdint.h>\n")
for name, val in [("kat_initiation", init), ("kat_response", resp), ("kat_first_data", data),
                  ("kat_payload", PAYLOAD), ("kat_cookie_reply", cookie_reply),
                  ("kat_cookie", cookie)]:
    print(carray(name, val))
