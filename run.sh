#!/usr/bin/env bash
# Run rtreview (no argument: the bundled synthetic sample case). Installs what it needs first.
set -euo pipefail
source "$(dirname "$0")/tools/bootstrap.sh"
bootstrap_rtreview runtime
needs_screen=1
for a in "$@"; do
  case "$a" in --screenshot|--screenshot=*|info|dvh|report|check|timeline|batch|listen|anonymize|-h|--help|--version) needs_screen=0 ;; esac
done
if [ "$needs_screen" = 1 ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "rtreview: no display (DISPLAY is not set). Start it from a desktop session, or for a picture of the window use: $0 --screenshot shot.png" >&2
  exit 1
fi
exec "$RTREVIEW_VENV/bin/rtreview" "$@"
