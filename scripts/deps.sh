#!/usr/bin/env bash
# Installs every build and test dependency, idempotently: apt packages (as root) and the
# npm test peers (from the committed lockfile). Safe to run again: it skips what is there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libssl-dev libsimdjson-dev libspdlog-dev libfmt-dev libtomlplusplus-dev catch2
  nodejs npm openssl ca-certificates python3-websockets libjs-jquery libmosquitto-dev
  # the .deb and its test: dpkg-shlibdeps (dpkg-dev) and file for CPack, lintian,
  # systemd-analyze (systemd: installing it starts nothing where systemd does not run)
  dpkg-dev file lintian systemd
)
# The test peers that are programs: a browser and an MQTT broker (the broker package would
# start a system service, so only the tests and the benchmark ask for it), and the Windows
# cross-compiler and Wine (the Windows compile check and the Wine service test).
#   --with-browser: chromium and the broker (the tests); --with-broker: the broker (the benchmark)
#   --with-windows: mingw-w64 (POSIX threads, for std::thread), wine64, and nsis + zip (the
#                   setup program and the zip of scripts/package.sh --windows)
for arg in "$@"; do
  case "$arg" in
    --with-browser) apt_packages+=(chromium mosquitto mosquitto-clients) ;;
    --with-broker) apt_packages+=(mosquitto mosquitto-clients) ;;
    --with-windows) apt_packages+=(g++-mingw-w64-x86-64-posix wine64 nsis zip) ;;
    *) echo "deps.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${apt_packages[@]}"; do
  # node/npm may come from another source than Debian's packages: accept any working one.
  if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm test peers: reinstall only when the lockfile changed since the last install.
peers="$here/tests/integration"
stamp="$peers/node_modules/.lock-stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s "$peers/package-lock.json" "$stamp"; then
  echo "deps: npm ci in tests/integration"
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$peers/package-lock.json" "$stamp"
fi
