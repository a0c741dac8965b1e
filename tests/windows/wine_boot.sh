# Sourced by the Wine scripts that need a prefix of their own (the exe's SCM test, the setup
# program's test): `wine_boot NAME WAIT` finds wine64 and wineserver, boots a throwaway headless
# prefix (removed on exit), keeps one wineserver running, and defines w() (a Wine command with
# a WAIT-second bound, CRs dropped). Where Wine is missing or cannot boot, NAME says why and the
# script exits 0 (skipped). Call it after the script's own argument checks.
wine_boot() {
  local name=$1 wait=$2
  start=$SECONDS  # also the scripts' own clock for their total time
  wine=$(command -v wine64 || true)
  [[ -z $wine && -x /usr/lib/wine/wine64 ]] && wine=/usr/lib/wine/wine64
  wineserver=$(command -v wineserver || true)
  [[ -z $wineserver && -x /usr/lib/wine/wineserver ]] && wineserver=/usr/lib/wine/wineserver
  skip() { echo "$name: SKIPPED: $*"; exit 0; }
  [[ -n $wine ]] || skip "Wine is not installed (scripts/deps.sh --with-windows installs wine64)"
  export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  WINEPREFIX="$(mktemp -d "/tmp/$name.XXXXXX")"
  export WINEPREFIX
  trap '[[ -n $wineserver ]] && "$wineserver" -k 2>/dev/null; rm -rf "$WINEPREFIX"' EXIT
  eval "w() { timeout $wait \"\$wine\" \"\$@\" 2>/dev/null </dev/null | tr -d '\\r'; }"
  timeout 180 "$wine" wineboot -i >"$WINEPREFIX/boot.log" 2>&1 </dev/null ||
    skip "Wine cannot start a prefix here: $(tail -n 3 "$WINEPREFIX/boot.log" | tr '\n' ' ')"
  if [[ -n $wineserver ]]; then
    timeout 180 "$wineserver" -w || skip "the Wine prefix did not settle within 180 s"
    "$wineserver" -p
  fi
  echo "$name: $("$wine" --version 2>/dev/null), prefix ready in $((SECONDS - start)) s"
}
