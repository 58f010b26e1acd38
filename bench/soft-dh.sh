#!/bin/bash
# Instruction cost (callgrind) of a software key's static Diffie-Hellman through the provider, which
# loads the key into OpenSSL per exchange so that no copy outlives it outside MADV_DONTDUMP pages
# (docs/daemon.md "Keys in memory"), against the same exchanges with the key loaded once (the
# provider's former way), in one invocation. Prints instructions per exchange and the ratio.
# Usage: bench/soft-dh.sh [BUILD_DIR] [N]   (default build, 200). Needs gcc, valgrind, a build.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build} n=${2:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libs=("$build/src/keys/libhwg_keys.a" "$build/src/se050/libhwg_se050.a"
	"$build/src/crypto/libhwg_crypto.a")
for l in "$build"/src/crypto/portable/*.a; do libs+=("$l"); done
gcc -O2 -D_GNU_SOURCE -I"$root/src" -o "$tmp/soft_dh" "$root/bench/soft_dh.c" "${libs[@]}" -lcrypto
count()
{
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" "$tmp/soft_dh" "$1" "$2" 2>&1 |
		sed -n 's/.*refs: *//p' | tr -d ,
}
# The program's fixed cost (start, one key load) cancels out between N and 2N exchanges.
per_exchange()
{
	local a b
	a=$(count "$1" "$n")
	b=$(count "$1" $((2 * n)))
	echo $(((b - a) / n))
}
provider=$(per_exchange provider)
loaded=$(per_exchange loaded)
awk -v p="$provider" -v l="$loaded" \
	'BEGIN { printf "instructions per exchange: provider %d, key loaded once %d, ratio %.2f\n", p, l, p / l }'
