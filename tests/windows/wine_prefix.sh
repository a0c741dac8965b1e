#!/usr/bin/env bash
# One Wine prefix for a whole ctest run of the "windows: …" tests (the integration tests against
# streambridged.exe under Wine), so that Wine boots once:
#   wine_prefix.sh setup PREFIX     boots it (wineboot -i, headless) and keeps one wineserver
#                                   running (-p) until cleanup; when Wine cannot boot here, it
#                                   writes the reason to PREFIX.skip and exits 0
#   wine_prefix.sh cleanup PREFIX   stops that wineserver and removes the prefix
#   wine_prefix.sh run PREFIX EXE CMD...   runs CMD (a node test) with STREAMBRIDGED=EXE and
#                                   WINEPREFIX=PREFIX; exit 77 (ctest: skipped) with the reason
#                                   when the exe is missing or Wine could not boot
set -euo pipefail
mode=$1 prefix=$2
shift 2
wine=$(command -v wine64 || true)
[[ -z $wine && -x /usr/lib/wine/wine64 ]] && wine=/usr/lib/wine/wine64
wineserver=$(command -v wineserver || true)
[[ -z $wineserver && -x /usr/lib/wine/wineserver ]] && wineserver=/usr/lib/wine/wineserver
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEPREFIX="$prefix"
case "$mode" in
  setup)
    rm -rf "$prefix" "$prefix.skip"
    if [[ -z $wine || -z $wineserver ]]; then
      echo "Wine is not installed (scripts/deps.sh --with-windows installs wine64)" | tee "$prefix.skip"
      exit 0
    fi
    mkdir -p "$prefix"
    start=$SECONDS
    # Wine's helpers outlive wineboot: their output goes to a file, never to ctest's pipe.
    if ! timeout 180 "$wine" wineboot -i >"$prefix.boot.log" 2>&1 </dev/null; then
      echo "Wine cannot start a prefix here: $(tail -n 3 "$prefix.boot.log" | tr '\n' ' ')" | tee "$prefix.skip"
      exit 0
    fi
    timeout 180 "$wineserver" -w >>"$prefix.boot.log" 2>&1 || { echo "the Wine prefix did not settle in 180 s" | tee "$prefix.skip"; exit 0; }
    "$wineserver" -p >>"$prefix.boot.log" 2>&1 </dev/null
    echo "$("$wine" --version 2>/dev/null </dev/null) prefix $prefix ready in $((SECONDS - start)) s"
    ;;
  cleanup)
    [[ -n $wineserver && -d $prefix ]] && "$wineserver" -k >/dev/null 2>&1 || true
    rm -rf "$prefix" "$prefix.skip" "$prefix.boot.log"
    ;;
  run)
    exe=$1
    shift
    if [[ ! -f $exe ]]; then echo "SKIPPED: $exe is not built (scripts/build-windows.sh)"; exit 77; fi
    if [[ -f $prefix.skip ]]; then echo "SKIPPED: $(cat "$prefix.skip")"; exit 77; fi
    if [[ ! -d $prefix ]]; then echo "SKIPPED: no Wine prefix (the fixture \"windows: wine prefix\" did not run)"; exit 77; fi
    STREAMBRIDGED="$exe" exec "$@"
    ;;
  *) echo "wine_prefix.sh: unknown mode $mode" >&2; exit 2 ;;
esac
