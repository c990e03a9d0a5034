"""`rtreview dvh` imports only what it needs: no Qt, no pyqtgraph, no report or GUI code, nothing
of the constraints, cohort or timeline packages, and no pydicom (the raw reader reads the files;
pydicom only for files it leaves to pydicom) (checked in a fresh process, after it ran)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO, SAMPLE_DICOM

PROBE = r"""
import contextlib, io, json, sys
from rtreview.cli.main import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(["dvh", *sys.argv[1:]])
print(json.dumps({"status": status, "doses": len(json.loads(out.getvalue())["doses"]), "modules": sorted(sys.modules)}))
"""

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "rtreview.gui", "rtreview.report", "rtreview.core.constraints",
             "rtreview.core.cohort", "rtreview.core.timeline", "rtreview.core.viewing",
             "dask", "pyarrow", "pydicom", "PIL", "gdcm")


def test_dvh_imports_no_qt_pyqtgraph_report_or_gui():
    out = subprocess.run([sys.executable, "-c", PROBE, str(SAMPLE_DICOM / "RS_SYNTHETIC.dcm"),
                          str(SAMPLE_DICOM / "RD_L_ILIUM.dcm")], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 0 and result["doses"] == 1  # it really ran
    loaded = [m for m in result["modules"] if m.split(".")[0] in {f.split(".")[0] for f in FORBIDDEN}]
    bad = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []
    assert "rtreview.core.dvh.compute" in result["modules"] and "rtreview.core.dicom.raw.parse" in result["modules"]


def test_dvh_of_the_whole_sample_imports_no_pydicom():
    out = subprocess.run([sys.executable, "-c", PROBE, str(SAMPLE_DICOM)], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 0 and result["doses"] == 2  # both plans of the sample
    bad = [m for m in result["modules"] if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []


def test_importing_the_loader_imports_no_pydicom():
    code = "import sys, rtreview.core.dicom.loader; print(sorted(m for m in sys.modules if m.startswith('pydicom')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_window_showing_the_sample_imports_no_pydicom(tmp_path):
    """`rtreview sample_dicom` (the window, here rendering one screenshot) reads the sample without
    pydicom: it is imported only to write DICOM (export, listener) or for files the raw reader leaves."""
    shot = tmp_path / "shot.png"
    code = ("import sys; from rtreview.cli.main import main; status = main([sys.argv[1], '--screenshot', sys.argv[2]]); "
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('pydicom', 'pynetdicom')))")
    out = subprocess.run([sys.executable, "-c", code, str(SAMPLE_DICOM), str(shot)], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "0 []"
    assert shot.stat().st_size > 10_000  # it really rendered the window
