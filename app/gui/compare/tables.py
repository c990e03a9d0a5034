"""Tables of the comparison window: metrics side by side with differences, constraints side by side."""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.compare.comparison import structure_key  # noqa: F401  (re-exported for the views)

METRICS = (("mean_gy", "Dmean"), ("max_gy", "Dmax"), ("d95_gy", "D95%"), ("d2_gy", "D2%"), ("volume_cc", "Vol cc"))
STATUS_COLOURS = {"pass": (200, 235, 200), "marginal": (250, 230, 170), "fail": (245, 190, 190),
                  "not_evaluable": (225, 225, 225)}
STATUS_TEXT = {"pass": "PASS", "marginal": "MARGINAL", "fail": "FAIL", "not_evaluable": "N/A"}


def _item(text: str, align_right: bool = False) -> QtWidgets.QTableWidgetItem:
    item = QtWidgets.QTableWidgetItem(text)
    item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
    if align_right:
        item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
    return item


def _num(v, digits=2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


class MetricsTable(QtWidgets.QTableWidget):
    structure_clicked = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        self.cellClicked.connect(lambda r, _c: self.structure_clicked.emit(self.item(r, 0).text()))

    def show_rows(self, labels: list[str], rows) -> None:
        a = labels[0]
        header = ["Structure", "Metric"] + labels + [f"{b} − {a}" for b in labels[1:]]
        self.clear()
        self.setColumnCount(len(header))
        self.setHorizontalHeaderLabels(header)
        body = []
        for s in rows:
            for key, name in METRICS:
                body.append([s.name, name] + [_num(s.values.get(p, {}).get(key)) for p in labels]
                            + [_num(s.differences.get(p, {}).get(key)) for p in labels[1:]])
        self.setRowCount(len(body))
        for r, cells in enumerate(body):
            for c, text in enumerate(cells):
                self.setItem(r, c, _item(text, c >= 2))
        self.resizeColumnsToContents()


class ConstraintsTable(QtWidgets.QTableWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.verticalHeader().hide()

    def show_rows(self, labels: list[str], rows, protocols: dict) -> None:
        header = ["Structure", "Metric", "Limit"] + [f"{p}\n{protocols.get(p) or 'no protocol'}" for p in labels]
        self.clear()
        self.setColumnCount(len(header))
        self.setHorizontalHeaderLabels(header)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate((row.structure, row.metric, row.limit_text)):
                self.setItem(r, c, _item(text))
            for i, p in enumerate(labels):
                res = row.results.get(p)
                if res is None:
                    self.setItem(r, 3 + i, _item("–"))
                    continue
                item = _item(f"{STATUS_TEXT.get(res['status'], res['status'])}  {_num(res.get('value'))}")
                item.setBackground(QtGui.QColor(*STATUS_COLOURS.get(res["status"], (255, 255, 255))))
                self.setItem(r, 3 + i, item)
        self.resizeColumnsToContents()
