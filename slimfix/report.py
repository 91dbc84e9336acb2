"""Turning results into text: findings, unified diffs and the summary line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .fixes import Applicability
from .rules import Finding
from .syntax.text import line_col


@dataclass(frozen=True)
class Located:
    finding: Finding
    line: int
    column: int
    end_line: int
    end_column: int


def locate(text: str, finding: Finding) -> Located:
    line, col = line_col(text, finding.start)
    end_line, end_col = line_col(text, finding.end)
    return Located(finding, line, col, end_line, end_col)


def fix_mark(finding: Finding, threshold: Applicability) -> str:
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


def diff_path(name: str) -> str:
    """The path in ``a/...`` and ``b/...`` headers, so that ``patch -p1`` (or ``git apply``)
    finds the file: relative to the working directory when inside it, else the absolute
    path without its leading slash (apply it from ``/``), never ``a//abs/path``."""
    import os

    if not os.path.isabs(name):
        return name
    rel = os.path.relpath(name)
    if not rel.startswith(".." + os.sep) and rel != "..":
        return rel.replace(os.sep, "/")
    return name.lstrip("/")


def unified_diff(name: str, before: str | None, after: str) -> str:
    """A unified diff; ``before`` None means the file is new."""
    a = (before or "").splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out = []
    name = diff_path(name)
    source = "/dev/null" if before is None else f"a/{name}"
    for line in difflib.unified_diff(a, b, fromfile=source, tofile=f"b/{name}"):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
