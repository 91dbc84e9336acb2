"""Unified diffs of the fixes, in the form ``git apply`` and ``patch -p1`` read."""

from __future__ import annotations

import difflib


def unified_diff(name: str, before: str | None, after: str) -> str:
    """A unified diff; ``before`` None means the file is new."""
    a = (before or "").splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out = []
    source = "/dev/null" if before is None else f"a/{name}"
    for line in difflib.unified_diff(a, b, fromfile=source, tofile=f"b/{name}"):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
