#!/usr/bin/env bash
# Set-up and test: installs dependencies, builds, runs every test (ctest: unit, integration and
# fault suites), then a short fuzzing pass over every parser.
# Usage: scripts/test.sh [--sanitize] [--no-fuzz]
#   --sanitize  ASan+UBSan build in build-asan/
#   --no-fuzz   skip the fuzzing pass (scripts/fuzz.sh runs it alone, for longer)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_args=()
fuzz=1
for arg in "$@"; do
  case "$arg" in
    --sanitize) build_args+=(--sanitize) ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "test.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
"$here/scripts/deps.sh" --with-browser
build_dir="$("$here/scripts/build.sh" "${build_args[@]}" | tail -n 1)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
(cd "$build_dir" && ctest --output-on-failure --timeout 300 -j 2)
if ((fuzz)); then "$here/scripts/fuzz.sh" "${STREAMBRIDGE_FUZZ_SECONDS:-5}"; fi
