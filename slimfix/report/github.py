"""``--output-format github``: workflow commands that GitHub Actions shows as annotations
on the lines: warnings for problems, notices for advice, errors for unreadable files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..printable import for_line
from .base import Emitter, error_record

if TYPE_CHECKING:
    from ..results import FileResult

_LEVELS = {"problem": "warning", "advice": "notice", "error": "error"}


def github_line(rec: dict[str, Any]) -> str:
    level = _LEVELS[rec.get("kind", "problem")]
    props = [f"file={_escape_property(rec['file'])}", f"line={rec['line']}", f"col={rec['column']}",
             f"endLine={rec['end_line']}", f"endColumn={rec['end_column']}"]
    if rec["code"]:
        props.append(f"title={_escape_property(rec['code'])}")
    message = rec["message"] + (f" ({rec['note']})" if rec["note"] else "")
    # What the runner's escapes leave (ESC, bytes that are not UTF-8) must not reach the log raw.
    return for_line(f"::{level} {','.join(props)}::{_escape_data(message)}")


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


class GithubEmitter(Emitter):
    name = "github"

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        for rec in ([err] if err else []) + result.records:
            self.out(github_line(rec) + "\n")
