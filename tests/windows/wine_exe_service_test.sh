#!/usr/bin/env bash
# The real streambridged.exe under Wine's Service Control Manager (tests/windows/
# wine_service_test.sh runs the service code through a stand-in; this runs the daemon itself):
#   1. the exe in a folder with a space and a non-ASCII letter, the config in
#      %ProgramData%\streambridge as Notepad saves it (UTF-8 BOM, CRLF), a relative journal;
#   2. --install-service (the default --config), the registry's command line;
#   3. sc start: START_PENDING -> RUNNING; /healthz, the dashboard (/), /status and a WebSocket
#      client with demo events answer while it runs as a service; the journal is written in
#      the config's folder (the service starts in System32);
#   4. reload: a second source added to the file, then PARAMCHANGE (Wine's sc has no
#      "control": the stand-in service_test.exe --paramchange sends it): the log says
#      the source was started;
#   5. sc stop: STOP_PENDING -> STOPPED, exit code 0, a clean stop in the log;
#   6. --uninstall-service: the service is gone;
#   7. in a console: the port in use is a clear error and exit 1;
#   8. in a console: a config in a folder named with a space and 'ë' (as Notepad saves it),
#      its journal there too (small: it rotates, replacing the old .1 each time), and a Ctrl+C
#      that stops it cleanly.
# Usage: wine_exe_service_test.sh EXE [SERVICE_TEST_EXE]. Exit 0 when it passed or when Wine
# cannot run here (it says why), 1 when something failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exe=$(realpath "${1:?usage: wine_exe_service_test.sh EXE}")
stand_in=${2:-$here/build-win/service_test.exe}
[[ -f $exe ]] || { echo "wine-exe-service-test: FAIL: $exe not found (scripts/build-windows.sh)"; exit 1; }
[[ -f $stand_in ]] || { echo "wine-exe-service-test: FAIL: $stand_in not found (tests/windows/wine_service_test.sh builds it)"; exit 1; }
source "$here/tests/windows/wine_boot.sh"
wine_boot wine-exe-service-test 60

failures=0
fail() { echo "wine-exe-service-test: FAIL: $*"; failures=$((failures + 1)); }
state_of() { w sc query streambridged | sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p'; }
seen=""
wait_for() {  # wait_for STATE SECONDS
  local want=$1 deadline=$((SECONDS + $2)) last="" now
  while ((SECONDS < deadline)); do
    now=$(state_of)
    if [[ -n $now && $now != "$last" ]]; then echo "  sc query: $now"; seen+=" $now"; last=$now; fi
    [[ $now == "$want" ]] && return 0
    sleep 0.2
  done
  return 1
}
wait_log() {  # wait_log PATTERN SECONDS
  local deadline=$((SECONDS + $2))
  until tr -d '\r' <"$data/streambridge.log" 2>/dev/null | grep -q -- "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# 1. The exe where a user name with a space and a non-ASCII letter would put it.
bin_dir="$WINEPREFIX/drive_c/users/Zoë Test/streambridge"
mkdir -p "$bin_dir"
cp "$exe" "$bin_dir/streambridged.exe"
cp "$stand_in" "$WINEPREFIX/drive_c/service_test.exe"
win_exe='C:\users\Zoë Test\streambridge\streambridged.exe'
data="$WINEPREFIX/drive_c/ProgramData/streambridge"
mkdir -p "$data"
port=$(free_port)
# As Notepad saves it: a UTF-8 BOM and CRLF line ends; the journal relative to the config.
printf '\xef\xbb\xbf[server]\nport = %s\njournal = "journal.jsonl"\n\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "50ms"\n' "$port" |
  sed 's/$/\r/' >"$data/streambridge.toml"

echo "wine-exe-service-test: 2. --install-service"
w "$win_exe" --install-service | sed 's/^/  /'
image=$(w reg query 'HKLM\System\CurrentControlSet\Services\streambridged' /v ImagePath | sed -nE 's/.*REG_EXPAND_SZ *//p; s/.*REG_SZ *//p')
echo "  registry ImagePath: $image"
[[ $image == *'streambridged.exe" --service --config "C:\ProgramData\streambridge\streambridge.toml"'* ]] ||
  fail "ImagePath: $image"

echo "wine-exe-service-test: 3. sc start, then the service answers"
for _ in $(seq 1 20); do  # right after wineboot the service database can be locked (1055)
  if out=$(w sc start streambridged); then break; fi
  sleep 0.3
done
seen+=" $(sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p' <<<"$out")"
wait_for RUNNING 30 || fail "never RUNNING"
health=$(curl -s -m 5 "http://127.0.0.1:$port/healthz" || true)
echo "  /healthz: $health"
[[ $health == ok* ]] || fail "/healthz answered '$health'"
dashboard=$(curl -s -m 5 -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/" || true)
echo "  dashboard /: $dashboard"
[[ $dashboard == "200 text/html"* ]] || fail "dashboard: $dashboard"
status=$(curl -s -m 5 "http://127.0.0.1:$port/status" || true)
[[ $status == *'"name":"demo"'* ]] || fail "/status: ${status:0:200}"
ws=$(cd "$here/tests/integration" && timeout 30 node --input-type=module -e "
  import WebSocket from 'ws';
  const ws = new WebSocket('ws://127.0.0.1:$port/ws');
  const seqs = [];
  ws.on('message', (d) => { const m = JSON.parse(d); if (m.op === 'event') seqs.push(m.d.seq); if (seqs.length === 5) { console.log(seqs.join(' ')); ws.close(); } });
  ws.on('close', () => process.exit(0));" || true)
echo "  /ws event seqs: $ws"
read -ra s <<<"$ws"
((${#s[@]} == 5 && s[0] < s[1] && s[1] < s[2] && s[2] < s[3] && s[3] < s[4])) || fail "/ws gave '$ws'"
wait_log 'journal' 10 || true
[[ -s $data/journal.jsonl ]] || fail "no journal.jsonl in the config's folder"

echo "wine-exe-service-test: 4. reload (PARAMCHANGE)"
printf '\n[[source]]\nname = "demo2"\ntype = "demo"\ninterval = "1s"\n' | sed 's/$/\r/' >>"$data/streambridge.toml"
w 'C:\service_test.exe' --paramchange streambridged | sed 's/^/  /'
wait_log 'configuration reloaded: sources kept \[demo\], started \[demo2\]' 15 || fail "PARAMCHANGE did not reload"

echo "wine-exe-service-test: 5. sc stop"
out=$(w sc stop streambridged)
seen+=" $(sed -nE 's/^ *STATE *: *[0-9]+ +([A-Z_]+).*/\1/p' <<<"$out")"
wait_for STOPPED 30 || fail "never STOPPED"
codes=$(w sc query streambridged | sed -nE 's/^ *(WIN32_EXIT_CODE|SERVICE_EXIT_CODE) *: *([0-9]+).*/\1=\2/p' | tr '\n' ' ')
echo "  exit codes: $codes; states seen:$seen"
[[ $codes == "WIN32_EXIT_CODE=0 SERVICE_EXIT_CODE=0 " ]] || fail "exit codes: $codes"
# (The daemon stops within milliseconds: sc may already answer STOPPED; the stand-in test
# checks STOP_PENDING's order.)
# START_PENDING shows only when sc answers before the journal is read: an unloaded machine may
# already be RUNNING by then, so it is optional here (the stand-in test checks the full order).
[[ $seen =~ ^\ (START_PENDING\ )*RUNNING.*STOPPED$ && $seen != *RUNNING*STOP*RUNNING* ]] || fail "states seen:$seen"
wait_log 'service stop: stopping' 5 || fail "no 'service stop' in the log"
wait_log 'stopped after' 5 || fail "no clean stop in the log"

echo "wine-exe-service-test: 6. --uninstall-service"
w sc start streambridged >/dev/null
wait_for RUNNING 30 || fail "never RUNNING again"
w "$win_exe" --uninstall-service | sed 's/^/  /'
# DeleteService removes it once the last handle to it is closed: wait for that, bounded.
deadline=$((SECONDS + 45))
while w sc query streambridged | grep -q STATE && ((SECONDS < deadline)); do sleep 0.3; done
if left=$(state_of) && [[ -n $left ]]; then
  # Wine's SCM keeps a deleted service listed while a handle to it is open (seen once in ten
  # runs on a loaded machine): stopped and marked for deletion is the uninstall's whole job.
  if [[ $left == STOPPED ]]; then echo "  note: still listed, STOPPED, 45 s after DeleteService (Wine keeps it while a handle is open)"
  else fail "the service is $left 45 s after --uninstall-service"; fi
fi

echo "wine-exe-service-test: 7. a console run on a port in use: a clear error, exit 1"
node -e "require('net').createServer().listen($port,'127.0.0.1',()=>console.log('listening'))" >"$WINEPREFIX/blocker.out" &
blocker=$!
for _ in $(seq 1 50); do grep -q listening "$WINEPREFIX/blocker.out" && break; sleep 0.1; done
rc=0
timeout 60 "$wine" "$win_exe" --config 'C:\ProgramData\streambridge\streambridge.toml' >"$WINEPREFIX/port.out" 2>&1 </dev/null || rc=$?
out=$(tr -d '\r' <"$WINEPREFIX/port.out")
kill "$blocker" 2>/dev/null || true
echo "  exit $rc: $(grep -m1 'cannot listen' <<<"$out")"
[[ $out == *"cannot listen on 127.0.0.1:$port: Address already in use"* ]] || fail "port in use: $out"
[[ $rc == 1 ]] || fail "port in use: exit code $rc, not 1"

echo "wine-exe-service-test: 8. a console run from a folder with a space and 'ë' in its name, then Ctrl+C"
# The manifest makes UTF-8 the process code page: without it the UTF-8 path from the command
# line does not open. The journal is in that folder too; Ctrl+C stops it cleanly
# (timeout sends SIGINT, which Wine delivers to the console process as a Ctrl+C).
printf '\xef\xbb\xbf[server]\r\nport = 0\r\njournal = '"'"'C:\\users\\Zoë Test\\streambridge\\journal.jsonl'"'"'\r\njournal_size = 8192\r\n[[source]]\r\nname = "demo"\r\ntype = "demo"\r\ninterval = "20ms"\r\n' \
  >"$bin_dir/zoë.toml"
rc=0
out=$(cd "$WINEPREFIX" && timeout -s INT 8 "$wine" "$win_exe" --config 'C:\users\Zoë Test\streambridge\zoë.toml' 2>&1 </dev/null | tr -d '\r') || rc=$?
grep -E 'starting with|listening|Ctrl\+C|stopped after' <<<"$out" | sed 's/^/  /'
[[ $out == *"starting with C:\users\Zoë Test\streambridge\zoë.toml"* ]] || fail "the non-ASCII config path: $out"
[[ $out == *"Ctrl+C: stopping"*"stopped after"* ]] || fail "Ctrl+C did not stop it cleanly"
[[ -s "$bin_dir/journal.jsonl" ]] || fail "no journal next to the non-ASCII config"
# journal_size = 8192: the journal rotated many times, each time replacing journal.jsonl.1
# (std::filesystem::rename, MoveFileExW with MOVEFILE_REPLACE_EXISTING).
[[ -s "$bin_dir/journal.jsonl.1" ]] || fail "the journal never rotated"
[[ $out != *"cannot rotate"* ]] || fail "journal rotation failed: $(grep -m1 'cannot rotate' <<<"$out")"

echo "  the service's log:"
tr -d '\r' <"$data/streambridge.log" | sed 's/^/    /' | tail -n 40
if ((failures)); then
  echo "wine-exe-service-test: FAILED ($failures), $((SECONDS - start)) s"
  exit 1
fi
echo "wine-exe-service-test: passed ($((SECONDS - start)) s)"
