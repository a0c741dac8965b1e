# Install time (from cmake/install.cmake): the example config, unless a config is there
# already: a plain `cmake --install` must never replace the admin's file. (The .deb marks
# it a conffile instead, and dpkg asks on upgrade.)
set(config "${STREAMBRIDGE_CONFIG_DIR}/streambridge.toml")
if(EXISTS "$ENV{DESTDIR}${config}")
  message(STATUS "Kept: $ENV{DESTDIR}${config} (exists; the new example is in the docs' examples/)")
else()
  file(INSTALL DESTINATION "${STREAMBRIDGE_CONFIG_DIR}" TYPE FILE
       FILES "${STREAMBRIDGE_SOURCE_DIR}/config/streambridge.toml")
endif()
