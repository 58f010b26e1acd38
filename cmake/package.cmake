# The Debian package: `cpack -G DEB --config build/CPackConfig.cmake` (or `cd build && cpack`) turns
# the install rules (cmake/install.cmake) into build/hwguard_VERSION-1_ARCH.deb, installed under
# /usr. Library dependencies (libc6, libssl3, libsqlite3-0) come from dpkg-shlibdeps; the tools the
# programs drive are listed here. docs/install.md has the whole procedure. A cross build's
# `cpack` makes the board's package (hwguard_VERSION-1_arm64.deb ...).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hwguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "hwguard")
set(CPACK_PACKAGE_CONTACT "hwguard maintainers <maintainers@users.noreply.r-seed-23a8091d.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "userspace WireGuard with keys in a secure element, and PUF authentication")
set(CPACK_PACKAGE_DESCRIPTION
    "hwguard is a userspace WireGuard daemon driven by the stock wg and wg-quick, whose static key\n\
can live in an NXP SE050 secure element (hwguard-key manages the keys; se050-emu emulates the\n\
chip). pufauth is a PUF-based, privacy-preserving mutual authentication protocol for very small\n\
devices, with its server on SQLite.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(CMAKE_CROSSCOMPILING)
  # A board's package from a cross build (scripts/cross.sh): dpkg-shlibdeps cannot see the target's
  # libraries (they are in the sysroot, not in this machine's dpkg database), so the dependencies
  # are the ones it computes for the native package.
  set(_hwg_deb_arch_of_aarch64-linux-gnu arm64)
  set(_hwg_deb_arch_of_arm-linux-gnueabihf armhf)
  set(_hwg_deb_arch_of_s390x-linux-gnu s390x)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${_hwg_deb_arch_of_${CMAKE_LIBRARY_ARCHITECTURE}})
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  set(_hwg_lib_depends ", libc6 (>= 2.34), libsqlite3-0 (>= 3.20.0), libssl3 (>= 3.0.0)")
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(_hwg_lib_depends "")
endif()
# wg and wg-quick drive the daemon; ip is what wg-quick and the daemon's users call.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "wireguard-tools, iproute2${_hwg_lib_depends}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnuplot-nox, wireguard-go")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
