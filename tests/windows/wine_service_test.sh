#!/usr/bin/env bash
# The Windows service code (lib/service) under Wine's Service Control Manager: service_test.exe
# (built from lib/service alone with mingw-w64, static, so Wine needs no DLLs of ours) is
#   1. registered with `sc create`, started, queried, sent PARAMCHANGE, stopped and deleted:
#      the states must go START_PENDING -> RUNNING -> STOP_PENDING -> STOPPED, exit code 0,
#      and its log must show the reload and the clean stop;
#   2. stopped while START_PENDING: the stop is kept until the daemon takes it, and RUNNING is
#      never reported after STOP_PENDING;
#   3. registered by install_service (what --install-service does), started, and removed by
#      uninstall_service (which stops it first);
#   4. run_service called from a console: it must say it was not started by the SCM;
#   5. readable_by_others (util/file_access) on a file readable by everyone, then by its owner only;
#   6. a Ctrl+C in a console (its own: Wine has none without a terminal) stops it cleanly.
# Headless: WINEDEBUG=-all, a throwaway WINEPREFIX under /tmp, no X (services need none).
# Exit 0 when it passed or when Wine cannot run here (it says why), 1 when the service failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
cxx=x86_64-w64-mingw32-g++-posix
skip() { echo "wine-service-test: SKIPPED: $*"; exit 0; }

wine=$(command -v wine64 || command -v wine || true)
[[ -z $wine && -x /usr/lib/wine/wine64 ]] && wine=/usr/lib/wine/wine64  # Debian's wine64 without the wine wrapper
[[ -n $wine ]] || skip "Wine is not installed (scripts/deps.sh --with-windows installs wine64)"
wineserver=$(command -v wineserver || true)
[[ -z $wineserver && -x /usr/lib/wine/wineserver ]] && wineserver=/usr/lib/wine/wineserver
command -v "$cxx" >/dev/null || skip "$cxx is not installed"

exe=build-win/service_test.exe
sources=(tests/windows/service_test.cpp lib/service/windows_service.cpp lib/service/service_control.cpp
         lib/util/file_access.cpp lib/service/windows_service.hpp lib/service/service_control.hpp
         lib/util/file_access.hpp)
mkdir -p build-win
if [[ ! -f $exe ]] || [[ -n $(find "${sources[@]}" -newer "$exe") ]]; then
  echo "wine-service-test: building $exe"
  export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
  objects=()
  for src in "${sources[@]::4}"; do  # one object each, so ccache makes a rerun a link only
    obj="build-win/service_test/$(basename "${src%.cpp}").o"
    mkdir -p "$(dirname "$obj")"
    ccache "$cxx" -std=c++20 -O1 -Wall -Wextra -Wpedantic -municode -Ilib -c "$src" -o "$obj"
    objects+=("$obj")
  done
  "$cxx" -municode -static "${objects[@]}" -ladvapi32 -o "$exe"
fi

export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="  # no Mono/Gecko prompts
WINEPREFIX="$(mktemp -d /tmp/streambridge-wine.XXXXXX)"
export WINEPREFIX
cleanup() {
  [[ -n $wineserver ]] && "$wineserver" -k 2>/dev/null || true
  rm -rf "$WINEPREFIX"
}
trap cleanup EXIT
w() { timeout 60 "$wine" "$@" 2>/dev/null | tr -d '\r'; }

start=$SECONDS
if ! timeout 180 "$wine" wineboot -i >"$WINEPREFIX/boot.log" 2>&1; then
  skip "Wine cannot start a prefix here: $(tail -n 3 "$WINEPREFIX/boot.log" | tr '\n' ' ')"
fi
# wineboot returns before the prefix is written (the service database is rewritten then): wait
# for its processes to end. Then one wineserver for the whole test: when it idles out, Wine shuts
# its "machine" down and boots it again at the next command, killing and auto-starting services
# behind the test's back.
if [[ -n $wineserver ]]; then
  timeout 180 "$wineserver" -w || skip "the Wine prefix did not settle within 180 s"
  "$wineserver" -p
fi
echo "wine-service-test: $("$wine" --version 2>/dev/null), prefix ready in $((SECONDS - start)) s"
mkdir -p "$WINEPREFIX/drive_c/sbtest"
cp "$exe" "$WINEPREFIX/drive_c/sbtest/"
win_exe='C:\sbtest\service_test.exe'

failures=0
fail() { echo "wine-service-test: FAIL: $*"; failures=$((failures + 1)); }

state_of() { w sc query "$1" | sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p'; }
# wait_for NAME STATE SECONDS: prints each new state seen; the states go to $seen.
wait_for() {
  local name=$1 want=$2 deadline=$((SECONDS + $3)) last="" now
  while ((SECONDS < deadline)); do
    now=$(state_of "$name")
    if [[ -n $now && $now != "$last" ]]; then
      echo "  sc query $name: $now"
      seen+=" $now"
      last=$now
    fi
    [[ $now == "$want" ]] && return 0
    sleep 0.2
  done
  return 1
}

# wait_log FILE PATTERN SECONDS: until the service has logged PATTERN.
wait_log() {
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

echo "wine-service-test: 1. sc create/start/query/stop/delete"
w sc create sbtest binPath= "\"$win_exe\" --service C:\\sbtest\\sbtest.log" | sed 's/^/  /'
seen=""
# Right after wineboot the service database can still be locked (error 1055): retry a while.
for _ in $(seq 1 20); do
  if out=$(w sc start sbtest); then break; fi
  sleep 0.3
done
sed -nE 's/^ *(STATE|CHECKPOINT|WAIT_HINT) *: */  sc start: \1 /p' <<<"$out"
seen+=" $(sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p' <<<"$out")"  # what the SCM answered the start with
wait_for sbtest RUNNING 20 || fail "sbtest never reached RUNNING"
w "$win_exe" --paramchange sbtest | sed 's/^/  /'
wait_log "$WINEPREFIX/drive_c/sbtest/sbtest.log" 'reload requested' 10 || fail "PARAMCHANGE gave no reload"
out=$(w sc stop sbtest)
sed -nE 's/^ *(STATE|CHECKPOINT|WAIT_HINT) *: */  sc stop: \1 /p' <<<"$out"
seen+=" $(sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p' <<<"$out")"
wait_for sbtest STOPPED 20 || fail "sbtest never reached STOPPED"
exit_codes=$(w sc query sbtest | sed -nE 's/^ *(WIN32_EXIT_CODE|SERVICE_EXIT_CODE) *: *([0-9]+).*/\1=\2/p' | tr '\n' ' ')
echo "  exit codes: $exit_codes"
w sc delete sbtest | sed 's/^/  sc delete: /'
echo "  the service's log:"
sed 's/^/    /' "$WINEPREFIX/drive_c/sbtest/sbtest.log" | tr -d '\r'
echo "  states seen:$seen"
[[ $seen =~ ^\ START_PENDING.*RUNNING.*STOP_PENDING.*STOPPED$ ]] || fail "states seen:$seen"
[[ $exit_codes == "WIN32_EXIT_CODE=0 SERVICE_EXIT_CODE=0 " ]] || fail "exit codes: $exit_codes"
grep -q 'reload requested (service paramchange)' "$WINEPREFIX/drive_c/sbtest/sbtest.log" || fail "no reload on PARAMCHANGE"
grep -q 'stopped cleanly' "$WINEPREFIX/drive_c/sbtest/sbtest.log" || fail "no clean stop in the log"
w sc query sbtest | grep -q 'STATE' && fail "sbtest still exists after sc delete"

echo "wine-service-test: 2. a stop while START_PENDING (kept until the daemon can take it)"
w sc create sbtest3 binPath= "\"$win_exe\" --service C:\\sbtest\\sbtest3.log" >/dev/null
seen=""
w sc start sbtest3 >/dev/null
w sc stop sbtest3 | sed -nE 's/^ *(STATE) *: */  sc stop: \1 /p'
wait_for sbtest3 STOPPED 20 || fail "sbtest3 never reached STOPPED"
w sc delete sbtest3 >/dev/null
echo "  the service's log:"
sed 's/^/    /' "$WINEPREFIX/drive_c/sbtest/sbtest3.log" | tr -d '\r'
[[ $seen != *RUNNING* ]] || fail "RUNNING reported after a stop during start-up:$seen"
grep -q 'stopped cleanly' "$WINEPREFIX/drive_c/sbtest/sbtest3.log" || fail "sbtest3: no clean stop in the log"

echo "wine-service-test: 3. install_service / uninstall_service (--install-service, --uninstall-service)"
w "$win_exe" --install sbtest2 'C:\sbtest\sbtest2.log' | sed 's/^/  /'
w reg query 'HKLM\System\CurrentControlSet\Services\sbtest2' | grep -E 'ImagePath|Start|DelayedAutostart|FailureActions|Description' |
  sed 's/^ */  registry: /'
seen=""
w sc start sbtest2 >/dev/null
wait_for sbtest2 RUNNING 20 || fail "sbtest2 never reached RUNNING"
w "$win_exe" --uninstall sbtest2 | sed 's/^/  /'
w sc query sbtest2 | grep -q 'STATE' && fail "sbtest2 still exists after uninstall_service"
echo "  the service's log:"
sed 's/^/    /' "$WINEPREFIX/drive_c/sbtest/sbtest2.log" | tr -d '\r'
grep -q 'stopped cleanly' "$WINEPREFIX/drive_c/sbtest/sbtest2.log" || fail "uninstall_service did not stop it cleanly"

echo "wine-service-test: 4. run_service from a console"
out=$(w "$win_exe" --not-a-service)
echo "  $out"
[[ $out == *"not started by the Service Control Manager"* ]] || fail "run_service outside the SCM: $out"

echo "wine-service-test: 5. the token file ACL check (Wine derives a file's ACL from its Unix mode)"
token="$WINEPREFIX/drive_c/sbtest/se.jwt"
echo "not-a-real-token" >"$token"
chmod 644 "$token"
open_acl=$(w "$win_exe" --acl 'C:\sbtest\se.jwt')
chmod 600 "$token"
owner_acl=$(w "$win_exe" --acl 'C:\sbtest\se.jwt')
echo "  mode 644: $open_acl"
echo "  mode 600: $owner_acl"
[[ $open_acl == *"readable by Everyone"* ]] || fail "a world-readable token file gave no warning"
[[ $owner_acl == *"(none)"* ]] || fail "an owner-only token file gave a warning"

echo "wine-service-test: 6. Ctrl+C in a console (route_console_events, as streambridged in a console)"
out=$(w "$win_exe" --console </dev/null)
sed 's/^/    /' <<<"$out"
[[ $out == *"stop requested (Ctrl+C)"*"stopped cleanly"* ]] || fail "Ctrl+C did not stop it cleanly"

if ((failures)); then
  echo "wine-service-test: FAILED ($failures), $((SECONDS - start)) s"
  exit 1
fi
echo "wine-service-test: passed ($((SECONDS - start)) s)"
