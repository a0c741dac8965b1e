#!/usr/bin/env bash
# The fan-out benchmark: streambridge, the Node bridge it replaces and a raw ceiling side by
# side on loopback, plus the in-process pipeline; one table, and JSON for comparing commits
# (build-bench/bench-results.json, and FILE with --json). Release build in build-bench/.
# Usage: scripts/bench.sh [--quick] [--json FILE] [--only streambridge,reference,ceiling] [--rounds N]
# --quick takes about 2 minutes, the full run at most 10, 4-5 here (after the first build). See tests/bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$here/build-bench"

args=()
for a in "$@"; do
  # A bare number is the pipeline's rounds, as this script took before.
  if [[ "$a" =~ ^[0-9]+$ ]]; then args+=(--rounds "$a"); else args+=("$a"); fi
done

"$here/scripts/deps.sh" --with-broker

# The reference bridge's npm packages, from its own lockfile; reinstalled only when it changed.
ref="$here/tests/bench/reference"
stamp="$ref/node_modules/.lock-stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s "$ref/package-lock.json" "$stamp"; then
  echo "bench: npm ci in tests/bench/reference"
  (cd "$ref" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ref/package-lock.json" "$stamp"
fi

echo "bench: building the Release targets in build-bench/ (the first build takes minutes)" >&2
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# The launcher by its path: Ninja's phony "streambridged" names the daemon in libexec (its
# output name), and the launcher depends on the daemon.
if ! cmake --build "$build" -j "${STREAMBRIDGE_JOBS:-2}" \
    --target daemon/streambridged bench_pipeline bench_upstream bench_subscribers bench_ceiling >"$build/bench-build.log" 2>&1; then
  cat "$build/bench-build.log" >&2
  exit 1
fi

exec node "$here/tests/bench/run.mjs" --build "$build" "${args[@]}"
