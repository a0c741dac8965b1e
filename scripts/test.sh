#!/usr/bin/env bash
# Set-up and test: installs dependencies, builds, runs every test (ctest: unit, integration and
# fault suites), the Windows checks, then a short fuzzing pass over every parser. Windows:
# streambridged.exe is cross-compiled first (scripts/build-windows.sh) so that ctest runs the
# integration tests against it under Wine too ("windows: …"); after ctest, the service code and
# the real exe go through Wine's Service Control Manager, and the setup program
# (scripts/package.sh --windows) is installed, upgraded and uninstalled.
# Usage: scripts/test.sh [--sanitize] [--no-fuzz] [--no-windows]
#   --sanitize    ASan+UBSan build in build-asan/ (the Windows checks are skipped: same code)
#   --no-fuzz     skip the fuzzing pass (scripts/fuzz.sh runs it alone, for longer)
#   --no-windows  skip the Windows checks and the "windows: …" tests (each script of
#                 tests/windows/ runs alone too)
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
# The layer table first: seconds, and an include up a layer fails before any build.
"$here/scripts/check-layers.sh"
"$here/scripts/check-coawait-lambdas.sh"
build_dir="$("$here/scripts/build.sh" "${build_args[@]}" | tail -n 1)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest_args=()
if ((windows)); then
  # The Windows deps (cached in build-win/deps) and the exe, before ctest runs its tests.
  windows_exe="$("$here/scripts/build-windows.sh" | tail -n 1)"
else
  ctest_args+=(-LE windows)
fi
(cd "$build_dir" && ctest --output-on-failure --timeout 300 -j 2 "${ctest_args[@]}")
if ((windows)); then
  # scripts/windows-check.sh (every TU compiled for Windows at -O0) is not run here any more:
  # scripts/build-windows.sh above compiles the same TUs with the same warnings, and links them
  # against real Windows builds of OpenSSL, simdjson and libmosquitto. It cost 6 minutes cold.
  # Each skips (exit 0, saying why) when Wine cannot run here; fails only when the code does.
  timeout 600 nice -n 10 "$here/tests/windows/wine_service_test.sh"
  timeout 600 nice -n 10 "$here/tests/windows/wine_exe_service_test.sh" "$windows_exe"
  setup="$("$here/scripts/package.sh" --windows "$here/build-win/dist" | tail -n 1)"
  timeout 600 nice -n 10 "$here/tests/windows/wine_installer_test.sh" "$setup"
fi
if ((fuzz)); then "$here/scripts/fuzz.sh" "${STREAMBRIDGE_FUZZ_SECONDS:-5}"; fi
