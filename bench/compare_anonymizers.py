"""Compare rtreview's anonymised export with dicognito and deid on the same files, attribute by
attribute: for every attribute (sequence items included) of the inputs, what each tool did with
it (kept, replaced, emptied, removed, added), then whether each output still links (RT Dose ->
RT Plan -> RT Structure Set -> CT) and gives the same DVHs as the originals.

The peers run in their own virtualenv (never rtreview dependencies):
    python3 -m venv /tmp/anon-peers && /tmp/anon-peers/bin/pip install dicognito deid
    .venv/bin/python bench/compare_anonymizers.py --peers-python /tmp/anon-peers/bin/python [INPUT_DIR]
Default input: sample_dicom/. Prints a table of the attributes where the tools differ.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from pydicom import dcmread

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out" / "anonymizers"
DEID = """
import glob, sys
from deid.dicom import replace_identifiers
files = sorted(glob.glob(sys.argv[1] + '/*.dcm'))
replace_identifiers(dicom_files=files, save=True, output_folder=sys.argv[2], overwrite=True)
"""


def flatten(ds, prefix="") -> dict[str, str]:
    out = {}
    for elem in ds:
        name = prefix + (elem.keyword or str(elem.tag))
        if elem.VR == "SQ":
            for k, item in enumerate(elem.value):
                out.update(flatten(item, f"{name}[{k}]."))
        elif elem.VR in ("OB", "OW", "OF", "OD") or elem.keyword in ("ContourData", "DVHData"):
            out[name] = f"<{len(elem.value or b'')} bytes>" if isinstance(elem.value, bytes) else "<data>"
        else:
            out[name] = str(elem.value)
    return out


def generic(name: str) -> str:
    """'ROIContourSequence[3].ContourSequence[7].ContourData' -> 'ROIContourSequence[].ContourSequence[].ContourData'."""
    import re
    return re.sub(r"\[\d+\]", "[]", name)


def by_sop(folder: Path) -> dict[str, dict]:
    """Original SOP Instance UID -> flattened data set, matched through Instance Number + modality
    + the file order (the tools rename files and UIDs)."""
    return {p.name: dcmread(p) for p in sorted(folder.rglob("*.dcm"))}


def action(before: str | None, after: str | None) -> str:
    if before is None:
        return "added" if after is not None else "-"
    if after is None:
        return "removed"
    if after == before:
        return "kept"
    if after.strip() == "":
        return "emptied"
    return "replaced"


def links_ok(folder: Path) -> bool:
    try:
        return _links_ok(folder)
    except (AttributeError, IndexError, KeyError):  # a reference sequence was removed
        return False


def _links_ok(folder: Path) -> bool:
    files = [dcmread(p, stop_before_pixels=True) for p in folder.rglob("*.dcm")]
    uids = {str(d.SOPInstanceUID) for d in files}
    doses = [d for d in files if d.Modality == "RTDOSE"]
    plans = [d for d in files if d.Modality == "RTPLAN"]
    return bool(doses) and all(str(d.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID) in uids for d in doses) \
        and all(str(p.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID) in uids for p in plans)


def dvhs(folder: Path) -> list:
    out = subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(folder), "--format", "json"],
                         capture_output=True, text=True, cwd=REPO)
    doses = json.loads(out.stdout or '{"doses": []}')["doses"]
    return sorted((d["fractions"], d["prescription_gy"], json.dumps(d["structures"], sort_keys=True)) for d in doses)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", nargs="?", type=Path, default=REPO / "sample_dicom")
    ap.add_argument("--peers-python", required=True, help="python of the virtualenv holding dicognito and deid")
    args = ap.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    src = OUT / "in"
    src.mkdir(parents=True)
    for p in sorted(args.input.glob("*.dcm")):
        shutil.copy(p, src / p.name)
    outs = {name: OUT / name for name in ("rtreview", "dicognito", "deid")}
    subprocess.run([sys.executable, "-m", "rtreview", "anonymize", str(src), "-o", str(outs["rtreview"])], check=True,
                   cwd=REPO, capture_output=True)
    subprocess.run([args.peers_python, "-m", "dicognito", "--output-directory", str(outs["dicognito"]), str(src)],
                   check=True, capture_output=True)
    outs["deid"].mkdir()
    subprocess.run([args.peers_python, "-c", DEID, str(src), str(outs["deid"])], check=True, capture_output=True)
    # Match outputs to inputs by modality + instance number + content shape (all tools keep those).
    def key(ds):
        return (str(ds.Modality), str(ds.get("InstanceNumber", "")), str(ds.get("Rows", "")),
                str(ds.get("ImagePositionPatient", "")), str(ds.get("DoseGridScaling", "")),
                len(ds.get("ROIContourSequence", [])), str(ds.get("NumberOfFrames", "")),
                str(ds.get("FractionGroupSequence", [{}])[0].get("NumberOfFractionsPlanned", ""))
                if "FractionGroupSequence" in ds else "")
    originals = {key(d): flatten(d) for d in (dcmread(p) for p in sorted(src.glob("*.dcm")))}
    table: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for tool, folder in outs.items():
        outputs = {key(d): flatten(d) for d in (dcmread(p) for p in sorted(folder.rglob("*.dcm")))}
        assert set(outputs) == set(originals), (tool, len(outputs), len(originals))
        for k, before in originals.items():
            after = outputs[k]
            for name in set(before) | set(after):
                table[generic(name)][tool].add(action(before.get(name), after.get(name)))
    tools = list(outs)
    print(f"{len(originals)} files; attributes where the tools differ:")
    print(f"{'attribute':<60} " + " ".join(f"{t:<18}" for t in tools))
    for name in sorted(table):
        cells = ["/".join(sorted(table[name][t])) for t in tools]
        if len(set(cells)) > 1:
            print(f"{name[:60]:<60} " + " ".join(f"{c:<18}" for c in cells))
    reference = dvhs(src)
    for tool, folder in outs.items():
        print(f"{tool}: references link: {links_ok(folder)}; DVHs identical to the originals: {dvhs(folder) == reference}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
