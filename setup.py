"""Package list for setuptools (metadata is in pyproject.toml).

The repository's source folder ``app/`` is installed as the import package ``rtreview``;
``resources/`` and ``sample_dicom/`` are installed inside it. Every folder below them is declared
as a package (data-only folders included), so the list never goes stale and ``pip install``
prints no "absent from the packages configuration" warnings.

``pip install -e``: because ``rtreview`` maps to the folder ``app/``, setuptools installs an import
finder (its "lenient" editable mode) and always emits an informational BuildBackendWarning
("Editable installation ... folders in your working directory with the same name as your package
may take precedence during imports"). That can only happen with a folder or module named
``rtreview`` at the top of the checkout; the editable command below silences this one notice
exactly when there is none (tests/test_packaging.py checks the install is quiet), and lets it
through otherwise. The other modes are no quieter: ``strict`` warns that new files need a
reinstall, ``compat`` is deprecated, and a plain ``.pth`` needs the folder to be named ``rtreview``.
"""
import warnings
from pathlib import Path

from setuptools import setup
from setuptools.command.editable_wheel import editable_wheel

HERE = Path(__file__).resolve().parent
ROOTS = {"rtreview": "app", "rtreview.resources": "resources", "rtreview.sample_dicom": "sample_dicom"}
SKIP = {"__pycache__"}


def _packages() -> list[str]:
    names = []
    for package, folder in ROOTS.items():
        base = HERE / folder
        names.append(package)
        for sub in sorted(p for p in base.rglob("*") if p.is_dir()):
            rel = sub.relative_to(base).parts
            if SKIP.intersection(rel) or any(part.startswith(".") for part in rel):
                continue
            dotted = ".".join((package, *rel))
            if dotted not in ROOTS:
                names.append(dotted)
    return names


class EditableWheel(editable_wheel):
    """``pip install -e`` without setuptools' notice about a shadowing ``rtreview`` folder when there is none."""

    def run(self):
        shadowing = [p for p in (HERE / "rtreview", HERE / "rtreview.py") if p.exists()]
        with warnings.catch_warnings():
            if not shadowing:
                try:
                    from setuptools.warnings import InformationOnly
                except ImportError:  # setuptools < 67: no such notice
                    InformationOnly = UserWarning
                warnings.filterwarnings("ignore", message=r"\s*Editable installation\.", category=InformationOnly)
            super().run()


setup(
    cmdclass={"editable_wheel": EditableWheel},
    package_dir=ROOTS,
    packages=_packages(),
    package_data={"rtreview.resources": ["**/*"], "rtreview.sample_dicom": ["**/*"]},
    include_package_data=False,
)
