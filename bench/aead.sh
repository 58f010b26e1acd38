#!/bin/sh
# Per-packet CPU cost of hwguard's ChaCha20-Poly1305 against OpenSSL's ChaCha20-Poly1305 cipher, in
# one process (tests/crypto/aead_bench.c, thread CPU time), for a full transport packet (1,420
# bytes: wg-quick's MTU) and a TCP ACK (64 bytes once padded), and the ratio.
#
# usage: bench/aead.sh [BUILD_DIR] [PACKETS] [ROUNDS]     (default: build, 200000, 7)
set -eu
B=${1:-build} packets=${2:-200000} rounds=${3:-7}
D="$B/tests/crypto_aead_bench"
[ -x "$D" ] || { echo "no $D: build the target crypto_aead_bench first" >&2; exit 1; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for len in 1420 64; do
	"$D" "$len" "$packets" "$rounds"
done
