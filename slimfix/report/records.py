"""Findings as plain records (dicts of strings and numbers): workers make them, cheap to
send between processes; the machine-readable emitters render them."""

from __future__ import annotations

from typing import Any

from ..fixes import Finding


def _position(text: str, offset: int) -> dict[str, int]:
    from ..syntax.text import line_col  # not for a report from the cache: its records are made

    line, column = line_col(text, offset)
    return {"line": line, "column": column}


def record(path: str, text: str, finding: Finding) -> dict[str, Any]:
    """One finding, positions 1-based (columns in characters), edits on ``text``."""
    start = _position(text, finding.start)
    end = _position(text, finding.end)
    rec: dict[str, Any] = {
        "file": path, "line": start["line"], "column": start["column"],
        "end_line": end["line"], "end_column": end["column"],
        "code": finding.code, "kind": finding.kind.value, "message": finding.message, "note": finding.note,
        "fix": None,
    }
    applicability = finding.applicability
    if finding.fix is not None:
        rec["fix"] = {
            "applicability": str(applicability), "message": finding.fix.message,
            "edits": [{"start": _position(text, e.start), "end": _position(text, e.end), "content": e.text}
                      for e in finding.fix.edits],
        }
    elif finding.file_change is not None:
        change = finding.file_change
        rec["fix"] = {"applicability": str(applicability), "message": finding.message,
                      "file": str(change.path), "before": change.before, "after": change.after}
    return rec
