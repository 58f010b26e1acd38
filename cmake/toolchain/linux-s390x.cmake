# Cross build for Debian s390x: big-endian (the byte-order check; Debian 12 has no big-endian MIPS).
#   cmake -S . -B build-cross/s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain/linux-s390x.cmake \
#         -DHWGUARD_SYSROOT=build-cross/sysroot-s390x
# Needs gcc-s390x-linux-gnu and qemu-user-static (scripts/cross.sh does all of it).
set(HWGUARD_CROSS_TRIPLET s390x-linux-gnu)
set(HWGUARD_CROSS_PROCESSOR s390x)
set(HWGUARD_CROSS_QEMU qemu-s390x-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
