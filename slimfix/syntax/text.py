"""Character classes and line splitting exactly as BuildKit's Go code sees them.

Python's ``str.isspace`` is wider than Go's ``unicode.IsSpace`` (it also accepts the
ASCII separators 0x1c-0x1f), so every trim the parser does goes through these helpers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# Go's unicode.IsSpace: Latin-1 spaces plus the Unicode White_Space property.
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

BOM = "\ufeff"
MAX_LINE_BYTES = 65535


_LEADING_SPACE = re.compile("^[" + "".join(sorted(GO_SPACE)) + "]+")
_TRAILING_SPACE = re.compile("[" + "".join(sorted(GO_SPACE)) + "]+$")


def go_lstrip(s: str) -> str:
    m = _LEADING_SPACE.match(s)
    return s[m.end():] if m else s


def go_rstrip(s: str) -> str:
    if not s or s[-1] not in GO_SPACE:
        return s
    m = _TRAILING_SPACE.search(s)
    return s[: m.start()] if m else s


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line: ``start``..``end`` includes its ``\\n``; ``content_end``
    is where the trailing run of CR/LF characters begins."""

    number: int  # 1-based
    start: int
    content_end: int
    end: int


def split_lines(text: str, start: int = 0) -> list[Line]:
    """Split on LF only (a lone CR is not a line break), keeping every byte."""
    lines: list[Line] = []
    pos = start
    number = 1
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl + 1
        content_end = end
        while content_end > pos and text[content_end - 1] in "\r\n":
            content_end -= 1
        lines.append(Line(number, pos, content_end, end))
        number += 1
        pos = end
    return lines


_newlines: tuple[str, list[int]] = ("", [])  # the last big text asked about, and its newlines


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of an offset, BOM not counted. A big text
    is indexed once (reports locate every finding: counting from the start each time is
    quadratic)."""
    global _newlines
    if len(text) < 20_000:
        line = text.count("\n", 0, offset) + 1
        line_start = text.rfind("\n", 0, offset) + 1
    else:
        if _newlines[0] is not text:
            _newlines = (text, [m.start() for m in re.finditer("\n", text)])
        starts = _newlines[1]
        k = bisect.bisect_left(starts, offset)
        line = k + 1
        line_start = starts[k - 1] + 1 if k else 0
    col = offset - line_start + 1
    if line == 1 and text.startswith(BOM) and offset > 0:
        col -= 1
    return line, col


class ParseError(Exception):
    """What BuildKit would reject, with the 1-based place it was found."""

    def __init__(self, message: str, line: int, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"
