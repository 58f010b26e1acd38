#!/usr/bin/env bash
# Installs the Debian packages hwguard needs to build, test and demo. Idempotent: installs only what
# is missing. Needs root (apt-get); as non-root it only reports what is missing.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libssl-dev libsqlite3-dev libcmocka-dev
	# pufauth server store shared by several servers; its tests start a private PostgreSQL server
	libpq-dev postgresql
	# device-side cross build (firmware/size.sh and its test)
	gcc-arm-none-eabi libnewlib-arm-none-eabi
	# the device image run on an emulated nRF51 (firmware/qemu-auth.sh, tests/firmware)
	qemu-system-arm
	# real peers and network tools for interop tests, benchmarks and the demo
	wireguard-go wireguard-tools iproute2 iptables iputils-ping iperf3 procps
	# analysis and plots
	python3 valgrind gnuplot-nox
	# a second, independent parser of the Prometheus text format (tests/interop/metrics.sh)
	python3-prometheus-client
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "hwguard: missing packages: ${missing[*]}" >&2
	echo "hwguard: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "hwguard: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: wireguard-tools would otherwise pull in a kernel image.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
