# Cross build for Debian armhf: 32-bit ARMv7 with hardware floating point (Raspberry Pi OS 32-bit, many routers).
#   cmake -S . -B build-cross/armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain/linux-armhf.cmake \
#         -DHWGUARD_SYSROOT=build-cross/sysroot-armhf
# Needs gcc-arm-linux-gnueabihf and qemu-user-static (scripts/cross.sh does all of it).
set(HWGUARD_CROSS_TRIPLET arm-linux-gnueabihf)
set(HWGUARD_CROSS_PROCESSOR arm)
set(HWGUARD_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
