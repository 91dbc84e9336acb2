"""``--output-format json``: one JSON array of findings in the shape ruff gives (code,
message, filename, location and end_location with row and column, fix with its
applicability, message and edits, url), errors included (``code`` null, ``kind``
"error"), streamed finding by finding."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..printable import for_json
from .base import Emitter, error_record

if TYPE_CHECKING:
    from ..results import FileResult


def _item(rec: Any, depth: int) -> str:
    """A value as ``json.dumps`` would indent it at ``depth`` levels of its container."""
    pad = "  " * depth
    return "\n".join(pad + line for line in json.dumps(rec, indent=2, ensure_ascii=False).splitlines())


def _at(line: int, column: int) -> dict[str, int]:
    return {"row": line, "column": column}


def _end_of(text: str) -> dict[str, int]:
    lines = text.split("\n")
    return _at(len(lines), len(lines[-1]) + 1)


def finding_json(rec: dict[str, Any], urls: dict[str, str]) -> dict[str, Any]:
    fix = rec["fix"]
    out_fix = None
    if fix and "edits" in fix:
        out_fix = {"applicability": fix["applicability"], "message": fix["message"],
                   "edits": [{"content": e["content"], "location": _at(e["start"]["line"], e["start"]["column"]),
                              "end_location": _at(e["end"]["line"], e["end"]["column"])} for e in fix["edits"]]}
    elif fix and "after" in fix:  # a change to another file (.dockerignore)
        out_fix = {"applicability": fix["applicability"], "message": fix["message"], "filename": fix["file"],
                   "edits": [{"content": fix["after"], "location": _at(1, 1),
                              "end_location": _end_of(fix["before"] or "")}]}
    return {
        "code": rec["code"], "kind": rec["kind"], "message": rec["message"], "note": rec["note"],
        "filename": rec["file"],
        "location": _at(rec["line"], rec["column"]), "end_location": _at(rec["end_line"], rec["end_column"]),
        "fix": out_fix, "url": urls.get(rec["code"]) if rec["code"] else None,
    }


class JsonEmitter(Emitter):
    name = "json"
    escape = staticmethod(for_json)

    def begin(self) -> None:
        from ..rules import all_rules

        self.count = 0
        self.urls = {r.code: r.url() for r in all_rules()}

    def _write(self, rec: dict[str, Any]) -> None:
        self.out(("[\n" if self.count == 0 else ",\n") + _item(finding_json(rec, self.urls), 1))
        self.count += 1

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        if err is not None:
            self._write(err)
        for rec in result.records:
            self._write(rec)

    def end(self) -> None:
        self.out("[]\n" if self.count == 0 else "\n]\n")
