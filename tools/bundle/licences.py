"""Licences of the third-party code in the desktop bundle, collected at build time by the spec.

Every file the bundle ships (PyInstaller's Analysis lists: Python modules, binaries, data) is
traced to where it came from on the build machine:

- a Python distribution installed in the build virtualenv (its RECORD lists the file): the
  licence files the distribution ships (``*.dist-info/licenses/*``, ``LICENSE*`` ...), plus the
  texts in ``tools/bundle/licences/`` for those whose wheel ships none or bundles more (see
  EXTRA_TEXTS and that folder's README);
- the Python interpreter and its standard library: CPython's LICENSE.txt;
- a Debian package (``dpkg -S``: system libraries PyInstaller collected as dependencies, the
  fonts): that package's ``/usr/share/doc/PACKAGE/copyright``;
- PyInstaller's bootloader (the executable itself): PyInstaller's COPYING.txt (GPL-2 with the
  bootloader exception).

The result goes to ``licences/`` in the bundle (``_internal/licences/``) with
THIRD-PARTY-NOTICES.txt, which names every component, its version, its licence and every bundled
file that comes from it; files that could not be traced are listed under "not attributed" (the
smoke test requires none). Runs in the build virtualenv (Linux, Debian: dpkg).
"""
from __future__ import annotations

import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "licences"
COMMON = Path("/usr/share/common-licenses")
LICENCE_NAME = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT|AUTHORS)[^/]*$", re.IGNORECASE)

# Distributions whose wheel ships no licence text, or bundles libraries its own text does not cover.
EXTRA_TEXTS = {
    "pyside6-essentials": [COMMON / "LGPL-3", COMMON / "GPL-3"],
    "shiboken6": [COMMON / "LGPL-3", COMMON / "GPL-3"],
    "pyjpegls": [TEXTS / "pyjpegls.txt", TEXTS / "CharLS.txt"],
    "python-gdcm": [TEXTS / "GDCM.txt", TEXTS / "CharLS.txt", TEXTS / "OpenSSL-1.1.1.txt"],
}
# Said in the notice next to the component (what the licence asks of a redistributor, or what the
# component bundles that its licence text does not make obvious).
REMARKS = {
    "pyside6-essentials": (
        "Qt for Python and the Qt 6 libraries it carries (PySide6/Qt/lib/libQt6*.so, the Qt plugins) are used "
        "under the GNU Lesser General Public License v3 (LGPL-3.0-only; texts LGPL-3 and GPL-3 here). They are "
        "unmodified, dynamically linked and kept as separate files in _internal/PySide6/: you may replace them "
        "with other builds of the same version. Their source: https://download.qt.io/official_releases/ "
        "(Qt 6) and https://code.qt.io/cgit/pyside/pyside-setup.git/ (PySide6), tag v{version}. Qt contains "
        "third-party code listed at https://doc.qt.io/qt-6/licenses-used-in-qt.html."),
    "shiboken6": "Shiboken (PySide6's binding runtime), LGPL-3.0-only as above; unmodified, a separate library.",
    "python-gdcm": (
        "GDCM (BSD-3-Clause, GDCM.txt) wrapped for Python (Apache-2.0, LICENSE); it bundles CharLS (BSD-3-Clause), "
        "OpenJPEG (BSD-2-Clause), the IJG JPEG library (IJG licence: \"this software is based in part on the work "
        "of the Independent JPEG Group\"), expat (MIT), zlib (zlib licence), and OpenSSL 1.1.1k "
        "(OpenSSL/SSLeay licence, OpenSSL-1.1.1.txt: \"This product includes software developed by the OpenSSL "
        "Project for use in the OpenSSL Toolkit (http://www.openssl.org/)\", \"This product includes "
        "cryptographic software written by Eric Young (eay@cryptsoft.com)\")."),
    "pyjpegls": "pyjpegls (MIT) with CharLS (BSD-3-Clause) compiled in (_CharLS*.so); texts from their repositories.",
    "pillow": "Pillow's licence file also covers the libraries its wheel bundles (pillow.libs/).",
    "numpy": "NumPy's licence files also cover OpenBLAS, libgfortran and libquadmath in numpy.libs/.",
    "pylibjpeg-openjpeg": "Its licence file also covers OpenJPEG (BSD-2-Clause), compiled into _openjpeg*.so.",
    "pyinstaller": ("Only PyInstaller's run-time modules are bundled (PyInstaller/fake-modules, run-time hooks), "
                    "which COPYING.txt puts under the Apache License 2.0, and the bootloader (below)."),
}


def _dist_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _file_owners() -> dict[str, md.Distribution]:
    owners: dict[str, md.Distribution] = {}
    for dist in md.distributions():
        for f in dist.files or []:
            owners[os.path.realpath(dist.locate_file(f))] = dist
    return owners


def _dpkg_package(path: str) -> str | None:
    """The Debian package that installed ``path`` (tries the path, its real path, then its name);
    None when there is no dpkg (not Debian: the file is listed as not attributed)."""
    if shutil.which("dpkg") is None:
        return None
    for query in dict.fromkeys([path, os.path.realpath(path), "*/" + os.path.basename(path)]):
        out = subprocess.run(["dpkg", "-S", query], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.splitlines()[0].split(":")[0].strip()
    return None


def _dpkg_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def _below_dist_info(record_path: str) -> str:
    parts = Path(record_path).parts
    for i, part in enumerate(parts):
        if part.endswith(".dist-info"):
            rest = parts[i + 1:]
            return str(Path(*rest[1:])) if len(rest) > 1 and rest[0] == "licenses" else str(Path(*rest))
    return parts[-1]


def _dist_licence(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if not expression:
        text = (meta.get("License") or "").strip()
        expression = text if text and "\n" not in text and len(text) < 80 else ""
    if not expression:
        expression = "; ".join(c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if "License" in c)
    return expression or "see the licence files"


def collect(entries, out_dir: Path) -> list[tuple[str, str, str]]:
    """Trace each (dest, source, type) of the Analysis to its origin, copy the licence texts into
    ``out_dir`` and write THIRD-PARTY-NOTICES.txt there; returns PyInstaller TOC entries
    (dest, source, "DATA") placing them under ``licences/``. Copies made by build_bundle.sh (the
    fallback libraries) are traced by their file name."""
    owners = _file_owners()
    python_root = os.path.realpath(sys.base_prefix)
    own_root = None
    try:
        own_root = os.path.realpath(md.distribution("rtreview").locate_file("rtreview"))
    except md.PackageNotFoundError:
        pass
    dists: dict[str, md.Distribution] = {}
    by_dist: dict[str, set[str]] = defaultdict(set)
    by_deb: dict[str, set[str]] = defaultdict(set)
    python_files: set[str] = set()
    unattributed: set[str] = set()
    for dest, source, kind in entries:
        if not source or kind in ("OPTION", "SYMLINK"):
            continue  # a SYMLINK's source is another bundled file, attributed under its own name
        if os.path.basename(source) == "base_library.zip":
            python_files.add(dest)  # PyInstaller's archive of the standard library modules needed at start
            continue
        real = os.path.realpath(source)
        shown = dest if kind != "PYMODULE" else dest + " (module)"
        if own_root and real.startswith(own_root + os.sep) or real.startswith(str(HERE) + os.sep):
            continue  # rtreview itself, the bundle's own files (fonts.conf)
        if kind == "DATA" and LICENCE_NAME.search(os.path.basename(real)):
            continue  # a licence text shipped as data (the fonts')
        dist = owners.get(real)
        if dist is not None:
            key = _dist_key(dist.metadata["Name"])
            if key == "rtreview":
                continue
            dists[key] = dist
            if kind != "PYMODULE":
                by_dist[key].add(shown)
            else:
                by_dist[key].add(dest.split(".")[0] + " (modules)")
            continue
        if real.startswith(python_root + os.sep) and "site-packages" not in real:
            if kind != "PYMODULE":
                python_files.add(shown)
            continue
        package = _dpkg_package(source)
        if package is not None:
            by_deb[package].add(dest)
        else:
            unattributed.add(f"{dest} (from {source})")

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    datas: list[tuple[str, str, str]] = []

    def copy(src: Path, rel: str) -> str:
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        datas.append(("licences/" + rel, str(target), "DATA"))
        return "licences/" + rel

    lines = [
        "rtreview desktop bundle: third-party software",
        "=" * 46,
        "",
        "This folder holds the licences of the third-party software the bundle contains. Each component",
        "below is listed with its version, its licence, where its licence texts are (paths under",
        "_internal/), and the bundled files that come from it. rtreview's own code is not listed here.",
        "",
    ]
    lines += ["Python packages", "-" * 15, ""]
    for key in sorted(dists):
        dist = dists[key]
        texts = [f for f in dist.files or [] if LICENCE_NAME.search(str(f)) and ".dist-info" in str(f)]
        # Keep the path below *.dist-info/ (numpy ships several LICENSE.txt in licenses/ subfolders).
        copied = [copy(Path(dist.locate_file(f)), f"python/{key}/{_below_dist_info(str(f))}") for f in texts]
        copied += [copy(p, f"python/{key}/{p.name}") for p in EXTRA_TEXTS.get(key, []) if p.is_file()]
        lines.append(f"* {dist.metadata['Name']} {dist.version}: {_dist_licence(dist)}")
        if key in REMARKS:
            lines.append("  " + REMARKS[key].format(version=dist.version))
        lines.append("  licence texts: " + (", ".join(copied) if copied else "NONE FOUND"))
        lines.append("  files: " + ", ".join(sorted(by_dist[key])))
        lines.append("")

    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    lines += ["Python", "-" * 6, ""]
    lines.append(f"* CPython {sys.version.split()[0]}: Python Software Foundation License Version 2 "
                 "(and the licences of the code it includes, all in this file)")
    lines.append("  licence texts: " + (copy(python_licence, "python/cpython/LICENSE.txt")
                                        if python_licence.is_file() else "NONE FOUND"))
    lines.append("  files: the standard library modules, " + ", ".join(sorted(python_files)))
    lines.append("")

    try:
        pyinstaller = md.distribution("pyinstaller")
        texts = [f for f in pyinstaller.files or [] if LICENCE_NAME.search(str(f)) and ".dist-info" in str(f)]
        copied = [copy(Path(pyinstaller.locate_file(f)), f"pyinstaller/{Path(str(f)).name}") for f in texts]
        lines += ["PyInstaller bootloader", "-" * 22, "",
                  f"* PyInstaller {pyinstaller.version} bootloader (the rtreview executable): GPL-2.0-or-later with "
                  "the bootloader exception, which allows bundles under any licence",
                  "  licence texts: " + ", ".join(copied), ""]
    except md.PackageNotFoundError:
        pass

    lines += ["Debian packages (system libraries and fonts from the build machine)", "-" * 67, ""]
    for package in sorted(by_deb):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        copied = copy(copyright_file, f"debian/{package}/copyright") if copyright_file.is_file() else "NONE FOUND"
        lines.append(f"* {package} {_dpkg_version(package)}: see its copyright file")
        lines.append(f"  licence texts: {copied}")
        lines.append("  files: " + ", ".join(sorted(by_deb[package])))
        lines.append("")
    if os.path.isdir(COMMON):
        for name in ("LGPL-2.1", "LGPL-3", "GPL-2", "GPL-3", "Apache-2.0", "MPL-1.1", "MPL-2.0", "BSD"):
            if (COMMON / name).is_file():
                copy(COMMON / name, f"common-licenses/{name}")
        lines += ["The Debian copyright files refer to the common licence texts (LGPL, GPL, Apache-2.0, MPL, BSD)",
                  "in /usr/share/common-licenses; copies: licences/common-licenses/.", ""]

    lines += ["Not attributed", "-" * 14, ""]
    lines += [f"* {f}" for f in sorted(unattributed)] or ["(none)"]
    lines.append("")
    notice = out_dir / "THIRD-PARTY-NOTICES.txt"
    notice.write_text("\n".join(lines), encoding="utf-8")
    datas.append(("licences/THIRD-PARTY-NOTICES.txt", str(notice), "DATA"))
    for f in sorted(unattributed):
        print(f"licences: WARNING: not attributed: {f}", file=sys.stderr)
    return datas
