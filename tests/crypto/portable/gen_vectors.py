#!/usr/bin/env python3
"""Known-answer vectors for the portable SKE, PRF and BCH(63,16,23) code (test_simon_modes.c,
test_bch63.c), computed by an implementation independent of src/crypto/portable/.

This SIMON is written directly from the designers' pseudocode (ePrint 2013/404, Fig. 3.3 and
section 3.2) in the paper's word order, and is first checked against all five Appendix-B vectors;
the byte convention (NSA Implementation Guide: little-endian words, word 0 = right word y) is
applied only at the edges. The SKE and PRF encodings are re-derived here from docs/puf-crypto.md,
and BCH parity is computed by plain polynomial long division by g(x).

Run: python3 tests/crypto/portable/gen_vectors.py tests/crypto/portable
It rewrites simon_modes_vectors.h and bch63_vectors.h there; the C tests include them.
With --bch-tables it prints the bit-plane tables embedded in src/crypto/portable/bch63.c.
"""

import sys

Z = [
    "11111010001001010110000111001101111101000100101011000011100110",
    "10001110111110010011000010110101000111011111001001100001011010",
    "10101111011100000011010010011000101000010001111110010110110011",
    "11011011101011000110010111100000010010001010011100110100001111",
    "11010001111001101011011000100000010111000011001010010011101111",
]

# name: (n word bits, m key words, T rounds, j z-sequence)
VARIANTS = {
    "64_96": (32, 3, 42, 2),
    "64_128": (32, 4, 44, 3),
    "128_128": (64, 2, 68, 2),
    "128_192": (64, 3, 69, 3),
    "128_256": (64, 4, 72, 4),
}


def rol(x, r, n):
    return ((x << r) | (x >> (n - r))) & ((1 << n) - 1)


def ror(x, r, n):
    return rol(x, n - r, n)


def expand(variant, key_words):
    """key_words = [k0, k1, ..., k_{m-1}] (k0 is printed last in the paper)."""
    n, m, T, j = VARIANTS[variant]
    mask = (1 << n) - 1
    c = mask ^ 3  # 2^n - 4
    k = list(key_words)
    for i in range(m, T):
        tmp = ror(k[i - 1], 3, n)
        if m == 4:
            tmp ^= k[i - 3]
        tmp ^= ror(tmp, 1, n)
        k.append((c ^ int(Z[j][(i - m) % 62]) ^ k[i - m] ^ tmp) & mask)
    return k


def f(x, n):
    return (rol(x, 1, n) & rol(x, 8, n)) ^ rol(x, 2, n)


def encrypt_words(variant, rk, x, y):
    n = VARIANTS[variant][0]
    for k in rk:
        x, y = y ^ f(x, n) ^ k, x
    return x, y


def decrypt_words(variant, rk, x, y):
    n = VARIANTS[variant][0]
    for k in reversed(rk):
        x, y = y, x ^ f(y, n) ^ k
    return x, y


# Byte convention (Implementation Guide): bytes -> little-endian words; word 0 is y (right).
def block_encrypt(variant, key, block):
    n = VARIANTS[variant][0]
    w = n // 8
    m = VARIANTS[variant][1]
    assert len(key) == m * w and len(block) == 2 * w
    kw = [int.from_bytes(key[i * w:(i + 1) * w], "little") for i in range(m)]
    rk = expand(variant, kw)
    y = int.from_bytes(block[:w], "little")
    x = int.from_bytes(block[w:], "little")
    x, y = encrypt_words(variant, rk, x, y)
    return y.to_bytes(w, "little") + x.to_bytes(w, "little")


def self_check():
    # ePrint 2013/404 Appendix B, paper word order (most significant word first).
    paper = [
        ("64_96", [0x13121110, 0x0b0a0908, 0x03020100], (0x6f722067, 0x6e696c63), (0x5ca2e27f, 0x111a8fc8)),
        ("64_128", [0x1b1a1918, 0x13121110, 0x0b0a0908, 0x03020100], (0x656b696c, 0x20646e75),
         (0x44c8fc20, 0xb9dfa07a)),
        ("128_128", [0x0f0e0d0c0b0a0908, 0x0706050403020100], (0x6373656420737265, 0x6c6c657661727420),
         (0x49681b1e1e54fe3f, 0x65aa832af84e0bbc)),
        ("128_192", [0x1716151413121110, 0x0f0e0d0c0b0a0908, 0x0706050403020100],
         (0x206572656874206e, 0x6568772065626972), (0xc4ac61effcdc0d4f, 0x6c9c8d6e2597b85b)),
        ("128_256", [0x1f1e1d1c1b1a1918, 0x1716151413121110, 0x0f0e0d0c0b0a0908, 0x0706050403020100],
         (0x74206e69206d6f6f, 0x6d69732061207369), (0x8d2b5579afc8a3a0, 0x3bf72a87efe7b868)),
    ]
    for v, key_msw_first, pt, ct in paper:
        rk = expand(v, list(reversed(key_msw_first)))
        assert encrypt_words(v, rk, *pt) == ct, v
        assert decrypt_words(v, rk, *ct) == pt, v
    # The same vectors as byte strings (Implementation Guide).
    assert block_encrypt("64_128", bytes.fromhex("0001020308090a0b1011121318191a1b"),
                         bytes.fromhex("756e64206c696b65")) == bytes.fromhex("7aa0dfb920fcc844")
    assert block_encrypt("128_128", bytes(range(16)), bytes.fromhex("2074726176656c6c6572732064657363")) \
        == bytes.fromhex("bc0b4ef82a83aa653ffe541e1e1b6849")


# --- SKE: CBC, explicit IV, ISO/IEC 7816-4 padding (0x80 then zeros, always at least one byte) ---
def ske_encrypt(variant, key, iv, msg):
    b = len(iv)
    padded = msg + b"\x80" + b"\x00" * ((-len(msg) - 1) % b)
    out = iv
    prev = iv
    for i in range(0, len(padded), b):
        prev = block_encrypt(variant, key, bytes(p ^ q for p, q in zip(padded[i:i + b], prev)))
        out += prev
    return out


# --- PRF: CBC-MAC (zero IV) over LE64(len) || LE64(counter) || input || zeros to a block multiple ---
def cbc_mac(variant, key, data):
    b = 2 * VARIANTS[variant][0] // 8
    assert len(data) % b == 0
    state = bytes(b)
    for i in range(0, len(data), b):
        state = block_encrypt(variant, key, bytes(p ^ q for p, q in zip(data[i:i + b], state)))
    return state


def prf(variant, key, msg, out_len):
    b = 2 * VARIANTS[variant][0] // 8
    out = b""
    counter = 0
    while len(out) < out_len:
        enc = len(msg).to_bytes(8, "little") + counter.to_bytes(8, "little") + msg
        enc += b"\x00" * (-len(enc) % b)
        out += cbc_mac(variant, key, enc)
        counter += 1
    return out[:out_len]


# --- BCH(63,16,23): systematic, message in bits 47..62, parity = m(x) x^47 mod g(x) ---
G = 0xCD930BDD3B2B


def bch_encode(msg):
    r = msg << 47
    for bit in range(62, 46, -1):
        if (r >> bit) & 1:
            r ^= G << (bit - 47)
    return (msg << 47) | r


def gf64_mul(a, b):
    """GF(2^6) with p(x) = x^6 + x + 1: schoolbook product, then reduction from the top bit down."""
    r = 0
    for i in range(6):
        if (b >> i) & 1:
            r ^= a << i
    for bit in range(10, 5, -1):
        if (r >> bit) & 1:
            r ^= 0x43 << (bit - 6)
    return r


def gf64_pow_alpha(e):
    r = 1
    for _ in range(e % 63):
        r = gf64_mul(r, 2)
    return r


def bit_planes(exponent_of_i):
    """Six 63-bit masks: bit i of mask k is bit k of alpha^exponent_of_i(i)."""
    return [sum(1 << i for i in range(63) if (gf64_pow_alpha(exponent_of_i(i)) >> k) & 1) for k in range(6)]


def c_mask_rows(rows, label):
    return "\n".join("\t{" + ", ".join("0x%016xULL" % m for m in masks) + "}, /* %s */" % (label % j)
                     for j, masks in rows) + "\n"


def bch_tables():
    """syn_mask[q][k] of bch63.c: bit i is bit k of alpha^(i*j), j = 2q + 1 (syndromes S_j);
    chien_mask[j-1][k]: bit i is bit k of alpha^(-i*j), j = 1..11 (Chien search)."""
    syn = [(j, bit_planes(lambda i, j=j: i * j)) for j in range(1, 22, 2)]
    chien = [(j, bit_planes(lambda i, j=j: -i * j)) for j in range(1, 12)]
    return ("syn_mask:\n" + c_mask_rows(syn, "S%d") + "chien_mask:\n" + c_mask_rows(chien, "alpha^-%di"))


def c_bytes(name, data):
    body = ", ".join("0x%02x" % x for x in data)
    return "static const uint8_t %s[%d] = {%s};" % (name, max(len(data), 1), body if data else "0")


def header(lines):
    return "/* Generated by tests/crypto/portable/gen_vectors.py; do not edit. */\n" + "\n".join(lines) + "\n"


def main():
    self_check()
    if len(sys.argv) > 1 and sys.argv[1] == "--bch-tables":
        sys.stdout.write(bch_tables())
        return
    outdir = sys.argv[1] if len(sys.argv) > 1 else "."
    key16 = bytes(range(16))
    # A message whose bytes differ from their offsets, so a misplaced offset shows.
    msg = bytes((i * 37 + 11) & 0xFF for i in range(40))
    lines = [c_bytes("vec_msg", msg), c_bytes("vec_key16", key16)]
    for v, tag in (("64_128", "s64"), ("128_128", "s128")):
        b = 2 * VARIANTS[v][0] // 8
        iv = bytes(0xA0 + i for i in range(b))
        lines.append(c_bytes("vec_iv_%s" % tag, iv))
        for ln in (0, 1, b - 1, b, b + 1, 40):
            lines.append(c_bytes("ske_%s_len%d" % (tag, ln), ske_encrypt(v, key16, iv, msg[:ln])))
        for ln, out_len in ((0, 16), (3, 16), (16, 40), (40, 5), (40, 33)):
            lines.append(c_bytes("prf_%s_in%d_out%d" % (tag, ln, out_len), prf(v, key16, msg[:ln], out_len)))
    with open(outdir + "/simon_modes_vectors.h", "w") as fh:
        fh.write(header(lines))

    lines = ["static const struct {", "\tuint16_t msg;", "\tuint64_t cw;", "} bch_kat[] = {"]
    for mm in (0x0000, 0x0001, 0x8000, 0xFFFF, 0x1234, 0xA5C3, 0x5A5A):
        lines.append("\t{0x%04x, 0x%016xULL}," % (mm, bch_encode(mm)))
    lines.append("};")
    with open(outdir + "/bch63_vectors.h", "w") as fh:
        fh.write(header(lines))


if __name__ == "__main__":
    main()
