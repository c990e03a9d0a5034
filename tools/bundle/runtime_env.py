"""PyInstaller runtime hook of the rtreview bundle, run before any of rtreview's code.

1. Fonts: use the fonts shipped in the bundle (DejaVu Sans, Noto Sans CJK) through fontconfig, so
   the window and the PDF report have them on a machine without any installed; the bundled
   fonts.conf also includes the system's configuration when there is one.
2. OpenGL dispatch: Qt's GUI library needs libGL.so.1 / libEGL.so.1 even offscreen. When the
   machine has none (a server, a bare container, a minimal Debian), preload the glvnd copies shipped
   in fallback-libs/ (with the X11 client libraries they need) so Qt finds them by name; when the
   machine has its own, they are used and the fallback is not touched.
"""
import ctypes
import ctypes.util
import os
import sys

_base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
_conf = os.path.join(_base, "fonts", "fonts.conf")
if os.path.isfile(_conf):
    os.environ.setdefault("FONTCONFIG_FILE", _conf)

_fallback = os.path.join(_base, "fallback-libs")
if os.path.isdir(_fallback) and ctypes.util.find_library("GL") is None:
    _pending = sorted(os.listdir(_fallback))
    while _pending:  # load dependencies first: retry what failed until nothing more loads
        _failed = []
        for _name in _pending:
            try:
                ctypes.CDLL(os.path.join(_fallback, _name), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                _failed.append(_name)
        if len(_failed) == len(_pending):
            break
        _pending = _failed
