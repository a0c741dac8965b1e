# The dependency targets of the mingw-w64 build (cmake/mingw-w64.cmake), under the names the
# Linux build gets from find_package, so lib/ and daemon/ link the same way:
#   - OpenSSL, simdjson, libmosquitto: the static Windows builds of scripts/windows-deps.sh
#     (STREAMBRIDGE_WIN_DEPS, its prefix), from Debian's source packages;
#   - Boost (Asio, Beast, URL), fmt, spdlog, toml++: Debian's headers, header-only (fmt and
#     spdlog in their header-only modes; Boost.URL from <boost/url/src.hpp> in one TU).
# Only these header trees are visible (symlinked into <build>/win-include), never glibc's
# /usr/include.
if(NOT STREAMBRIDGE_WIN_DEPS OR NOT EXISTS "${STREAMBRIDGE_WIN_DEPS}/.complete")
  message(FATAL_ERROR "STREAMBRIDGE_WIN_DEPS must name the prefix scripts/windows-deps.sh printed")
endif()
set(win_include "${CMAKE_BINARY_DIR}/win-include")
file(MAKE_DIRECTORY "${win_include}")
foreach(tree boost fmt spdlog toml++)
  if(NOT EXISTS "/usr/include/${tree}")
    message(FATAL_ERROR "/usr/include/${tree} not found: scripts/deps.sh installs Debian's headers")
  endif()
  file(CREATE_LINK "/usr/include/${tree}" "${win_include}/${tree}" SYMBOLIC)
endforeach()
set(win_deps "${STREAMBRIDGE_WIN_DEPS}")

add_library(Boost::boost INTERFACE IMPORTED)
target_include_directories(Boost::boost SYSTEM INTERFACE "${win_include}")
target_compile_definitions(Boost::boost INTERFACE BOOST_ALL_NO_LIB)
add_library(streambridge_boost_url STATIC "${PROJECT_SOURCE_DIR}/cmake/mingw/boost_url_src.cpp")
target_link_libraries(streambridge_boost_url PUBLIC Boost::boost)
add_library(Boost::url ALIAS streambridge_boost_url)

add_library(fmt::fmt INTERFACE IMPORTED)
target_include_directories(fmt::fmt SYSTEM INTERFACE "${win_include}")
target_compile_definitions(fmt::fmt INTERFACE FMT_HEADER_ONLY)
add_library(spdlog::spdlog INTERFACE IMPORTED)
target_compile_definitions(spdlog::spdlog INTERFACE SPDLOG_FMT_EXTERNAL)  # header-only: no SPDLOG_COMPILED_LIB
target_link_libraries(spdlog::spdlog INTERFACE fmt::fmt)
add_library(tomlplusplus::tomlplusplus INTERFACE IMPORTED)
target_include_directories(tomlplusplus::tomlplusplus SYSTEM INTERFACE "${win_include}")

add_library(OpenSSL::Crypto STATIC IMPORTED)
set_target_properties(OpenSSL::Crypto PROPERTIES IMPORTED_LOCATION "${win_deps}/lib/libcrypto.a"
  INTERFACE_INCLUDE_DIRECTORIES "${win_deps}/include" INTERFACE_LINK_LIBRARIES "ws2_32;crypt32;user32;advapi32")
add_library(OpenSSL::SSL STATIC IMPORTED)
set_target_properties(OpenSSL::SSL PROPERTIES IMPORTED_LOCATION "${win_deps}/lib/libssl.a"
  INTERFACE_INCLUDE_DIRECTORIES "${win_deps}/include" INTERFACE_LINK_LIBRARIES OpenSSL::Crypto)
add_library(simdjson::simdjson STATIC IMPORTED)
set_target_properties(simdjson::simdjson PROPERTIES IMPORTED_LOCATION "${win_deps}/lib/libsimdjson.a"
  INTERFACE_INCLUDE_DIRECTORIES "${win_deps}/include")
add_library(PkgConfig::mosquitto STATIC IMPORTED)
set_target_properties(PkgConfig::mosquitto PROPERTIES IMPORTED_LOCATION "${win_deps}/lib/libmosquitto_static.a"
  INTERFACE_INCLUDE_DIRECTORIES "${win_deps}/include" INTERFACE_COMPILE_DEFINITIONS LIBMOSQUITTO_STATIC
  INTERFACE_LINK_LIBRARIES "OpenSSL::SSL;ws2_32")
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

# Debian's libjs-jquery, outside the find root.
if(NOT JQUERY_JS AND EXISTS /usr/share/javascript/jquery/jquery.min.js)
  set(JQUERY_JS /usr/share/javascript/jquery/jquery.min.js CACHE FILEPATH "jQuery, compiled in")
endif()
