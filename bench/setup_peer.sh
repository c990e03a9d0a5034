#!/usr/bin/env bash
# Create bench/.venv-peer: the PEER DVH engine (dicompyler-core) for benchmarks only.
#
# dicompyler-core is never a dependency of rtreview; it lives in its own virtualenv
# (git-ignored: bench/.venv-*/) and is called by bench/*.py through a subprocess.
#
#   bench/setup_peer.sh            # create / update the venv, then self-check
#   PYTHON=python3.12 bench/setup_peer.sh
#
# Versions: dicompyler-core 0.5.6 (latest, 2023) with pydicom 2.4.5. It works with numpy 2
# (tested 2.4.6): nothing in dicompyler-core 0.5.6 uses the aliases numpy 2 removed, and the
# self-check below reproduces dicompyler-core's own unit-test values. scikit-image is needed
# only for its interpolation ("best accuracy") mode (interpolation_resolution).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-peer"
py="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $($py --version 2>&1)"
    "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "dicompyler-core==0.5.6" "pydicom==2.4.5" "numpy>=1.24,<3" matplotlib scikit-image six

"$venv/bin/python" - <<'EOF'
import importlib.metadata as md
for p in ("dicompyler-core", "pydicom", "numpy", "matplotlib", "scikit-image"):
    print(f"  {p:16s} {md.version(p)}")
EOF

# Self-check: dicompyler-core's own unit test values for ROI 5 (Heart) of its example plan.
example="$here/../../shared/reference_dicom/dicompyler-core-example"
if [ -f "$example/rtss.dcm" ]; then
    "$venv/bin/python" - "$example" <<'EOF'
import sys
from dicompylercore import dvhcalc
d = dvhcalc.get_dvh(sys.argv[1] + "/rtss.dcm", sys.argv[1] + "/rtdose.dcm", 5)
ok = (abs(d.volume - 440.23124999) < 1e-6 and abs(d.max - 3.1) < 1e-9
      and abs(d.min - 0.03) < 1e-9 and abs(d.mean - 0.6475329) < 1e-6)
print(f"  self-check Heart: volume {d.volume:.6f} cc, min {d.min} max {d.max} "
      f"mean {d.mean:.7f} Gy -> {'OK' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
EOF
else
    echo "  (no shared/reference_dicom/dicompyler-core-example: self-check skipped)"
fi
echo "peer venv ready: $venv"
