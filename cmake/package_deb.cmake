# The .deb: `cpack -G DEB` in the build dir (or scripts/package.sh) packs what cmake/install.cmake
# installs, with the prefix /usr. Runtime dependencies come from dpkg-shlibdeps, not from a list.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME streambridge)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(STREAMBRIDGE_DEB_MAINTAINER "streambridge maintainers <maintainers@users.noreply.r-seed-146e73e5.example>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT "${STREAMBRIDGE_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "stream alerts (StreamElements, Velora) for overlays and bots")
# The long description lintian wants; CPack puts the summary above it and indents it.
set(CPACK_PACKAGE_DESCRIPTION "streambridged keeps live connections to stream-event services
(StreamElements, Velora), turns every upstream message into one normalized
event, drops duplicates, and republishes the events to local programs: OBS
browser sources and overlays over WebSocket and Server-Sent Events, bots over
UDP, other machines over MQTT.

It runs as a sandboxed systemd service (DynamicUser, no capabilities),
configured by /etc/streambridge/streambridge.toml.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

# Debian paths: /usr, the unit in /lib/systemd/system, the config in /etc. DESTDIR staging
# keeps the prefix /usr at install time (the unit's ExecStart is computed from it) and lets
# the absolute /etc and /lib paths land in the package, not on this machine.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)  # the prefix CPack installs with when it stages by DESTDIR
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not a library: the maintainer scripts start and stop the unit with deb-systemd-invoke.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.52)")

# Maintainer scripts and the conffile list, with the modes dpkg and lintian expect.
set(deb_control "${PROJECT_BINARY_DIR}/debian-control")
configure_file("${PROJECT_SOURCE_DIR}/cmake/debian/conffiles.in" "${deb_control}/conffiles" @ONLY)
foreach(script postinst prerm postrm)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/debian/${script}" "${deb_control}/${script}" COPYONLY)
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${deb_control}/conffiles;${deb_control}/postinst;${deb_control}/prerm;${deb_control}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

# /usr/share/doc/streambridge/{copyright,changelog.Debian.gz}, which every .deb carries.
configure_file("${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in" "${deb_control}/changelog.Debian" @ONLY)
add_custom_command(OUTPUT "${deb_control}/changelog.Debian.gz"
  COMMAND gzip -9nkf "${deb_control}/changelog.Debian"
  DEPENDS "${deb_control}/changelog.Debian" VERBATIM)
add_custom_target(deb_changelog ALL DEPENDS "${deb_control}/changelog.Debian.gz")
install(FILES "${PROJECT_SOURCE_DIR}/cmake/debian/copyright" "${deb_control}/changelog.Debian.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")

include(CPack)
