"""The text report: one line per finding (``path:line:col: CODE message``), a note line
under it, and the fix mark (``[*]`` applied by this run's mode, ``[unsafe fix]``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .base import Emitter

if TYPE_CHECKING:
    from ..fixes import Applicability, Finding
    from ..results import FileResult


@dataclass(frozen=True)
class Located:
    finding: Finding
    line: int
    column: int
    end_line: int
    end_column: int


def locate(text: str, finding: Finding) -> Located:
    from ..syntax.text import line_col  # not for a report from the cache: its lines are made

    line, col = line_col(text, finding.start)
    end_line, end_col = line_col(text, finding.end)
    return Located(finding, line, col, end_line, end_col)


def fix_mark(finding: Finding, threshold: Applicability) -> str:
    from ..fixes import Applicability  # a report from the cache has its lines made

    applicability = finding.applicability
    if applicability is None or applicability is Applicability.DISPLAY_ONLY:
        return ""
    if applicability >= threshold:
        return " [*]"
    return " [unsafe fix]"


def format_finding(name: str, loc: Located, threshold: Applicability) -> list[str]:
    f = loc.finding
    lines = [f"{name}:{loc.line}:{loc.column}: {f.code} {f.message}{fix_mark(f, threshold)}"]
    if f.note:
        lines.append(f"    note: {f.note}")
    return lines


class TextEmitter(Emitter):
    """Workers format the lines; this prints them. Errors are on standard error already
    (every format prints them there), so the text report adds nothing for them."""

    name = "text"
    structured = False

    def __init__(self, out: Callable[[str], None]):
        self.out = out

    def file(self, result: "FileResult", sink: Callable[[str], None] | None = None) -> None:
        write = sink or self.out
        for line in result.lines:
            write(line + "\n")
