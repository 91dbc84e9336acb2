"""File offsets (Python string indices, what findings and edits use) to LSP positions
and back.

LSP lines end at ``\\n``, ``\\r\\n`` or ``\\r``; characters count in the position
encoding agreed at initialization: UTF-16 code units unless the client offered UTF-8 or
UTF-32. (slimfix itself splits lines on LF only, as BuildKit does; the editor's view is
the one that counts here.)
"""

from __future__ import annotations

import bisect
import re

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_BREAK = re.compile(r"\r\n|\n|\r")


def units(s: str, encoding: str = UTF16) -> int:
    """The length of ``s`` in the encoding's code units."""
    if encoding == UTF32:
        return len(s)
    if encoding == UTF8:
        return len(s.encode("utf-8", "surrogatepass"))
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


class LineIndex:
    """Line starts of one text, for converting many offsets cheaply."""

    def __init__(self, text: str, encoding: str = UTF16):
        self.text = text
        self.encoding = encoding
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]
        # Where each line's content ends (before its line break).
        self.ends = [m.start() for m in _BREAK.finditer(text)] + [len(text)]

    def position(self, offset: int) -> tuple[int, int]:
        """(line, character), both 0-based, of a file offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return line, units(self.text[start:min(offset, self.ends[line])], self.encoding)

    def offset(self, line: int, character: int) -> int:
        """The file offset of a position; past the end of a line is its end (as the LSP
        says), past the last line the end of the text."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        pos, end = self.starts[line], self.ends[line]
        count = 0
        while pos < end and count < character:
            count += units(self.text[pos], self.encoding)
            pos += 1
        return pos

    def line_end(self, line: int) -> int:
        """The offset where a line's content ends (before its line break)."""
        return self.ends[min(max(line, 0), len(self.ends) - 1)]
