"""The default α/β table: TG-263 structure name -> α/β (Gy), with its source; 10 Gy / 3 Gy otherwise.

The table is data shipped with the program (``resources/radiobiology/alpha_beta.json``), one
row per TG-263 name with aliases, the value, where it comes from and whether that source was
checked. Names compare as protocol structure names do: case- and separator-insensitively
(``SPINAL_CORD`` = ``Spinal Cord`` = ``SpinalCord``).

This module knows nothing of protocols or users: ``rtreview.core.constraints.alpha_beta`` puts
the protocol's value and the user's override in front of it (the one resolution order every
view uses). A structure the table does not know gets 10 Gy when it is a target (DICOM type or
name PTV/CTV/GTV/ITV) and 3 Gy otherwise.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

TARGET_PREFIXES = ("PTV", "CTV", "GTV", "ITV")
_SEPARATORS = re.compile(r"[^0-9a-z]+")

# Where a value came from (``AlphaBeta.origin``), highest precedence first.
USER, PROTOCOL, TABLE, DEFAULT = "user", "protocol", "table", "default"


@dataclass(frozen=True)
class AlphaBeta:
    """One structure's α/β (Gy) and where it comes from.

    ``origin``: 'user' (set in the window / case file), 'protocol' (the protocol's structure),
    'table' (a row of the default table), 'default' (10 Gy targets / 3 Gy organs).
    ``source``: the citation or the reason, for a tooltip or a report footnote.
    """

    value_gy: float
    origin: str
    source: str
    table_name: str = ""  # the table row (TG-263 name) when the table knew the structure
    serial: bool = False

    def describe(self) -> str:
        """'α/β 2.5 Gy (table: Liver)' style text."""
        where = {USER: "set by the user", PROTOCOL: "from the protocol",
                 TABLE: f"default table: {self.table_name}", DEFAULT: "default"}.get(self.origin, self.origin)
        return f"α/β {self.value_gy:g} Gy ({where})"


@dataclass(frozen=True)
class TableRow:
    name: str
    aliases: tuple[str, ...]
    alpha_beta_gy: float
    source: str
    checked: bool = False
    serial: bool = False


def fold(name: str) -> str:
    """Casefolded with every separator removed (the protocol matcher's rule, without wildcards)."""
    return _SEPARATORS.sub("", (name or "").casefold())


def table_path():
    from rtreview.paths import resources_dir

    return resources_dir() / "radiobiology" / "alpha_beta.json"


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, TableRow], TableRow, TableRow]:
    data = json.loads(table_path().read_text(encoding="utf-8"))
    rows: dict[str, TableRow] = {}
    for item in data["structures"]:
        row = TableRow(item["name"], tuple(item.get("aliases", ())), float(item["alpha_beta_gy"]),
                       item["source"], bool(item.get("checked", False)), bool(item.get("serial", False)))
        for alias in (row.name, *row.aliases):
            rows.setdefault(fold(alias), row)
    d = data["defaults"]
    target = TableRow("target", (), float(d["target"]["alpha_beta_gy"]), d["target"]["source"])
    organ = TableRow("organ", (), float(d["organ"]["alpha_beta_gy"]), d["organ"]["source"])
    return rows, target, organ


def table_rows() -> list[TableRow]:
    """The table's rows, each once, in file order (docs, tests)."""
    rows, _, _ = _table()
    return list(dict.fromkeys(rows.values()))


def table_row(name: str) -> TableRow | None:
    """The table's row for a structure name (TG-263 name or an alias), None if unknown."""
    return _table()[0].get(fold(name))


def looks_like_target(name: str, roi_type: str = "") -> bool:
    """A target by DICOM RT ROI Interpreted Type or by name (PTV/CTV/GTV/ITV...)."""
    return (roi_type or "").upper() in TARGET_PREFIXES or (name or "").upper().lstrip().startswith(TARGET_PREFIXES)


def default_alpha_beta(name: str, is_target: bool | None = None, roi_type: str = "") -> AlphaBeta:
    """α/β of a structure from the table, else 10 Gy (target) / 3 Gy (organ).

    ``is_target`` None: decided from ``roi_type`` and the name. Targets are never looked up in
    the table (a 'GTV_Liver' is tumour, not liver)."""
    _, target, organ = _table()
    if is_target is None:
        is_target = looks_like_target(name, roi_type)
    if is_target:
        return AlphaBeta(target.alpha_beta_gy, DEFAULT, target.source)
    row = table_row(name)
    if row is not None:
        return AlphaBeta(row.alpha_beta_gy, TABLE, row.source, row.name, row.serial)
    return AlphaBeta(organ.alpha_beta_gy, DEFAULT, organ.source)


def is_serial(name: str) -> bool:
    """True for the serial organs of the table (cord, cauda equina, brainstem, plexus, optic structures)."""
    row = table_row(name)
    return bool(row is not None and row.serial)
