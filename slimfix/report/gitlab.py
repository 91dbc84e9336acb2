"""``--output-format gitlab``: GitLab's Code Quality report (the Code Climate JSON
subset GitLab reads): description, check_name, fingerprint, severity, location."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..printable import for_json
from .base import Emitter, error_record
from .fingerprints import Fingerprints
from .json import _item

if TYPE_CHECKING:
    from ..results import FileResult

_SEVERITY = {"problem": "minor", "advice": "info", "error": "blocker"}


class GitlabEmitter(Emitter):
    name = "gitlab"
    escape = staticmethod(for_json)

    def begin(self) -> None:
        self.count = 0
        self.fingerprint = Fingerprints()

    def _write(self, rec: dict[str, Any]) -> None:
        issue = {
            "description": rec["message"] + (f" ({rec['note']})" if rec["note"] else ""),
            "check_name": rec["code"] or "slimfix/error",
            "fingerprint": self.fingerprint(rec),
            "severity": _SEVERITY[rec["kind"]],
            "location": {"path": rec["file"].removeprefix("./"),
                         "lines": {"begin": rec["line"], "end": rec["end_line"]}},
        }
        self.out(("[\n" if self.count == 0 else ",\n") + _item(issue, 1))
        self.count += 1

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        for rec in ([err] if err else []) + result.records:
            self._write(rec)

    def end(self) -> None:
        self.out("[]\n" if self.count == 0 else "\n]\n")
