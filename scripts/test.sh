#!/usr/bin/env bash
# Set-up and test: installs dependencies, builds, runs every test (ctest: unit, integration and
# fault suites), the Windows checks (every TU compiled with mingw-w64, the service under Wine's
# Service Control Manager), then a short fuzzing pass over every parser.
# Usage: scripts/test.sh [--sanitize] [--no-fuzz] [--no-windows]
#   --sanitize    ASan+UBSan build in build-asan/ (the Windows checks are skipped: same code)
#   --no-fuzz     skip the fuzzing pass (scripts/fuzz.sh runs it alone, for longer)
#   --no-windows  skip the Windows checks (scripts/windows-check.sh and
#                 tests/windows/wine_service_test.sh run them alone)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_args=()
fuzz=1
windows=1
for arg in "$@"; do
  case "$arg" in
    --sanitize) build_args+=(--sanitize); windows=0 ;;
    --no-fuzz) fuzz=0 ;;
    --no-windows) windows=0 ;;
    *) echo "test.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
deps_args=(--with-browser)
((windows)) && deps_args+=(--with-windows)
"$here/scripts/deps.sh" "${deps_args[@]}"
build_dir="$("$here/scripts/build.sh" "${build_args[@]}" | tail -n 1)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
(cd "$build_dir" && ctest --output-on-failure --timeout 300 -j 2)
if ((windows)); then
  # Two jobs, niced: cold about 4-5 minutes on 2 cores, seconds when ccache has every TU.
  nice -n 10 "$here/scripts/windows-check.sh" -j 2
  # Skips (exit 0, saying why) when Wine cannot run here; fails only when the service does.
  timeout 600 nice -n 10 "$here/tests/windows/wine_service_test.sh"
fi
if ((fuzz)); then "$here/scripts/fuzz.sh" "${STREAMBRIDGE_FUZZ_SECONDS:-5}"; fi
