# What `cmake --install` places, and where (README: "Debian package and install"). The .deb
# (cmake/package_deb.cmake) packs exactly this with the prefix /usr.
include(GNUInstallDirs)

# The daemon's compiled-in default is /etc/streambridge/streambridge.toml: the config stays
# there whatever the prefix, so the unit and a bare `streambridged` read the same file.
set(STREAMBRIDGE_CONFIG_DIR "/etc/streambridge" CACHE PATH "Where the config is installed")
# Empty: decided at install time from the prefix (/usr -> /lib/systemd/system, as Debian 12
# packages do; any other prefix P -> P/lib/systemd/system, which systemd also reads).
set(STREAMBRIDGE_SYSTEMD_UNIT_DIR "" CACHE PATH "Where the systemd unit is installed (empty: from the prefix)")

# A daemon started by systemd, documented in section 8: sbin, as Debian does for daemons.
install(TARGETS streambridged RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
# The daemon itself, which the static launcher above execs (daemon/launcher.cpp says why); the
# launcher looks for it at ../libexec/streambridge/ beside its own folder.
if(NOT WIN32)
  install(TARGETS streambridged_daemon RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/streambridge)
  # The launcher is static on purpose (no dynamic loader before it blocks the signals).
  install(FILES "${PROJECT_SOURCE_DIR}/cmake/debian/lintian-overrides"
          DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides" RENAME streambridge)
endif()

# Man pages, gzipped at build time as Debian wants them (-9 for lintian, -n: no timestamp, so
# the same source gives the same bytes).
set(man_pages daemon/streambridged.8 config/streambridge.toml.5 config/streambridge-api.7)
set(man_outputs)
foreach(page IN LISTS man_pages)
  get_filename_component(name "${page}" NAME)
  string(REGEX MATCH "[0-9]$" section "${name}")
  set(out "${PROJECT_BINARY_DIR}/man/${name}")
  add_custom_command(OUTPUT "${out}.gz"
    COMMAND ${CMAKE_COMMAND} -E copy "${PROJECT_SOURCE_DIR}/${page}" "${out}"
    COMMAND gzip -9nf "${out}"
    DEPENDS "${PROJECT_SOURCE_DIR}/${page}" VERBATIM)
  list(APPEND man_outputs "${out}.gz")
  install(FILES "${out}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
endforeach()
add_custom_target(man_pages ALL DEPENDS ${man_outputs})

install(FILES "${PROJECT_SOURCE_DIR}/config/event.schema.json"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/streambridge")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
# The pristine example, to compare with a kept /etc file after an upgrade.
install(FILES "${PROJECT_SOURCE_DIR}/config/streambridge.toml"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")

# The unit and the config are written by install-time scripts: the unit's paths must be the
# ones of this install (CPack installs with the prefix /usr, the build may be configured for
# /usr/local), and an existing config must never be overwritten.
install(CODE "
  set(STREAMBRIDGE_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(STREAMBRIDGE_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(STREAMBRIDGE_CONFIG_DIR \"${STREAMBRIDGE_CONFIG_DIR}\")
  set(STREAMBRIDGE_SYSTEMD_UNIT_DIR \"${STREAMBRIDGE_SYSTEMD_UNIT_DIR}\")
  set(STREAMBRIDGE_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  set(STREAMBRIDGE_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/install_unit.cmake\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/install_config.cmake\")
")
