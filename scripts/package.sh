#!/usr/bin/env bash
# Builds the .deb (cmake/package_deb.cmake): scripts/build.sh, then CPack. Prints its path.
# Usage: scripts/package.sh [OUTPUT_DIR]     (default: the build dir, build/)
#
# Windows: scripts/package.sh --windows [DIR]   (default DIR: dist/, ignored by git)
#   cross-compiles streambridged.exe (scripts/build-windows.sh) and writes
#   DIR/streambridge-<version>-windows-x64.zip (the exe, the example config, the event schema,
#   README, licence and third-party notices) and DIR/streambridge-<version>-windows-x64-setup.exe
#   (NSIS, scripts/windows/installer.nsi). Prints both paths.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${1:-}" == --windows ]]; then
  out="$(mkdir -p "${2:-$here/dist}" && cd "${2:-$here/dist}" && pwd)"
  for tool in makensis zip; do
    command -v "$tool" >/dev/null || { echo "package: $tool not found (scripts/deps.sh --with-windows)" >&2; exit 1; }
  done
  exe="$("$here/scripts/build-windows.sh" | tail -n 1)"
  version=$(sed -nE 's/^project\(streambridge VERSION ([0-9.]+).*/\1/p' "$here/CMakeLists.txt")
  name="streambridge-$version-windows-x64"
  stage="$here/build-win/package/$name"
  rm -rf "$stage"
  mkdir -p "$stage"
  cp "$exe" "$stage/streambridged.exe"
  cp "$here/config/streambridge.toml" "$here/config/event.schema.json" "$here/README.md" "$stage/"
  # The licence: the project's (cmake/debian/copyright says none is chosen yet), then what the
  # exe contains of others, from the sources it was built from.
  prefix="$("$here/scripts/windows-deps.sh" | tail -n 1)"
  cp "$here/cmake/debian/copyright" "$stage/LICENSE.txt"
  {
    echo "streambridged.exe contains the following software, linked statically."
    echo "Versions: $(tr '\n' ';' <"$prefix/versions.txt")"
    while read -r src src_version; do
      case "$src" in openssl | simdjson | mosquitto) ;; *) continue ;; esac
      dir="$here/build-win/deps/src/$src-$src_version"
      for f in "$dir/debian/copyright"; do
        [[ -f $f ]] && printf '\n==== %s %s (%s)\n\n' "$src" "$src_version" "${f#"$dir/"}" && cat "$f"
      done
    done <"$prefix/versions.txt"
    for pkg in libboost1.81-dev libfmt-dev libspdlog-dev libtomlplusplus-dev libjs-jquery mingw-w64-common \
               g++-mingw-w64-x86-64-posix; do
      f=/usr/share/doc/$pkg/copyright
      [[ -f $f ]] && printf '\n==== %s %s (Debian: %s)\n\n' "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)" "$f" && cat "$f"
    done
  } >"$stage/THIRD-PARTY-NOTICES.txt"
  # Text files for Notepad: CRLF line ends (the config and README read fine either way).
  for f in LICENSE.txt THIRD-PARTY-NOTICES.txt; do sed -i 's/\r\?$/\r/' "$stage/$f"; done
  # The same bytes from the same inputs: fixed timestamps, sorted entries, no extra fields.
  find "$stage" -exec touch -h -d @"${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || echo 0)}" {} +
  rm -f "$out/$name.zip"
  (cd "$(dirname "$stage")" && find "$name" -print | LC_ALL=C sort | zip -q -X -9 "$out/$name.zip" -@)
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  if ! makensis -V2 -NOCD -DVERSION="$version" -DSTAGE="$stage" -DOUTFILE="$out/$name-setup.exe" \
       "$here/scripts/windows/installer.nsi" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  echo "$out/$name.zip"
  echo "$out/$name-setup.exe"
  exit 0
fi

build_dir="$("$here/scripts/build.sh" | tail -n 1)"
out="$(mkdir -p "${1:-$build_dir}" && cd "${1:-$build_dir}" && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# CPack's staging goes to OUTPUT_DIR/_CPack_Packages; its output only matters when it fails.
if ! (cd "$build_dir" && cpack -G DEB -B "$out") >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
sed -n 's/^CPack: - package: \(.*\) generated\.$/\1/p' "$log"
