# CMake toolchain file: streambridged.exe for 64-bit Windows, cross-compiled on Debian 12 with
# mingw-w64 (g++-mingw-w64-x86-64-posix: POSIX threads, for std::thread and std::mutex).
# scripts/build-windows.sh uses it with -DSTREAMBRIDGE_WIN_DEPS=<prefix of scripts/windows-deps.sh>;
# cmake/mingw_deps.cmake makes the dependency targets.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_AR x86_64-w64-mingw32-ar CACHE FILEPATH "")
set(CMAKE_RANLIB x86_64-w64-mingw32-ranlib CACHE FILEPATH "")
# Only mingw-w64's own tree is searched: never the build machine's /usr/include or libraries.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# One self-contained .exe: libstdc++, libgcc and winpthread linked in (no DLLs beside it), stripped.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++ -s")
set(STREAMBRIDGE_MINGW ON CACHE BOOL "Cross-compiling with mingw-w64 (cmake/mingw_deps.cmake)")
