#!/usr/bin/env bash
# Builds the Windows (x86_64-w64-mingw32) builds of the three dependencies Debian has no
# Windows packages of, from Debian 12's own source packages:
#   OpenSSL 3.0 (Configure mingw64 no-shared), simdjson (its single-file simdjson.cpp, as its
#   own CMake builds it) and libmosquitto (its CMake: static library only, TLS against the
#   OpenSSL just built, no cJSON, no threads).
# The versions are pinned to the Debian binary packages installed here (libssl-dev,
# libsimdjson-dev, libmosquitto-dev: the headers windows-check.sh compiles against), so the
# Windows build uses the same code as the Linux build.
# Sources come from deb.debian.org through `apt-get source --download-only` with a PRIVATE apt
# configuration (its own sources.list, lists, state and cache under build-win/deps/apt): the
# machine's apt sources are never changed. apt-get verifies the downloaded .dsc against the
# signed Sources index, and every file against the .dsc; the .dsc's Version must equal the pin.
# `dpkg-source -x` unpacks (no build dependencies needed). Nothing else is downloaded.
# The result is cached in build-win/deps/<key>: the key holds the three versions, the compiler
# version and a hash of this script. A second run only prints the prefix.
# Usage: scripts/windows-deps.sh [-j JOBS]   (default 2 jobs, niced). Prints the prefix last.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs=2
while (($#)); do
  case "$1" in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    *) echo "windows-deps: unknown argument $1" >&2; exit 2 ;;
  esac
done
cc=x86_64-w64-mingw32-gcc-posix
cxx=x86_64-w64-mingw32-g++-posix
for tool in "$cc" "$cxx" x86_64-w64-mingw32-ar apt-get dpkg-source cmake; do
  command -v "$tool" >/dev/null || { echo "windows-deps: $tool not found (scripts/deps.sh --with-windows)" >&2; exit 1; }
done

# The pins: the source package and version of each Debian binary package installed here.
declare -A pin
for bin in libssl-dev libsimdjson-dev libmosquitto-dev; do
  line=$(dpkg-query -W -f='${source:Package} ${source:Version}' "$bin" 2>/dev/null) ||
    { echo "windows-deps: $bin is not installed (scripts/deps.sh)" >&2; exit 1; }
  pin[${line%% *}]=${line#* }
done
for src in openssl simdjson mosquitto; do
  [[ -n ${pin[$src]:-} ]] || { echo "windows-deps: no pin for $src" >&2; exit 1; }
done

deps="$here/build-win/deps"
# 1. The sources, through a private apt configuration.
apt_dir="$deps/apt"
src_dir="$deps/src"
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,state,etc/sources.list.d,etc/preferences.d} "$src_dir"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_dir/etc/sources.list" <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
EOF
cat >"$apt_dir/apt.conf" <<EOF
Dir::Etc::sourcelist "$apt_dir/etc/sources.list";
Dir::Etc::sourceparts "$apt_dir/etc/sources.list.d";
Dir::Etc::preferencesparts "$apt_dir/etc/preferences.d";
Dir::State "$apt_dir/state";
Dir::State::Lists "$apt_dir/lists";
Dir::Cache "$apt_dir/cache";
Dir::State::status "/var/lib/dpkg/status";
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
export APT_CONFIG="$apt_dir/apt.conf"

# The archive keeps only the newest versions of a release: when the installed version is gone
# (a security update replaced it), take the newest version of the same upstream series (e.g.
# 3.0.x) that the archive serves and that downloads, and say so. The choice is remembered in
# build-win/deps/pins-<installed versions>, so later runs make no network request at all; the
# cache key and versions.txt hold what was built.
fetch_one() {  # fetch_one SRC VERSION: download, check against the .dsc, unpack; 1 if not served
  local src=$1 version=$2 dsc got
  [[ -f $src_dir/$src-$version/.unpacked ]] && return 0
  if ! (cd "$src_dir" && apt-get source -qq --download-only "$src=$version" >/dev/null 2>"$src_dir/$src.err"); then
    # Nothing of a version that did not download whole is kept (apt may have got its tarball).
    local upstream=${version#*:}
    rm -f "$src_dir/${src}_${upstream%-*}.orig"* "$src_dir/${src}_${version#*:}".*
    return 1
  fi
  dsc="$src_dir/${src}_${version#*:}.dsc"
  [[ -f $dsc ]] || { echo "windows-deps: $dsc was not downloaded" >&2; exit 1; }
  got=$(sed -n 's/^Version: //p' "$dsc")
  [[ $got == "$version" ]] || { echo "windows-deps: $dsc is version $got, not $version" >&2; exit 1; }
  rm -rf "$src_dir/$src-$version"
  # apt-get checked the .dsc against the signed Sources index and each file against the .dsc;
  # dpkg-source checks each file's size and SHA-256 against the .dsc again while unpacking.
  # (The maintainer's own signature on the .dsc is not checked: debian-keyring is not needed.)
  dpkg-source --require-strong-checksums -x "$dsc" "$src_dir/$src-$version" >"$src_dir/$src.unpack.log" 2>&1 ||
    { cat "$src_dir/$src.unpack.log" >&2; exit 1; }
  echo "windows-deps: $src $got: $(sed -n '/^Checksums-Sha256:/,/^[^ ]/p' "$dsc" | grep -c '^ ') files match $(basename "$dsc")" >&2
  touch "$src_dir/$src-$version/.unpacked"
}
installed="openssl=${pin[openssl]} simdjson=${pin[simdjson]} mosquitto=${pin[mosquitto]}"
pins_file="$deps/pins-$(sha256sum <<<"$installed" | cut -c1-12)"
if [[ -f $pins_file ]]; then
  while read -r src version; do pin[$src]=$version; done <"$pins_file"
else
  if [[ ! -f $apt_dir/lists/.updated ]]; then
    apt-get update -qq >&2
    touch "$apt_dir/lists/.updated"
  fi
  for src in openssl simdjson mosquitto; do
    fetch_one "$src" "${pin[$src]}" && continue
    series=$(sed -E 's/^([0-9]+:)?([0-9]+\.[0-9]+).*/\2/' <<<"${pin[$src]}")
    found=""
    for v in $(apt-cache showsrc --only-source "$src" 2>/dev/null | sed -n 's/^Version: //p' | sort -rV); do
      [[ $(sed -E 's/^([0-9]+:)?([0-9]+\.[0-9]+).*/\2/' <<<"$v") == "$series" ]] || continue
      if fetch_one "$src" "$v"; then found=$v; break; fi
      echo "windows-deps: $src $v is listed but does not download: $(tr '\n' ' ' <"$src_dir/$src.err")" >&2
    done
    [[ -n $found ]] || { echo "windows-deps: Debian's archive serves no $src $series.x source (installed: ${pin[$src]})" >&2; exit 1; }
    echo "windows-deps: WARNING: Debian's archive no longer serves $src ${pin[$src]} (installed here); using $found, the newest $series.x it serves" >&2
    pin[$src]=$found
  done
  for src in openssl simdjson mosquitto; do echo "$src ${pin[$src]}"; done >"$pins_file"
fi

script_hash=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
# The compiler and the mingw-w64 runtime headers/libraries, as Debian versions them.
compiler="gcc$(dpkg-query -W -f='${Version}' g++-mingw-w64-x86-64-posix 2>/dev/null)-crt$(dpkg-query -W -f='${Version}' mingw-w64-x86-64-dev 2>/dev/null)"
key="openssl-${pin[openssl]}_simdjson-${pin[simdjson]}_mosquitto-${pin[mosquitto]}_mingw-${compiler}_${script_hash}"
key=${key//[^A-Za-z0-9._+-]/_}
prefix="$deps/$key"
if [[ -f $prefix/.complete ]]; then
  echo "windows-deps: cached: openssl ${pin[openssl]}, simdjson ${pin[simdjson]}, mosquitto ${pin[mosquitto]}" >&2
  echo "$prefix"
  exit 0
fi
start=$SECONDS
echo "windows-deps: building openssl ${pin[openssl]}, simdjson ${pin[simdjson]}, mosquitto ${pin[mosquitto]} with $cc ($compiler)" >&2
for src in openssl simdjson mosquitto; do
  fetch_one "$src" "${pin[$src]}" || { echo "windows-deps: $src ${pin[$src]}: $(cat "$src_dir/$src.err")" >&2; exit 1; }
done

work="$deps/work-$key"
rm -rf "$work" "$prefix"
mkdir -p "$work" "$prefix"
run() { nice -n 10 "$@"; }

# 2. OpenSSL: static libcrypto and libssl, no tests, no docs.
echo "windows-deps: openssl" >&2
cp -a "$src_dir/openssl-${pin[openssl]}" "$work/openssl"
(
  cd "$work/openssl"
  # CROSS_COMPILE prefix + CC: the -posix compiler (std::thread users link the same runtime).
  run ./Configure mingw64 no-shared no-tests no-legacy --cross-compile-prefix=x86_64-w64-mingw32- \
    CC=gcc-posix CXX=g++-posix --prefix="$prefix" --libdir=lib --openssldir='C:/ProgramData/streambridge/ssl' \
    >"$work/openssl-configure.log" 2>&1
  run make -j"$jobs" build_libs >"$work/openssl-build.log" 2>&1
  run make install_dev >"$work/openssl-install.log" 2>&1
) || { tail -n 30 "$work"/openssl-*.log >&2; exit 1; }

# 3. simdjson: Debian's source has the amalgamated singleheader/simdjson.cpp, which is what its
# CMake compiles for the library too; one TU, static.
echo "windows-deps: simdjson" >&2
sj="$src_dir/simdjson-${pin[simdjson]}"
mkdir -p "$prefix/include" "$prefix/lib" "$work/simdjson"
run "$cxx" -std=c++20 -O2 -DNDEBUG -DSIMDJSON_DISABLE_DEPRECATED_API=0 -I"$sj/singleheader" \
  -c "$sj/singleheader/simdjson.cpp" -o "$work/simdjson/simdjson.o"
x86_64-w64-mingw32-ar rcs "$prefix/lib/libsimdjson.a" "$work/simdjson/simdjson.o"
cp "$sj/singleheader/simdjson.h" "$prefix/include/"

# 4. libmosquitto: its CMake, the static library only.
echo "windows-deps: mosquitto" >&2
cat >"$work/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $cc)
set(CMAKE_CXX_COMPILER $cxx)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH "$prefix" /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF
(
  run cmake -S "$src_dir/mosquitto-${pin[mosquitto]}" -B "$work/mosquitto" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$work/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DWITH_STATIC_LIBRARIES=ON -DWITH_PIC=OFF -DWITH_TLS=ON -DWITH_TLS_PSK=ON -DWITH_CJSON=OFF \
    -DWITH_THREADING=OFF -DWITH_SRV=OFF -DWITH_BROKER=OFF -DWITH_APPS=OFF -DWITH_CLIENTS=OFF \
    -DWITH_PLUGINS=OFF -DDOCUMENTATION=OFF -DWITH_LIB_CPP=OFF -DWITH_WEBSOCKETS=OFF \
    -DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON >"$work/mosquitto-configure.log" 2>&1
  run cmake --build "$work/mosquitto" -j "$jobs" --target libmosquitto_static >"$work/mosquitto-build.log" 2>&1
) || { tail -n 40 "$work"/mosquitto-*.log >&2; exit 1; }
m="$src_dir/mosquitto-${pin[mosquitto]}"
cp "$(find "$work/mosquitto" -name 'libmosquitto_static.a' | head -n 1)" "$prefix/lib/libmosquitto_static.a"
cp "$m/include/mosquitto.h" "$m/include/mqtt_protocol.h" "$prefix/include/"

cat >"$prefix/versions.txt" <<EOF
openssl ${pin[openssl]}
simdjson ${pin[simdjson]}
mosquitto ${pin[mosquitto]}
compiler $("$cc" --version | head -n 1)
script $script_hash
EOF
rm -rf "$work"
touch "$prefix/.complete"
echo "windows-deps: built in $((SECONDS - start)) s" >&2
echo "$prefix"
