#!/usr/bin/env bash
# The layers of lib/: which folder may include which. Every `#include "FOLDER/..."` in lib/ is
# checked against this table; anything else (an include up a layer, or between two folders that
# must not know each other) fails, with the file and line. daemon/ wires everything and may
# include any folder; tests/ are not checked. The table has no cycle, lowest layers first.
# Usage: scripts/check-layers.sh   (exit 1 on a violation)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -A allowed=(
  [util]=""
  [websocket]="util"
  [net]="util websocket"
  [event]="util net"
  [config]="util net event"
  [engineio]="util"
  [socketio]="util net engineio"
  [sse]="util net"
  [astro]="util"
  [twitch]="util"
  [hub]="util websocket event"
  [dedup]="util event config"
  [mqtt]="util net event config hub"
  [sources]="util net event config socketio sse astro twitch mqtt"
  [udp]="util event config hub"
  [server]="util websocket net event config hub dedup sources"
  [widgets]="util event config hub server"
  [daemon_config]="util config event sources"
  [service]="util"
)

status=0
checked=0
while IFS= read -r -d '' file; do
  folder=${file#lib/}
  folder=${folder%%/*}
  if [[ -z ${allowed[$folder]+set} ]]; then
    echo "check-layers: $file: folder lib/$folder is not in the table (scripts/check-layers.sh)" >&2
    status=1
    continue
  fi
  while IFS=: read -r line target; do
    checked=$((checked + 1))
    [[ $target == "$folder" ]] && continue
    if [[ " ${allowed[$folder]} " != *" $target "* ]]; then
      echo "check-layers: $file:$line: lib/$folder may not include $target/ (allowed: ${allowed[$folder]:-nothing})" >&2
      status=1
    fi
  done < <(grep -noE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' "$file" | sed -E 's/^([0-9]+):.*"([a-z_]+)\/$/\1:\2/')
done < <(find lib -name '*.cpp' -print0 -o -name '*.hpp' -print0)
if ((status == 0)); then echo "check-layers: ok ($checked includes of lib/ follow the layer table)"; fi
exit $status
