#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build-fuzz/, and runs
# each one over a temporary copy of its committed seed corpus (tests/fuzz/corpus/<target>; the
# committed corpus never grows). Fails on any crash, leak, timeout or sanitizer report; the
# input that did it is kept in build-fuzz/artifacts/.
# Usage: scripts/fuzz.sh [SECONDS] [--runs N] [FILTER]
#   SECONDS  time per target (default 10)      --runs N  N executions per target instead
#   FILTER   only targets whose name matches this (grep -E), e.g. `sse` or `socketio|astro`
# Environment: STREAMBRIDGE_JOBS (build jobs, default 2), FUZZ_ARGS (more libFuzzer flags).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$here/build-fuzz"
fuzz_dir="$here/tests/fuzz"

seconds=10
runs=""
filter=""
while (($#)); do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) runs="${1#--runs=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *)
      if [[ "$1" =~ ^[0-9]+$ ]]; then seconds="$1"; else filter="$1"; fi
      shift ;;
  esac
done
if [[ -n "$runs" && ! "$runs" =~ ^[0-9]+$ ]]; then echo "fuzz: --runs needs a number" >&2; exit 2; fi

# Dependencies, idempotently (as scripts/deps.sh): what configuring the project needs, and clang
# with its runtime (libFuzzer, sanitizers).
apt_packages=(
  cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libboost1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libssl-dev libsimdjson-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libjs-jquery libmosquitto-dev
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fuzz: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# -O1 without NDEBUG: asserts stay on. Only the fuzz targets and the sans-I/O core get built.
jobs="${STREAMBRIDGE_JOBS:-2}"
CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DSTREAMBRIDGE_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null

targets=()
for src in "$fuzz_dir"/fuzz_*.cpp; do
  name="$(basename "$src" .cpp)"
  if [[ -z "$filter" ]] || grep -Eq -- "$filter" <<<"$name"; then targets+=("$name"); fi
done
if ((${#targets[@]} == 0)); then echo "fuzz: no target matches \"$filter\"" >&2; exit 2; fi
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"

export ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sb-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifacts="$build_dir/artifacts"
mkdir -p "$artifacts"

failed=()
printf '%-24s %12s %10s %8s %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  if [[ -d "$fuzz_dir/corpus/$t" ]]; then cp -R "$fuzz_dir/corpus/$t/." "$corpus/"; fi
  args=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/$t-")
  if [[ -n "$runs" ]]; then args+=(-runs="$runs"); else args+=(-max_total_time="$seconds"); fi
  [[ -f "$fuzz_dir/$t.dict" ]] && args+=(-dict="$fuzz_dir/$t.dict")
  # Per-target flags, one per line (e.g. -max_len=8192).
  if [[ -f "$fuzz_dir/$t.options" ]]; then
    while read -r opt; do [[ -n "$opt" && "$opt" != \#* ]] && args+=("$opt"); done <"$fuzz_dir/$t.options"
  fi
  log="$work/$t.log"
  rc=0
  # shellcheck disable=SC2086  # FUZZ_ARGS: several flags
  "$build_dir/tests/fuzz/$t" "${args[@]}" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1 || rc=$?
  execs="$(sed -n -E 's/^stat::number_(of_)?executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  units="$(find "$corpus" -type f | wc -l)"
  result=ok
  if ((rc != 0)) || grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' "$log"; then
    result="FAILED (exit $rc)"
    failed+=("$t")
  fi
  printf '%-24s %12s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$units" "$result"
  if [[ "$result" != ok ]]; then
    cp "$log" "$artifacts/$t.log"
    echo "---- $t: last lines of the log (whole log: $artifacts/$t.log) ----"
    grep -v -e '^#[0-9]' -e '^INFO:' -e '^stat::' "$log" | tail -n 40
    echo "----"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (reproduce: build-fuzz/tests/fuzz/<target> build-fuzz/artifacts/<file>)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no finding"
