#!/usr/bin/env bash
# Create bench/.venv-gamma: pymedphys (Apache-2.0), the REFERENCE gamma implementation that
# bench/gamma_reference.py compares rtreview.core.compare.gamma against.
#
# pymedphys is never a dependency of rtreview; it lives in its own virtualenv (git-ignored:
# bench/.venv-*/) and is called through a subprocess.
#
#   bench/setup_gamma_peer.sh            # create / update the venv, then print versions
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-gamma"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $($py --version 2>&1)"
    "$py" -m venv "$venv"
fi
# pymedphys imports pydicom, typing_extensions and tomlkit at import time; its gamma needs numpy,
# scipy and numba (its interpolation).
# Its other (optional) dependencies are not installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "pymedphys==0.41.0"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check scipy typing_extensions pydicom tomlkit numba
"$venv/bin/python" - <<'PY'
import importlib.metadata as md
for p in ("pymedphys", "numpy", "scipy", "numba"):
    print(f"  {p:10s} {md.version(p)}")
import pymedphys
print("  pymedphys.gamma:", pymedphys.gamma.__module__)
PY
echo "gamma peer venv ready: $venv"
