#!/bin/sh
# Device-side cost of the PUF authentication protocol per step, in instructions counted by
# valgrind --tool=callgrind on the host build (x86-64), at 128- and 64-bit security. The driver
# (tests/pufserver/device_steps.c) runs one enrolment and one authentication with a PUF source
# that costs almost nothing, so the inclusive counts below are the protocol's own work.
# Also prints the server's per-candidate costs: the full stage (device_steps), and the quick stage
# over a small fleet (tests/pufserver/search_steps.c: 20,000 entries, 2 scans) for each lane kernel
# valgrind runs (it has no AVX-512: bench/pufauth-quick.sh times that one), with 1 and 8 requests
# sharing a scan.
#
# usage: bench/pufauth-device.sh [BUILD_DIR]     (default: build; needs valgrind)
set -eu
B=${1:-build}
D="$B/tests/pufproto_device_steps"
S="$B/tests/pufserver_search_steps"
[ -x "$D" ] || { echo "no $D: build the target pufproto_device_steps first" >&2; exit 1; }
[ -x "$S" ] || { echo "no $S: build the target pufserver_search_steps first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "needs valgrind: install the Debian package valgrind (scripts/deps.sh)" >&2; exit 1; }
T=$(mktemp -d /tmp/pufauth-device-XXXXXX)
trap 'rm -rf "$T"' EXIT

# inclusive instruction count of one function, as callgrind_annotate reports it
count() {
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
		awk -v f=":$2 " '{ line = $0 " " } index(line, f) && $1 ~ /^[0-9,]+$/ \
			{ gsub(",", "", $1); print $1; exit }'
}

# One callgrind run per (security, scope): counting only inside the scope's function keeps a
# helper that device and server share (the PRF, the SKE) from being summed over both sides.
for bits in 128 64; do
	for scope in pufproto_device_begin pufproto_device_finish pufproto_candidate_full; do
		valgrind --tool=callgrind --toggle-collect="$scope" \
			--callgrind-out-file="$T/cg.$bits.$scope" "$D" "$bits" >"$T/info.$bits" 2>/dev/null
	done
done
row() {
	a=$(count "$T/cg.128.$2" "$3"); b=$(count "$T/cg.64.$2" "$3")
	printf '%-46s %12s %12s\n' "$1" "${a:--}" "${b:--}"
}
printf '%-46s %12s %12s\n' "step (instructions, x86-64, host build)" "lambda=128" "lambda=64"
dev=pufproto_device_begin
row "device: RESPONSE (pufproto_device_begin)" $dev $dev
row "  z' and z2 PUF readings (stand-in source)" $dev pufproto_read_reference
row "  FE.Gen (2-layer BCH sketch + extractor)" $dev fe_gen
row "  (t1..t5) = PRF(r, n_S || n_D)" $dev pufproto_derive
row "  c = SKE.Enc(sk, hd)" $dev ske_encrypt
row "  v1 = PRF(t3, c || n_D || t1 || u)" $dev pufproto_mac
row "  message encoding" $dev pufproto_encode_response
row "device: CONFIRM check (pufproto_device_finish)" pufproto_device_finish pufproto_device_finish
row "server: full stage, per surviving candidate" pufproto_candidate_full pufproto_candidate_full
row "  FE.Rec" pufproto_candidate_full fe_rec
row "  (t1..t5) = PRF(r, n_S || n_D)" pufproto_candidate_full pufproto_derive
row "  v1 check" pufproto_candidate_full pufproto_mac
cat "$T/info.128" "$T/info.64"

# quick stage: inclusive simon_batch_filter over ENTRIES x SCANS candidates (lambda = 128)
ENTRIES=20000 SCANS=2
echo
printf '%-46s %12s %12s\n' "server quick stage (instructions, lambda=128)" "per cand." "per request"
for kernel in scalar vec128 avx2; do
	for batch in 1 8; do
		valgrind --tool=callgrind --toggle-collect=simon_batch_filter \
			--callgrind-out-file="$T/q.$kernel.$batch" "$S" $ENTRIES $SCANS $batch $kernel \
			>/dev/null 2>&1 || { echo "$kernel: not run"; continue; }
		n=$(callgrind_annotate "$T/q.$kernel.$batch" 2>/dev/null |
			awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
		printf '%-46s %12s %12s\n' "  $kernel, $batch request(s) per scan" \
			$((n / (ENTRIES * SCANS))) $((n / (ENTRIES * SCANS * batch)))
	done
done
