"""Package list for setuptools (metadata is in pyproject.toml).

The repository's source folder ``app/`` is installed as the import package ``rtreview``;
``resources/`` and ``sample_dicom/`` are installed inside it. Every folder below them is declared
as a package (data-only folders included), so the list never goes stale and ``pip install``
prints no "absent from the packages configuration" warnings.
"""
from pathlib import Path

from setuptools import setup

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


setup(
    package_dir=ROOTS,
    packages=_packages(),
    package_data={"rtreview.resources": ["**/*"], "rtreview.sample_dicom": ["**/*"]},
    include_package_data=False,
)
