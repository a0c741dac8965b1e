#!/usr/bin/env bash
# Set-up and run: installs dependencies, builds, and starts streambridged in the foreground
# on config/streambridge.toml (the built-in demo source: no account needed).
# Extra arguments go to streambridged, e.g. scripts/run.sh --log-level debug
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/deps.sh"
"$here/scripts/build.sh" >/dev/null
exec "$here/build/daemon/streambridged" --config "$here/config/streambridge.toml" "$@"
