#!/usr/bin/env bash
# Set up what rtreview needs on a Debian-like machine, then leave a ready virtualenv in .venv.
# Sourced by ../run.sh and ../test.sh; usage: bootstrap_rtreview [runtime|test]
# - Debian packages Qt needs (see README "Quick start") are installed with apt when missing
#   and apt is available (as root); elsewhere the missing ones are named and we go on.
# - Python packages go into .venv (created with the system python3).
set -euo pipefail

RTREVIEW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RTREVIEW_VENV="${RTREVIEW_VENV:-$RTREVIEW_ROOT/.venv}"

# Qt offscreen + xcb (real window / Xvfb) runtime libraries and fonts.
RUNTIME_DEBS=(libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
  fonts-noto-cjk libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-cursor0
  libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-xkb1 libx11-xcb1)
# Tests also render PDFs to PNG (poppler), run a real window on a virtual screen (Xvfb), send the
# sample to the store SCP with dcmtk's storescu, and make a self-signed TLS certificate (openssl).
TEST_DEBS=(poppler-utils xvfb xauth dcmtk openssl)

_missing_debs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

_ensure_debs() {
  command -v dpkg-query >/dev/null 2>&1 || { echo "rtreview: not a Debian system; make sure Qt 6's runtime libraries (OpenGL, EGL, xkbcommon, fontconfig, dbus) and fonts are installed" >&2; return 0; }
  local missing
  missing=$(_missing_debs "$@" | tr '\n' ' ')
  # python3 -m venv needs Debian's python3-venv (ensurepip) when python3 is Debian's own.
  if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    missing+=" python3-venv"
  fi
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "rtreview: installing Debian packages: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "rtreview: missing Debian packages (install them as root): $missing" >&2
  fi
}

_ensure_venv() {
  local extras="$1"
  if [ ! -x "$RTREVIEW_VENV/bin/python" ]; then
    python3 -m venv "$RTREVIEW_VENV"
  fi
  local stamp="$RTREVIEW_VENV/.rtreview-installed-$extras"
  # Reinstall when pyproject.toml or setup.py changed since the last install.
  if [ ! -f "$stamp" ] || [ "$RTREVIEW_ROOT/pyproject.toml" -nt "$stamp" ] || [ "$RTREVIEW_ROOT/setup.py" -nt "$stamp" ]; then
    "$RTREVIEW_VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    if [ "$extras" = test ]; then
      "$RTREVIEW_VENV/bin/python" -m pip install -q -e "$RTREVIEW_ROOT[test]"
    else
      "$RTREVIEW_VENV/bin/python" -m pip install -q -e "$RTREVIEW_ROOT[codecs]"  # compressed CT decoders
    fi
    touch "$stamp"
  fi
}

bootstrap_rtreview() {
  local what="${1:-runtime}"
  if [ "$what" = test ]; then
    _ensure_debs "${RUNTIME_DEBS[@]}" "${TEST_DEBS[@]}"
  else
    _ensure_debs "${RUNTIME_DEBS[@]}"
  fi
  _ensure_venv "$what"
}
