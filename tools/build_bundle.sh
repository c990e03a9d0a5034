#!/usr/bin/env bash
# Build the one-folder desktop bundle of rtreview with PyInstaller: dist/rtreview/rtreview
# (Qt, the fonts, the protocols/resources and the synthetic sample inside; no Python needed on the
# target). Usage: tools/build_bundle.sh [DIST_DIR]   (default: dist/)
# The build runs in its own virtualenv (build/bundle-venv) with rtreview installed from this
# checkout as a normal (non-editable) package, so the bundle holds exactly what a wheel holds.
# Details, sizes and the Windows / macOS notes: docs/bundle.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
BUILD="${RTREVIEW_BUNDLE_BUILD:-$ROOT/build}"
VENV="$BUILD/bundle-venv"
PYINSTALLER_VERSION="6.22.3"  # PyInstaller is GPL-2 with the bootloader exception: bundles may ship under any licence

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q "pyinstaller==$PYINSTALLER_VERSION" pyinstaller-hooks-contrib
# Not editable: the bundle must not point back into this checkout.
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$ROOT"
"$VENV/bin/python" -m pip install -q "$ROOT"

# Fonts the window and the report ask for (app/report/document.py FONT_FAMILIES), shipped with
# their licences; Debian: fonts-dejavu-core, fonts-noto-cjk (tools/bootstrap.sh installs both).
fonts=()
for f in /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf \
         /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
         /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc; do
  [ -f "$f" ] && fonts+=("$f")
done
[ "${#fonts[@]}" -ge 2 ] || { echo "build_bundle: DejaVu Sans / Noto Sans CJK not found (apt-get install fonts-dejavu-core fonts-noto-cjk)" >&2; exit 1; }
mkdir -p "$BUILD/bundle-licences"
cp /usr/share/doc/fonts-dejavu-core/copyright "$BUILD/bundle-licences/LICENSE.fonts-dejavu.txt" 2>/dev/null || true
cp /usr/share/doc/fonts-noto-cjk/copyright "$BUILD/bundle-licences/LICENSE.fonts-noto-cjk.txt" 2>/dev/null || true
for f in "$BUILD"/bundle-licences/*; do fonts+=("$f"); done

# Fallback OpenGL dispatch libraries (glvnd libGL/libEGL and the X11 client libraries they need):
# Qt's GUI library links them even for headless (offscreen) use, and PyInstaller leaves them out on
# purpose (they belong to the machine's graphics stack). They are shipped as plain files and loaded
# by tools/bundle/runtime_env.py only when the machine has no libGL (a server, a bare container).
FALLBACK="$BUILD/bundle-fallback-libs"
rm -rf "$FALLBACK" && mkdir -p "$FALLBACK"
for lib in libGL.so.1 libEGL.so.1; do
  path="$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|x86_64|64bit/ {print $NF; exit}')"
  [ -n "$path" ] || { echo "build_bundle: $lib not found (apt-get install libgl1 libegl1)" >&2; exit 1; }
  cp -L "$path" "$FALLBACK/$lib"
  ldd "$path" | awk '$3 ~ /^\// {print $1, $3}' | while read -r soname file; do
    case "$soname" in libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*) continue ;; esac
    cp -L "$file" "$FALLBACK/$soname"
  done
done
export RTREVIEW_BUNDLE_FALLBACK_LIBS="$FALLBACK"

export RTREVIEW_BUNDLE_FONTS
RTREVIEW_BUNDLE_FONTS="$(IFS=:; echo "${fonts[*]}")"
cd "$ROOT"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$BUILD/pyinstaller" \
  tools/bundle/rtreview.spec
echo "bundle: $DIST/rtreview/rtreview ($(du -sh "$DIST/rtreview" | cut -f1))"
