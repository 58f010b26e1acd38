#!/usr/bin/env bash
# Installs the Debian packages hwguard needs to build, test, package, cross-build and demo: every
# command that scripts/, tests/, bench/ and firmware/ call (docs/install.md lists them by use).
# Idempotent: installs only what is missing. Needs root (apt-get); as non-root it only reports what
# is missing. Also enables the foreign architectures whose packages scripts/cross.sh unpacks into
# its sysroots (dpkg --add-architecture; nothing of theirs is installed on this machine).
set -euo pipefail

packages=(
	# build (scripts/test.sh, scripts/demo.sh)
	build-essential cmake pkg-config git
	libssl-dev libsqlite3-dev libcmocka-dev
	# pufauth server store shared by several servers; its tests start a private PostgreSQL server
	libpq-dev postgresql
	# libFuzzer and sanitizer builds (clang), formatting check (clang-format)
	clang libclang-rt-14-dev clang-format
	# device-side cross build (firmware/image.sh, firmware/size.sh and the firmware_image test)
	gcc-arm-none-eabi libnewlib-arm-none-eabi
	# the device image run on an emulated nRF51 (firmware/qemu-auth.sh, tests/firmware)
	qemu-system-arm
	# cross builds and their tests under qemu-user (scripts/cross.sh)
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-s390x-linux-gnu qemu-user-static
	# real peers and network tools for interop tests, benchmarks and the demo: wg and wg-quick,
	# wireguard-go, ip and ss, iptables-restore for wg-quick's full tunnel, ping, sysctl and ps
	wireguard-go wireguard-tools iproute2 iptables iputils-ping iperf3 procps
	# test helpers (tests/interop/lib.sh, tests/se050), analysis and plots (bench/, pufauth analyze),
	# and the independent models that generate test vectors (tests/wg/kat_handshake.py)
	python3 python3-cryptography valgrind gnuplot-nox
	# the Debian package and its test (cpack: dpkg-shlibdeps, file; the units: systemd-analyze,
	# systemd-sysusers; the manual pages: man --warnings)
	dpkg-dev file systemd man-db
	# a second, independent parser of the Prometheus text format (tests/interop/metrics.sh)
	python3-prometheus-client
)
# scripts/cross.sh downloads these architectures' libraries: apt needs their package lists.
foreign_architectures=(arm64 armhf s390x)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
missing_arches=()
for a in "${foreign_architectures[@]}"; do
	dpkg --print-foreign-architectures | grep -qx "$a" || missing_arches+=("$a")
done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_arches[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	[ ${#missing[@]} -eq 0 ] || echo "hwguard: missing packages: ${missing[*]}" >&2
	[ ${#missing_arches[@]} -eq 0 ] || echo "hwguard: architectures not enabled: ${missing_arches[*]}" >&2
	echo "hwguard: run scripts/deps.sh as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
for a in "${missing_arches[@]}"; do
	echo "hwguard: enabling architecture $a (package lists only, for scripts/cross.sh)"
	dpkg --add-architecture "$a"
done
# Others may hold the lock (unattended upgrades, a second test run): wait for it.
apt_get() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }
apt_get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "hwguard: installing ${missing[*]}"
	# --no-install-recommends: wireguard-tools would otherwise pull in a kernel image.
	apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
