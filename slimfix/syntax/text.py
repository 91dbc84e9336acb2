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


# The same class as one string, for str.lstrip/rstrip: they strip exactly these characters,
# several times faster than a regex (the parser trims every line and every command).
_GO_SPACE_CHARS = "".join(sorted(GO_SPACE))


def go_lstrip(s: str) -> str:
    return s.lstrip(_GO_SPACE_CHARS)


def go_rstrip(s: str) -> str:
    return s.rstrip(_GO_SPACE_CHARS)


@dataclass(frozen=True, slots=True, init=False)
class Line:
    """One physical line: ``start``..``end`` includes its ``\\n``; ``content_end``
    is where the trailing run of CR/LF characters begins."""

    number: int  # 1-based
    start: int
    content_end: int
    end: int

    def __init__(self, number: int, start: int, content_end: int, end: int) -> None:
        # one per line of every file: cheaper than the generated frozen __init__ (see nodes.Span)
        _number(self, number)
        _start(self, start)
        _content_end(self, content_end)
        _end(self, end)


_number = Line.number.__set__  # type: ignore[attr-defined]
_start = Line.start.__set__  # type: ignore[attr-defined]
_content_end = Line.content_end.__set__  # type: ignore[attr-defined]
_end = Line.end.__set__  # type: ignore[attr-defined]


def split_lines(text: str, start: int = 0) -> list[Line]:
    """Split on LF only (a lone CR is not a line break), keeping every byte."""
    lines: list[Line] = []
    pos = start
    # str.split("\n") splits on LF alone (str.splitlines would also split on CR and others)
    pieces = text[start:].split("\n")
    last = pieces.pop()  # after the last line break: a last line without one, or ""
    for number, piece in enumerate(pieces, 1):
        end = pos + len(piece) + 1
        # content ends before the trailing run of CR/LF characters (the \n and any CRs)
        content_end = pos + len(piece.rstrip("\r"))
        lines.append(Line(number, pos, content_end, end))
        pos = end
    if last:
        lines.append(Line(len(pieces) + 1, pos, pos + len(last.rstrip("\r")), pos + len(last)))
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
