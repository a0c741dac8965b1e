#!/usr/bin/env bash
# Builds the .deb (cmake/package_deb.cmake): scripts/build.sh, then CPack. Prints its path.
# Usage: scripts/package.sh [OUTPUT_DIR]     (default: the build dir, build/)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$("$here/scripts/build.sh" | tail -n 1)"
out="$(mkdir -p "${1:-$build_dir}" && cd "${1:-$build_dir}" && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# CPack's staging goes to OUTPUT_DIR/_CPack_Packages; its output only matters when it fails.
if ! (cd "$build_dir" && cpack -G DEB -B "$out") >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
sed -n 's/^CPack: - package: \(.*\) generated\.$/\1/p' "$log"
