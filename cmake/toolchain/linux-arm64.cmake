# Cross build for Debian arm64: Raspberry Pi 3/4/5 and other ARMv8 boards running a 64-bit OS.
#   cmake -S . -B build-cross/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain/linux-arm64.cmake \
#         -DHWGUARD_SYSROOT=build-cross/sysroot-arm64
# Needs gcc-aarch64-linux-gnu and qemu-user-static (scripts/cross.sh does all of it).
set(HWGUARD_CROSS_TRIPLET aarch64-linux-gnu)
set(HWGUARD_CROSS_PROCESSOR aarch64)
set(HWGUARD_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
