#!/usr/bin/env bash
# Windows compile check: every translation unit of lib/ and daemon/ compiled for Windows with
# mingw-w64 (g++-mingw-w64-x86-64-posix) against Debian's headers, at -O0, with the warnings.
# Nothing is linked here: the linked exe is scripts/build-windows.sh (OpenSSL, simdjson and
# libmosquitto built for Windows from Debian's sources by scripts/windows-deps.sh).
#   - Object files (-c) for every TU that sees only portable headers: Boost, fmt, spdlog,
#     toml++, and the single-header simdjson.h, mosquitto.h and mqtt_protocol.h (the same headers
#     on every OS).
#   - -fsyntax-only for the TUs that see OpenSSL's headers (TLS, Beast's ssl streams): Debian's
#     opensslconf.h/configuration.h are generated for x86_64 Linux (e.g. BN_ULONG is 64-bit
#     `unsigned long`, 32-bit on Win64), so an object built against them would be wrong.
# Exits 1 when a TU fails to compile (its errors are printed). ccache makes reruns cheap.
# Usage: scripts/windows-check.sh [-j JOBS] [FILE...]   (default: 1 job, every TU)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
cxx=x86_64-w64-mingw32-g++-posix
out=build-win  # relative: ccache and the compiler see the same paths in every clone

if [[ "${1:-}" == --one ]]; then
  # One TU (run by xargs below): $2 = obj|syntax, $3 = the source file.
  mode=$2 src=$3
  log="$out/logs/${src//\//_}.log"
  start=$SECONDS
  # shellcheck disable=SC2054  # -Wa,-mbig-obj is one argument
  flags=(-std=c++20 -O0 -Wa,-mbig-obj -Wall -Wextra -Wpedantic
         -D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN -DNOMINMAX
         -DBOOST_ASIO_NO_DEPRECATED -DBOOST_BEAST_USE_STD_STRING_VIEW -DSPDLOG_FMT_EXTERNAL
         -DSTREAMBRIDGE_VERSION="\"$(sed -nE 's/^project\(streambridge VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)\""
         -Ilib -Idaemon -isystem "$out/include/portable")
  [[ $src == *web_assets.cpp ]] && flags+=(-Wno-overlength-strings)
  if [[ $mode == obj ]]; then
    obj="$out/obj/${src%.cpp}.o"
    mkdir -p "$(dirname "$obj")"
    cmd=(ccache "$cxx" "${flags[@]}" -c "$src" -o "$obj")
  else
    cmd=(ccache "$cxx" "${flags[@]}" -isystem "$out/include/linux" -fsyntax-only "$src")
  fi
  if "${cmd[@]}" >"$log" 2>&1; then
    printf 'windows-check: ok   %-6s %s (%d s)\n' "$mode" "$src" $((SECONDS - start))
  else
    printf 'windows-check: FAIL %-6s %s\n' "$mode" "$src"
    exit 1  # xargs reports it; the log is printed at the end
  fi
  exit 0
fi

jobs=1
files=()
while (($#)); do
  case "$1" in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    *) files+=("$1"); shift ;;
  esac
done
if ! command -v "$cxx" >/dev/null; then
  echo "windows-check: $cxx not found (scripts/deps.sh --with-windows installs g++-mingw-w64-x86-64-posix)" >&2
  exit 1
fi
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
mkdir -p "$out/logs" "$out/generated"

# Only these header trees are visible: glibc's /usr/include must not be (mingw has its own).
stage() {  # stage DIR TARGET...: symlinks DIR/<basename of TARGET> -> TARGET
  local dir=$1; shift
  mkdir -p "$dir"
  for t in "$@"; do ln -sfn "$t" "$dir/$(basename "$t")"; done
}
stage "$out/include/portable" /usr/include/boost /usr/include/fmt /usr/include/spdlog /usr/include/toml++ \
  /usr/include/simdjson.h /usr/include/mosquitto.h /usr/include/mqtt_protocol.h
# OpenSSL: the common headers plus Debian's Linux-generated configuration headers, in one tree.
stage "$out/include/linux/openssl" /usr/include/openssl/*.h /usr/include/x86_64-linux-gnu/openssl/*.h

# The two generated TUs, made as the CMake build makes them.
cmake -DFIXTURE_DIR="$here/lib/sources/fixtures" -DOUTPUT="$out/generated/fixtures.cpp" \
  -P cmake/embed_fixtures.cmake
cmake -DASSET_DIR="$here/lib/server/assets" -DEXTRA_ASSETS=jquery.min.js=/usr/share/javascript/jquery/jquery.min.js \
  -DOUTPUT="$out/generated/web_assets.cpp" -P cmake/embed_assets.cmake

# Does FILE see OpenSSL (directly or through the repository's own headers)?
declare -A seen
sees_openssl() {
  local f=$1 inc cand
  [[ -n ${seen[$f]:-} ]] && return 1
  seen[$f]=1
  grep -qE '^#include <(openssl/|boost/(asio|beast)/ssl)' "$f" && return 0
  for inc in $(sed -nE 's/^#include "([^"]+)".*/\1/p' "$f"); do
    for cand in "$(dirname "$f")/$inc" "lib/$inc" "daemon/$inc"; do
      if [[ -f $cand ]]; then
        sees_openssl "$cand" && return 0
        break
      fi
    done
  done
  return 1
}

if ((${#files[@]} == 0)); then
  mapfile -t files < <(find lib daemon -name '*.cpp' | sort)
  files+=("$out/generated/fixtures.cpp" "$out/generated/web_assets.cpp")
fi
list=()
objects=0 syntax=0
for f in "${files[@]}"; do
  seen=()
  if sees_openssl "$f"; then list+=(syntax "$f"); syntax=$((syntax + 1)); else list+=(obj "$f"); objects=$((objects + 1)); fi
done
echo "windows-check: $($cxx --version | head -n 1); $objects TUs to objects, $syntax -fsyntax-only (OpenSSL), $jobs jobs"
start=$SECONDS
rc=0
printf '%s\0' "${list[@]}" | xargs -0 -n 2 -P "$jobs" "$here/scripts/windows-check.sh" --one || rc=$?
if ((rc != 0)); then
  for ((i = 1; i < ${#list[@]}; i += 2)); do
    f=${list[i]}
    log="$out/logs/${f//\//_}.log"
    if [[ -f $log ]] && grep -q 'error:' "$log"; then
      echo "----- $f"
      grep -E 'error|note: +in' "$log" | head -n 40
    fi
  done
  echo "windows-check: FAILED after $((SECONDS - start)) s" >&2
  exit 1
fi
echo "windows-check: all $(( ${#list[@]} / 2 )) TUs compile for Windows ($((SECONDS - start)) s)"
