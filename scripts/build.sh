#!/usr/bin/env bash
# Configures and builds with Ninja (and ccache). Usage: scripts/build.sh [--sanitize]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$here/build"
sanitize=OFF
if [[ "${1:-}" == "--sanitize" ]]; then build_dir="$here/build-asan"; sanitize=ON; fi
# Two cores, and a Beast translation unit takes ~2.5 GB (5 GB under ASan): two jobs at most.
jobs="${STREAMBRIDGE_JOBS:-2}"
# ccache across clones (CI builds a fresh clone on the same machine): paths relative to the
# checkout, and the working directory left out of the hash.
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
cmake -S "$here" -B "$build_dir" -G Ninja -DSTREAMBRIDGE_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j "$jobs"
echo "$build_dir"
