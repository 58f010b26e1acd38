# Shared part of the Debian cross toolchain files (linux-ARCH.cmake set HWGUARD_CROSS_TRIPLET,
# HWGUARD_CROSS_PROCESSOR and HWGUARD_CROSS_QEMU, then include this file).
#
# Compiler: Debian's gcc-TRIPLET. Target libraries (OpenSSL, SQLite, cmocka, libc) come from one of:
#   - a sysroot: the target's Debian packages unpacked into a directory (scripts/cross.sh makes one),
#     given as -DHWGUARD_SYSROOT=DIR or the environment variable HWGUARD_SYSROOT;
#   - multiarch packages installed on this machine (libssl-dev:ARCH ...), when no sysroot is given.
# Tests run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so `ctest -L unit` works without
# binfmt_misc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${HWGUARD_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${HWGUARD_CROSS_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${HWGUARD_CROSS_TRIPLET})

# By absolute path: tests run programs through launcher scripts, sometimes with a PATH of their own.
find_program(HWGUARD_QEMU_PATH ${HWGUARD_CROSS_QEMU})
if(HWGUARD_QEMU_PATH)
  set(HWGUARD_CROSS_QEMU ${HWGUARD_QEMU_PATH})
endif()

if(NOT HWGUARD_SYSROOT AND DEFINED ENV{HWGUARD_SYSROOT})
  set(HWGUARD_SYSROOT $ENV{HWGUARD_SYSROOT})
endif()
# try_compile projects inherit these, so the sysroot reaches them too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HWGUARD_SYSROOT)

if(HWGUARD_SYSROOT)
  get_filename_component(HWGUARD_SYSROOT "${HWGUARD_SYSROOT}" ABSOLUTE)
  set(CMAKE_SYSROOT ${HWGUARD_SYSROOT})
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${HWGUARD_SYSROOT})
  set(_hwg_pc_root ${HWGUARD_SYSROOT})
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HWGUARD_CROSS_QEMU} -L ${HWGUARD_SYSROOT})
else()
  set(_hwg_pc_root "")
  # multiarch: the target's dynamic loader and libraries are in this machine's /lib and /usr/lib
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HWGUARD_CROSS_QEMU})
endif()
# Only the target's .pc files: never the build machine's.
set(ENV{PKG_CONFIG_LIBDIR}
    "${_hwg_pc_root}/usr/lib/${HWGUARD_CROSS_TRIPLET}/pkgconfig:${_hwg_pc_root}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
