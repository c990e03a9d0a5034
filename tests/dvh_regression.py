"""The stored ``rtreview dvh`` result of the sample patient and how to compare against it.

``tests/data/dvh_sample.json.xz`` is the JSON that ``rtreview dvh sample_dicom`` printed when it
was last regenerated (``tools/make_dvh_regression.py``), paths made relative to the sample folder,
xz-compressed. ``tests/test_cli_dvh_regression.py`` checks that today's output equals it number
for number. When regenerating is legitimate: tests/data/README.md.
"""
from __future__ import annotations

import json
import lzma
from pathlib import Path

STORED = Path(__file__).resolve().parent / "data" / "dvh_sample.json.xz"


def normalized(result: dict, sample_dir: Path | str) -> dict:
    """``result`` with every path under ``sample_dir`` written as ``sample_dicom/<name>``."""
    prefix = str(sample_dir).rstrip("/\\") + "/"

    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and value.startswith(prefix):
            return "sample_dicom/" + value[len(prefix):]
        return value

    return walk(result)


def load_stored() -> dict:
    with lzma.open(STORED, "rt", encoding="utf-8") as stream:
        return json.load(stream)


def write_stored(result: dict) -> None:
    text = json.dumps(result, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    with lzma.open(STORED, "wt", encoding="utf-8", preset=9) as stream:
        stream.write(text + "\n")


def differences(expected, actual, path: str = "$", limit: int = 10) -> list[str]:
    """Where ``actual`` differs from ``expected``: same keys, same list lengths, same types
    (an int is not a float), floats exactly equal. At most ``limit`` entries."""
    out: list[str] = []

    def walk(a, b, where):
        if len(out) >= limit:
            return
        if type(a) is not type(b):
            out.append(f"{where}: {type(a).__name__} {a!r:.60} != {type(b).__name__} {b!r:.60}")
        elif isinstance(a, dict):
            if list(a) != list(b):
                missing, extra = [k for k in a if k not in b], [k for k in b if k not in a]
                out.append(f"{where}: keys differ (missing {missing}, extra {extra}, or order)")
            for k in a:
                if k in b:
                    walk(a[k], b[k], f"{where}.{k}")
        elif isinstance(a, list):
            if len(a) != len(b):
                out.append(f"{where}: {len(a)} items != {len(b)}")
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{where}[{i}]")
        elif a != b:
            out.append(f"{where}: {a!r} != {b!r}")

    walk(expected, actual, path)
    return out
