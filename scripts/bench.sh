#!/usr/bin/env bash
# Benchmarks of the data path (normalize, serialize once, fan out). Release build in build-bench/.
# Usage: scripts/bench.sh [rounds]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/deps.sh"
cmake -S "$here" -B "$here/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$here/build-bench" --target bench_pipeline -j "${STREAMBRIDGE_JOBS:-2}" >/dev/null
"$here/build-bench/tests/bench_pipeline" "$@"
