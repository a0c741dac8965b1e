#!/usr/bin/env bash
# The setup program (scripts/package.sh --windows) under Wine, headless, in a throwaway prefix:
#   1. a silent install (/S): the exe in Program Files\streambridge, the example config in
#      %ProgramData%\streambridge, Start-menu entries, the uninstall entry; the service is
#      registered, RUNNING, and answers /healthz (the example config's port, 7480);
#   2. the config edited (port and a marker), then the setup run again (an upgrade): the config
#      is kept, and the service runs again with it (answers on the new port);
#   3. the uninstaller (/S): the service is stopped and removed, Program Files\streambridge,
#      the Start-menu folder and the uninstall entry are gone, the config stays;
#   4. /S /NOSERVICE: installed, no service registered, the config still the user's.
# Usage: wine_installer_test.sh SETUP_EXE. Exit 0 when passed or when Wine cannot run here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
setup=$(realpath "${1:?usage: wine_installer_test.sh SETUP_EXE}")
[[ -f $setup ]] || { echo "wine-installer-test: FAIL: $setup not found (scripts/package.sh --windows)"; exit 1; }
source "$here/tests/windows/wine_boot.sh"
wine_boot wine-installer-test 120
# The example config listens on 7480: it must be free for this test.
if curl -s -m 2 -o /dev/null http://127.0.0.1:7480/; then
  echo "wine-installer-test: FAIL: port 7480 is in use here (a running streambridged?); the test needs it"
  exit 1
fi

failures=0
fail() { echo "wine-installer-test: FAIL: $*"; failures=$((failures + 1)); }
state_of() { w sc query streambridged | sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p'; }
wait_state() {  # wait_state STATE SECONDS
  local deadline=$((SECONDS + $2))
  until [[ $(state_of) == "$1" ]]; do ((SECONDS < deadline)) || return 1; sleep 0.3; done
}
wait_health() {  # wait_health PORT SECONDS
  local deadline=$((SECONDS + $2))
  until [[ $(curl -s -m 2 "http://127.0.0.1:$1/healthz" || true) == ok* ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}
run_setup() {  # the setup program waits for itself: its exit code is the install's
  local rc=0
  timeout 180 "$wine" "$@" >>"$WINEPREFIX/setup.log" 2>&1 </dev/null || rc=$?
  echo "  $(basename "$1") ${*:2}: exit $rc"
  return $rc
}
prog="$WINEPREFIX/drive_c/Program Files/streambridge"
data="$WINEPREFIX/drive_c/ProgramData/streambridge"
menu="$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/streambridge"
cp "$setup" "$WINEPREFIX/drive_c/setup.exe"

echo "wine-installer-test: 1. silent install"
run_setup 'C:\setup.exe' /S || fail "the silent install failed"
for f in streambridged.exe uninstall.exe README.md LICENSE.txt event.schema.json streambridge.example.toml; do
  [[ -f $prog/$f ]] || fail "Program Files\\streambridge\\$f is missing"
done
[[ -f $data/streambridge.toml ]] || fail "no %ProgramData%\\streambridge\\streambridge.toml"
cmp -s "$data/streambridge.toml" "$here/config/streambridge.toml" || fail "the config is not the example config"
ls "$menu" 2>/dev/null | sed 's/^/  Start menu: /'
[[ -f "$menu/streambridge dashboard.url" ]] && grep -q 'URL=http://127.0.0.1:7480/' "$menu/streambridge dashboard.url" ||
  fail "no dashboard entry in the Start menu"
[[ -f "$menu/streambridge config folder.lnk" ]] || fail "no config folder entry in the Start menu"
w reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\streambridge' | grep -q 'QuietUninstallString' ||
  fail "no uninstall entry"
wait_state RUNNING 60 || fail "the service is not RUNNING after the install (state: $(state_of))"
wait_health 7480 30 || fail "no /healthz on 7480 from the service"
echo "  service: $(state_of), /healthz: $(curl -s -m 2 http://127.0.0.1:7480/healthz)"

echo "wine-installer-test: 2. the config edited, the setup run again (an upgrade)"
sed -i 's/^port = 7480\b/port = 7491/; 1i # edited by the user (wine-installer-test)' "$data/streambridge.toml"
grep -q '^port = 7491' "$data/streambridge.toml" || fail "could not edit the config"
cp "$data/streambridge.toml" "$WINEPREFIX/edited.toml"
run_setup 'C:\setup.exe' /S || fail "the second install failed"
cmp -s "$data/streambridge.toml" "$WINEPREFIX/edited.toml" || fail "the reinstall changed the user's config"
wait_state RUNNING 60 || fail "the service is not RUNNING after the reinstall (state: $(state_of))"
wait_health 7491 30 || fail "no /healthz on 7491 (the edited port) after the reinstall"
echo "  service: $(state_of), /healthz on 7491: $(curl -s -m 2 http://127.0.0.1:7491/healthz)"
[[ -s $data/streambridge.log ]] || fail "no service log in %ProgramData%\\streambridge"

echo "wine-installer-test: 3. silent uninstall"
# The uninstaller copies itself to %TEMP% and runs from there, so it returns at once (its
# in-place mode, _?=DIR, needs the folder unquoted, which Wine's command line cannot give): wait,
# bounded, until the program files are gone.
run_setup 'C:\Program Files\streambridge\uninstall.exe' /S || fail "the uninstall failed"
deadline=$((SECONDS + 60))
while [[ -e $prog/uninstall.exe || -e $prog/streambridged.exe ]] && ((SECONDS < deadline)); do sleep 0.3; done
w sc query streambridged | grep -q STATE && fail "the service still exists after the uninstall"
[[ -f $prog/streambridged.exe ]] && fail "streambridged.exe is still installed"
[[ -d $menu ]] && fail "the Start-menu folder is still there"
cmp -s "$data/streambridge.toml" "$WINEPREFIX/edited.toml" || fail "the uninstall did not keep the config"
curl -s -m 2 -o /dev/null http://127.0.0.1:7491/healthz && fail "something still answers on 7491"
w reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\streambridge' | grep -q DisplayName &&
  fail "the uninstall entry is still there"

echo "wine-installer-test: 4. silent install without the service (/S /NOSERVICE, for a console user)"
run_setup 'C:\setup.exe' /S /NOSERVICE || fail "the install without the service failed"
[[ -f $prog/streambridged.exe ]] || fail "/NOSERVICE: streambridged.exe is not installed"
w sc query streambridged | grep -q STATE && fail "/NOSERVICE: the service was registered"
cmp -s "$data/streambridge.toml" "$WINEPREFIX/edited.toml" || fail "/NOSERVICE: the install changed the user's config"

if ((failures)); then
  echo "  setup log:"; tail -n 30 "$WINEPREFIX/setup.log" | sed 's/^/    /'
  echo "wine-installer-test: FAILED ($failures), $((SECONDS - start)) s"
  exit 1
fi
echo "wine-installer-test: passed ($((SECONDS - start)) s)"
