#!/bin/bash
# Per-packet CPU cost of hwguard's ChaCha20-Poly1305 against OpenSSL's ChaCha20-Poly1305 cipher, in
# one process (bench/aead.c), for a full transport packet (1,420 bytes: wg-quick's MTU) and a
# TCP ACK (64 bytes once padded), and the ratio.
# Usage: bench/aead.sh [BUILD_DIR] [PACKETS] [ROUNDS]   (default build, 200000, 7). Needs gcc, a build.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build} packets=${2:-200000} rounds=${3:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libs=("$build/src/crypto/libhwg_crypto.a")
for l in "$build"/src/crypto/portable/*.a; do libs+=("$l"); done
gcc -O2 -I"$root/src" -o "$tmp/aead" "$root/bench/aead.c" "${libs[@]}" -lcrypto -lpthread
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for len in 1420 64; do
	"$tmp/aead" "$len" "$packets" "$rounds"
done
