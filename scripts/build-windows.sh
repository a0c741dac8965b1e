#!/usr/bin/env bash
# Cross-compiles streambridged.exe (64-bit Windows, static, no DLLs of ours) on Debian 12:
# scripts/windows-deps.sh (OpenSSL, simdjson, libmosquitto from Debian's sources, cached), then a
# Ninja build in build-win/exe with cmake/mingw-w64.cmake and ccache, niced, 2 jobs at most.
# Prints the path of the .exe last. Usage: scripts/build-windows.sh [-j JOBS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs=${STREAMBRIDGE_JOBS:-2}
while (($#)); do
  case "$1" in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    *) echo "build-windows: unknown argument $1" >&2; exit 2 ;;
  esac
done
prefix="$("$here/scripts/windows-deps.sh" -j "$jobs" | tail -n 1)"
build_dir="$here/build-win/exe"
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
start=$SECONDS
nice -n 10 cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$here/cmake/mingw-w64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DSTREAMBRIDGE_WIN_DEPS="$prefix" >"$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log" >&2; exit 1; }
nice -n 10 cmake --build "$build_dir" -j "$jobs" --target streambridged >&2
exe="$build_dir/daemon/streambridged.exe"
echo "build-windows: $(file -b "$exe" | cut -d, -f1-2), $(stat -c %s "$exe") bytes, $((SECONDS - start)) s" >&2
echo "$exe"
