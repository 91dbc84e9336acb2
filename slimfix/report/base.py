"""What every output format is: an emitter that receives each file's result as it
arrives (so memory stays flat however many files there are) and closes the report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    from ..results import FileResult


def _as_is(text: str) -> str:
    return text


class Emitter:
    name: ClassVar[str]
    # Workers send structured records (see ``records.record``), not formatted lines.
    structured: ClassVar[bool] = True
    # What the format does to every piece it writes so that any file name or quoted line
    # keeps it valid and shows nothing raw (see ``printable``).
    escape: ClassVar[Callable[[str], str]] = staticmethod(_as_is)

    def __init__(self, out: Callable[[str], None]):
        escape = self.escape
        self.out = out if escape is _as_is else (lambda text: out(escape(text)))

    def begin(self) -> None:
        """Before the first file."""

    def file(self, result: "FileResult") -> None:
        """One file's findings, and its error if it had one."""

    def end(self) -> None:
        """After the last file."""


def fails(rec: dict[str, Any]) -> bool:
    """Whether a finding fails the run, as the exit status counts it: a problem does;
    advice never does on its own (only advice that comes with a fix to apply)."""
    return rec["kind"] != "advice" or rec["fix"] is not None


def error_record(result: "FileResult") -> dict[str, Any] | None:
    """A file's error as a record with the findings' shape (``code`` None, as ruff does for
    syntax errors), or None when the file had none."""
    if not result.error:
        return None
    line, column = result.error_at or (1, 1)
    prefix = f"{result.name}:{line}:{column}: " if result.error_at else f"{result.name}: "
    return {"file": result.name, "line": line, "column": column, "end_line": line, "end_column": column,
            "code": None, "kind": "error", "message": result.error.removeprefix(prefix), "note": None,
            "fix": None}
