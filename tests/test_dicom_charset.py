"""ROI and patient names in UTF-8 (ISO_IR 192) and GB18030 decode correctly."""
import pytest

import dicom_builders as b
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtstruct import read_structure_set


@pytest.mark.parametrize("charset", ["ISO_IR 192", "GB18030"])
def test_cjk_names(tmp_path, charset):
    ds = b.rtstruct([{"number": 1, "name": "肝脏", "type": "ORGAN",
                      "contours": [("CLOSED_PLANAR", b.roi_square(0.0))]},
                     {"number": 2, "name": "PTV 肝 50Gy", "type": "PTV"}],
                    charset=charset, patient_name="张^三", patient_id="CJK1")
    path = b.save(ds, tmp_path / "rs.dcm")
    raw = path.read_bytes()
    assert "肝脏".encode("utf-8" if charset == "ISO_IR 192" else "gb18030") in raw  # really encoded that way
    ss = read_structure_set(path)
    assert [r.name for r in ss.rois] == ["肝脏", "PTV 肝 50Gy"]
    assert ss.roi("肝脏").planes and ss.roi(2).is_empty
    case = load(tmp_path)
    assert case.patients[0].name == "张^三"
    assert case.patients[0].structure_sets[0].roi(1).name == "肝脏"
