"""Machine-readable output: JSON records, SARIF 2.1.0, GitHub workflow commands.

Workers turn findings into plain records (dicts of strings and numbers, cheap to send
between processes); the main process renders them.
"""

from __future__ import annotations

import json
from typing import Any

from . import __version__
from .fixes import Applicability
from .rules import Finding, all_rules
from .syntax.text import line_col

FORMATS = ("text", "json", "sarif", "github")


def _position(text: str, offset: int) -> dict[str, int]:
    line, column = line_col(text, offset)
    return {"line": line, "column": column}


def record(path: str, text: str, finding: Finding) -> dict[str, Any]:
    """One finding, positions 1-based (columns in characters), edits on ``text``."""
    start = _position(text, finding.start)
    end = _position(text, finding.end)
    rec: dict[str, Any] = {
        "file": path, "line": start["line"], "column": start["column"],
        "end_line": end["line"], "end_column": end["column"],
        "code": finding.code, "message": finding.message, "note": finding.note,
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
    elif applicability is Applicability.DISPLAY_ONLY:
        rec["fix"] = None
    return rec


def render_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def render_sarif(records: list[dict[str, Any]]) -> str:
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    driver = {
        "name": "slimfix", "version": __version__, "semanticVersion": __version__,
        "informationUri": "https://pypi.org/project/slimfix/",
        "rules": [{
            "id": r.code, "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.sections().get("What it does", r.summary)},
            "help": {"text": r.documentation(), "markdown": r.documentation()},
            "defaultConfiguration": {"level": "note" if r.fix_safety is Applicability.DISPLAY_ONLY else "warning"},
            "properties": {"hadolint": list(r.hadolint), "fixSafety": str(r.fix_safety)},
        } for r in rules],
    }
    results = []
    for rec in records:
        result: dict[str, Any] = {
            "ruleId": rec["code"], "ruleIndex": index.get(rec["code"], -1),
            "level": "note" if rec["fix"] is None and rec["note"] and rec["note"].startswith("advice") else "warning",
            "message": {"text": rec["message"] + (f" ({rec['note']})" if rec["note"] else "")},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(rec["file"])},
                "region": _region(rec["line"], rec["column"], rec["end_line"], rec["end_column"]),
            }}],
        }
        fix = rec["fix"]
        if fix and "edits" in fix:
            result["fixes"] = [{
                "description": {"text": f"{fix['message']} ({fix['applicability']} fix)"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": _uri(rec["file"])},
                    "replacements": [{
                        "deletedRegion": _region(e["start"]["line"], e["start"]["column"],
                                                 e["end"]["line"], e["end"]["column"]),
                        "insertedContent": {"text": e["content"]},
                    } for e in fix["edits"]],
                }],
            }]
        elif fix and "after" in fix:
            result["fixes"] = [{
                "description": {"text": f"{fix['message']} ({fix['applicability']} fix)"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": _uri(fix["file"])},
                    "replacements": [{"deletedRegion": {"charOffset": 0, "charLength": len(fix["before"] or "")},
                                      "insertedContent": {"text": fix["after"]}}],
                }],
            }]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _uri(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def github_line(rec: dict[str, Any]) -> str:
    """A workflow command that GitHub Actions shows as an annotation on the line."""
    level = "notice" if rec["fix"] is None and (rec["note"] or "").startswith("advice") else "warning"
    props = ",".join([
        f"file={_escape_property(rec['file'])}", f"line={rec['line']}", f"col={rec['column']}",
        f"endLine={rec['end_line']}", f"endColumn={rec['end_column']}",
        f"title={_escape_property(rec['code'])}",
    ])
    message = rec["message"] + (f" ({rec['note']})" if rec["note"] else "")
    return f"::{level} {props}::{_escape_data(message)}"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")
