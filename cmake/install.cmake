# What `cmake --install` puts where (docs/install.md):
#   bin/                 hwguard, hwguard-key, pufauth, se050-emu
#   share/man/man{1,8}/  their manual pages (docs/man/), gzipped
#   lib/systemd/system/  hwguard@.service, pufauth-server.service
#   lib/sysusers.d/, lib/tmpfiles.d/   the pufauth user and its state directory
#   share/doc/hwguard/   README.md and docs/*.md
#   /etc/hwguard/        (empty) per-interface environment files for hwguard@.service
# The units and manual pages name installed paths, so they are written at install time, from the
# prefix the install runs with: `cmake --install build --prefix /usr` gives /usr/bin/... in them.
include(GNUInstallDirs)

set(HWGUARD_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING
    "Where systemd units go, relative to the install prefix")
set(HWGUARD_ETC_DIR /etc CACHE PATH "The system configuration directory (hwguard@.service reads HWGUARD_ETC_DIR/hwguard/)")

install(TARGETS hwguard hwguard-key pufauth se050-emu RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(HWGUARD_INSTALL_GEN ${CMAKE_BINARY_DIR}/install-gen)
set(HWGUARD_MAN_PAGES hwguard.8 hwguard-key.8 pufauth.1 se050-emu.1)
set(HWGUARD_UNITS hwguard@.service pufauth-server.service)

# Runs at install time: fills in the paths, gzips the manual pages (as Debian policy wants; with
# -n, so the same source gives the same bytes).
install(CODE "
  set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
  set(HWGUARD_BINDIR \"\${prefix}/${CMAKE_INSTALL_BINDIR}\")
  set(HWGUARD_SYSCONFDIR \"${HWGUARD_ETC_DIR}\")
  set(SYSTEMD_UNIT_DIR \"\${prefix}/${HWGUARD_SYSTEMD_UNIT_DIR}\")
  set(DOC_DIR \"\${prefix}/${CMAKE_INSTALL_DOCDIR}\")
  set(PROJECT_VERSION \"${PROJECT_VERSION}\")
  file(MAKE_DIRECTORY \"${HWGUARD_INSTALL_GEN}\")
  foreach(unit ${HWGUARD_UNITS})
    configure_file(\"${PROJECT_SOURCE_DIR}/packaging/systemd/\${unit}.in\"
                   \"${HWGUARD_INSTALL_GEN}/\${unit}\" @ONLY)
  endforeach()
  foreach(page ${HWGUARD_MAN_PAGES})
    configure_file(\"${PROJECT_SOURCE_DIR}/docs/man/\${page}\" \"${HWGUARD_INSTALL_GEN}/\${page}\" @ONLY)
    execute_process(COMMAND gzip -9nf \"${HWGUARD_INSTALL_GEN}/\${page}\" RESULT_VARIABLE rc)
    if(rc)
      message(FATAL_ERROR \"gzip \${page}: \${rc}\")
    endif()
  endforeach()
")
foreach(page ${HWGUARD_MAN_PAGES})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${HWGUARD_INSTALL_GEN}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
foreach(unit ${HWGUARD_UNITS})
  install(FILES ${HWGUARD_INSTALL_GEN}/${unit} DESTINATION ${HWGUARD_SYSTEMD_UNIT_DIR})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sysusers.d/hwguard.conf DESTINATION lib/sysusers.d)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/tmpfiles.d/hwguard.conf DESTINATION lib/tmpfiles.d)
install(DIRECTORY DESTINATION ${HWGUARD_ETC_DIR}/hwguard)

file(GLOB HWGUARD_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${HWGUARD_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})
