"""``--output-format json``: one JSON array of the records, errors included (``code``
null, ``kind`` "error"), streamed record by record."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .base import Emitter, error_record

if TYPE_CHECKING:
    from ..runner import FileResult


def _item(rec: dict[str, Any], depth: int) -> str:
    """A record as ``json.dumps`` would indent it at ``depth`` levels of its container."""
    pad = "  " * depth
    return "\n".join(pad + line for line in json.dumps(rec, indent=2, ensure_ascii=False).splitlines())


class JsonEmitter(Emitter):
    name = "json"

    def begin(self) -> None:
        self.count = 0

    def _write(self, rec: dict[str, Any]) -> None:
        self.out(("[\n" if self.count == 0 else ",\n") + _item(rec, 1))
        self.count += 1

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        if err is not None:
            self._write(err)
        for rec in result.records:
            self._write(rec)

    def end(self) -> None:
        self.out("[]\n" if self.count == 0 else "\n]\n")
