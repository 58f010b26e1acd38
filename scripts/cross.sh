#!/usr/bin/env bash
# Cross-builds hwguard for other Debian architectures and runs its unit tests under qemu-user:
#   build-cross/sysroot-ARCH/   the target's libraries (libc, OpenSSL, SQLite, libpq, cmocka): its Debian
#                               packages, downloaded with apt-get and unpacked (no multiarch install)
#   build-cross/ARCH/           Release build with cmake/toolchain/linux-ARCH.cmake: the four programs
#                               and the unit tests (the CMake target unit_tests), or with --all
#                               everything (benchmarks, interop helpers)
# ARCH: arm64, armhf, s390x (big-endian). Default: all three.
# Options: --no-test (build only), --all (build every target), -j N (parallel jobs; default nproc).
# Needs gcc-TRIPLET and qemu-user-static (scripts/deps.sh installs them) and the target's package
# lists (deps.sh adds the architectures with dpkg --add-architecture). Prints one line per
# architecture and exits 1 if any build or test failed.
set -euo pipefail
cd "$(dirname "$0")/.."

test=1 all=0 jobs=$(nproc) arches=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-test) test=0 ;;
	--all) all=1 ;;
	-j) jobs=$2; shift ;;
	-h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	arm64 | armhf | s390x) arches+=("$1") ;;
	*) echo "cross.sh: unknown option or architecture '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ ${#arches[@]} -gt 0 ] || arches=(arm64 armhf s390x)

# The target packages a build and its tests need, with everything they depend on. Downloading them
# into a sysroot instead of installing them multiarch keeps the build machine's packages out of it:
# Multi-Arch "same" packages must have the same version on every architecture, and Debian 12's
# security archive carries no s390x, so libssl-dev:s390x could never be installed next to an
# updated libssl-dev:amd64.
sysroot_roots=(libc6-dev linux-libc-dev libgcc-s1 libssl-dev libsqlite3-dev libcmocka-dev libpq-dev)

# sysroot ARCH: (re)creates build-cross/sysroot-ARCH unless it already holds these package versions.
sysroot()
{
	local arch=$1 dir=build-cross/sysroot-$1 pkgs want p
	# the dependency closure, on this architecture only
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "${sysroot_roots[@]/%/:$arch}" 2>/dev/null |
		grep -E "^[a-z0-9.+-]+:$arch\$" | sort -u || true)
	if [ -z "$pkgs" ]; then
		echo "cross.sh: no $arch packages in the package lists; as root: dpkg --add-architecture $arch && apt-get update (scripts/deps.sh does it)" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # one word per package
	want=$(apt-get download --print-uris $pkgs | awk '{print $2}' | sort)
	if [ -f "$dir/.packages" ] && [ "$(cat "$dir/.packages")" = "$want" ]; then
		return 0
	fi
	rm -rf "$dir" "$dir.debs"
	mkdir -p "$dir.debs"
	# shellcheck disable=SC2086
	(cd "$dir.debs" && apt-get -q -o APT::Sandbox::User=root download $pkgs >/dev/null) || {
		echo "cross.sh: downloading the $arch packages failed" >&2
		return 1
	}
	mkdir -p "$dir"
	for p in "$dir.debs"/*.deb; do
		dpkg-deb -x "$p" "$dir"
	done
	rm -rf "$dir.debs"
	echo "$want" >"$dir/.packages"
}

triplet_of()
{
	case "$1" in
	arm64) echo aarch64-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	s390x) echo s390x-linux-gnu ;;
	esac
}

# build ARCH: configures and builds build-cross/ARCH (Release; no sanitizers or fuzzers).
build()
{
	local arch=$1 triplet
	triplet=$(triplet_of "$arch")
	command -v "$triplet-gcc" >/dev/null || {
		echo "cross.sh: $triplet-gcc not found (Debian package gcc-$triplet; scripts/deps.sh)" >&2
		return 1
	}
	sysroot "$arch" || return 1
	cmake -S . -B "build-cross/$arch" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain/linux-$arch.cmake" \
		-DHWGUARD_SYSROOT="$PWD/build-cross/sysroot-$arch" >"build-cross/$arch.configure.log" 2>&1 || {
		cat "build-cross/$arch.configure.log" >&2
		return 1
	}
	if [ $all -eq 1 ]; then
		cmake --build "build-cross/$arch" -j"$jobs"
	else
		cmake --build "build-cross/$arch" -j"$jobs" --target hwguard hwguard-key pufauth se050-emu unit_tests
	fi
}

# The tests a cross build runs: the unit tests (no network namespaces; the integration tests are
# heavy under emulation and exercise the same code through the programs). firmware_image links the
# Cortex-M image with the build machine's arm-none-eabi-gcc, the same for every target, so the
# native build's run is enough. `ctest --test-dir build-cross/ARCH -LE 'interop|bench'` runs the
# integration tests too (script tests reach the programs through build-cross/ARCH/emulated/bin).

# unit_tests ARCH: the unit tests under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR).
#
# On a big-endian guest (s390x) qemu-user passes the UDP_SEGMENT control message to the x86 kernel
# without converting its byte order, so the kernel sends a GSO batch as one datagram and
# test_daemon_udp_batch's segment checks fail under the emulator only (arm64 and armhf, little
# endian, pass them). The daemon's byte-order-sensitive code is covered there by the other tests.
unit_tests()
{
	local exclude='^firmware_image$'
	[ "$1" != s390x ] || exclude='^(firmware_image|test_daemon_udp_batch)$'
	ctest --test-dir "build-cross/$1" -L unit -E "$exclude" --output-on-failure --no-tests=error -j"$jobs"
}

mkdir -p build-cross
status=0 results=()
for arch in "${arches[@]}"; do
	echo "== cross build: $arch"
	start=$SECONDS
	if ! build "$arch"; then
		results+=("$arch: build FAILED")
		status=1
		continue
	fi
	if [ $test -eq 1 ]; then
		if unit_tests "$arch"; then
			results+=("$arch: built and unit tests passed under qemu ($((SECONDS - start)) s)")
		else
			results+=("$arch: unit tests FAILED under qemu")
			status=1
		fi
	else
		results+=("$arch: built ($((SECONDS - start)) s)")
	fi
done
printf 'cross.sh: %s\n' "${results[@]}"
exit $status
