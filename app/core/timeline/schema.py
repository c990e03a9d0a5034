"""A validator for the subset of JSON Schema that ``case.schema.json`` uses.

The schema file is the single source of truth; this module only interprets it.
Supported keywords: ``type``, ``required``, ``properties``, ``enum``, ``const``,
``pattern``, ``format: date``, ``items``, ``minimum``, ``maximum``, ``$ref`` (local,
``#/$defs/...``), ``allOf`` and ``if``/``then``. ``additionalProperties`` is not
enforced: unknown fields are allowed and preserved. Every issue names the field
path and, when the text is known, the line in the file.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .json_lines import JsonPath, format_path, line_for

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@dataclass(frozen=True)
class SchemaIssue:
    """One violation: where (path, 1-based line or None) and what."""

    path: JsonPath
    line: int | None
    message: str

    @property
    def field(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field}: {self.message}"


def case_schema_path() -> Path:
    """The shipped case-file schema (``resources/schemas/case.schema.json``)."""
    from rtreview.paths import resources_dir

    return resources_dir() / "schemas" / "case.schema.json"


SUPPORTED_KEYWORDS = frozenset({
    "type", "required", "properties", "enum", "const", "pattern", "format", "items", "minimum", "maximum",
    "$ref", "allOf", "if", "then", "additionalProperties",  # validated (additionalProperties: allowed, kept)
    "$schema", "$id", "$defs", "title", "description",  # annotations
})


def unsupported_keywords(schema: object, path: str = "#") -> list[str]:
    """Keywords in ``schema`` this validator would silently ignore (so the schema cannot
    promise a check that is not made)."""
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            where = f"{path}/{key}"
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    found += unsupported_keywords(sub, f"{where}/{name}")
            elif key not in SUPPORTED_KEYWORDS:
                found.append(where)
            elif key in ("items", "if", "then"):
                found += unsupported_keywords(value, where)
            elif key == "allOf":
                for index, sub in enumerate(value):
                    found += unsupported_keywords(sub, f"{where}/{index}")
    return found


@lru_cache(maxsize=1)
def load_case_schema() -> dict:
    """The shipped case schema; ValueError if it uses a keyword this validator does not implement."""
    schema = json.loads(case_schema_path().read_text(encoding="utf-8"))
    unsupported = unsupported_keywords(schema)
    if unsupported:
        raise ValueError(f"{case_schema_path()}: keywords the validator does not implement: {unsupported}")
    return schema


def validate(instance: object, schema: dict, lines: dict[JsonPath, int] | None = None,
             path: JsonPath = (), definition: str = "") -> list[SchemaIssue]:
    """All violations of ``schema`` by ``instance`` (empty when valid); ``schema`` is the root
    document for ``$ref`` resolution; ``path`` is where ``instance`` sits in its document.
    With ``definition`` (e.g. ``"event"``) the instance is checked against ``$defs/<definition>``."""
    target = schema["$defs"][definition] if definition else schema
    raw = _Validator(schema).check(instance, target, tuple(path))
    lines = lines or {}
    return [SchemaIssue(p, line_for(lines, p), msg) for p, msg in raw]


class _Validator:
    def __init__(self, root: dict):
        self.root = root

    def _resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, not {ref!r}")
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def check(self, value: object, schema: dict, path: JsonPath) -> list[tuple[JsonPath, str]]:
        if "$ref" in schema:
            return self.check(value, self._resolve(schema["$ref"]), path)
        issues: list[tuple[JsonPath, str]] = []
        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if not any(_TYPES[name](value) for name in names):
                return [(path, f"expected {' or '.join(names)}, got {_describe(value)}")]
        if "const" in schema and value != schema["const"]:
            issues.append((path, f"must be {json.dumps(schema['const'])}, got {json.dumps(value)}"))
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(json.dumps(v) for v in schema["enum"])
            issues.append((path, f"must be one of {allowed}; got {json.dumps(value)}"))
        if isinstance(value, str):
            issues += self._string(value, schema, path)
        if _TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                issues.append((path, f"must be >= {schema['minimum']}, got {value}"))
            if "maximum" in schema and value > schema["maximum"]:
                issues.append((path, f"must be <= {schema['maximum']}, got {value}"))
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    issues.append((path + (name,), "required field is missing"))
            for name, sub in schema.get("properties", {}).items():
                if name in value:
                    issues += self.check(value[name], sub, path + (name,))
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                issues += self.check(item, schema["items"], path + (index,))
        for sub in schema.get("allOf", []):
            issues += self.check(value, sub, path)
        if "if" in schema and not self.check(value, schema["if"], path):
            if "then" in schema:
                issues += self.check(value, schema["then"], path)
        return issues

    @staticmethod
    def _string(value: str, schema: dict, path: JsonPath) -> list[tuple[JsonPath, str]]:
        if "pattern" in schema and not re.search(schema["pattern"], value):
            hint = " (a date is YYYY-MM-DD)" if schema.get("format") == "date" else ""
            return [(path, f"{json.dumps(value)} does not match the expected form{hint}")]
        if schema.get("format") == "date":
            try:
                _dt.date.fromisoformat(value)
            except ValueError:
                return [(path, f"{json.dumps(value)} is not a calendar date (YYYY-MM-DD)")]
        return []


def _describe(value: object) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return f"{name} {json.dumps(value)}" if name not in ("array", "object") else name
    return type(value).__name__
