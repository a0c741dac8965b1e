# Install time (from cmake/install.cmake): writes the systemd unit with the paths of this
# install. CMAKE_INSTALL_PREFIX is the final prefix here; DESTDIR (CPack's staging) is added
# by file(INSTALL).
function(streambridge_absolute out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

streambridge_absolute(STREAMBRIDGE_SBIN_DIR "${STREAMBRIDGE_SBINDIR}")
streambridge_absolute(STREAMBRIDGE_DOC_DIR "${STREAMBRIDGE_DOCDIR}")
set(unit_dir "${STREAMBRIDGE_SYSTEMD_UNIT_DIR}")
if(unit_dir STREQUAL "")
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(unit_dir "/lib/systemd/system")
  else()
    set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  endif()
endif()

set(unit "${STREAMBRIDGE_BINARY_DIR}/systemd/streambridged.service")
configure_file("${STREAMBRIDGE_SOURCE_DIR}/systemd/streambridged.service.in" "${unit}" @ONLY)
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${unit}")
