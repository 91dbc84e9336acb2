"""``--output-format sarif``: SARIF 2.1.0 with the rules, each finding's fixes (artifact
changes with replacements), and files that could not be read as tool execution
notifications. Results are streamed: the log is written around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import HOME, __version__
from ..printable import for_json
from .base import Emitter, error_record
from .fingerprints import Fingerprints
from .json import _item

if TYPE_CHECKING:
    from ..results import FileResult

_PLACEHOLDER = "\x00results\x00"


def _driver() -> dict[str, Any]:
    from ..fixes import Kind
    from ..rules import all_rules

    return {
        "name": "slimfix", "version": __version__, "semanticVersion": __version__,
        **({"informationUri": HOME} if HOME else {}),
        "rules": [{
            "id": r.code, "name": r.name, **({"helpUri": r.url()} if r.url() else {}),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.sections().get("What it does", r.summary)},
            "help": {"text": r.documentation(), "markdown": r.documentation()},
            "defaultConfiguration": {"level": "note" if r.kind is Kind.ADVICE else "warning"},
            "properties": {"hadolint": list(r.hadolint), "fixSafety": r.fix_label()},
        } for r in all_rules()],
    }


def sarif_result(rec: dict[str, Any], index: dict[str, int], fingerprint: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rec["code"], "ruleIndex": index.get(rec["code"], -1),
        "level": "note" if rec["kind"] == "advice" else "warning",
        "message": {"text": rec["message"] + (f" ({rec['note']})" if rec["note"] else "")},
        # GitHub code scanning follows a finding across edits by this, not by its line.
        "partialFingerprints": {"slimfixFingerprint/v1": fingerprint},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(rec["file"]),
            "region": _region(rec["line"], rec["column"], rec["end_line"], rec["end_column"]),
        }}],
    }
    fix = rec["fix"]
    if fix and "edits" in fix:
        result["fixes"] = [{
            "description": {"text": f"{fix['message']} ({fix['applicability']} fix)"},
            "artifactChanges": [{
                "artifactLocation": _artifact(rec["file"]),
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
                "artifactLocation": _artifact(fix["file"]),
                "replacements": [{"deletedRegion": {"charOffset": 0, "charLength": len(fix["before"] or "")},
                                  "insertedContent": {"text": fix["after"]}}],
            }],
        }]
    return result


def _notification(rec: dict[str, Any]) -> dict[str, Any]:
    return {"level": "error", "message": {"text": rec["message"]},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(rec["file"]),
                "region": {"startLine": rec["line"], "startColumn": rec["column"]},
            }}]}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _artifact(path: str) -> dict[str, str]:
    """A path relative to where slimfix ran, against the %SRCROOT% base; an absolute one
    as a file:// URI. The name's own bytes are percent-encoded (a URI can carry any byte,
    so one that is not UTF-8 still names the file)."""
    import os
    from pathlib import PurePosixPath, PureWindowsPath
    from urllib.parse import quote

    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute() or PureWindowsPath(path).is_absolute():
        return {"uri": "file://" + quote(os.fsencode(posix if posix.startswith("/") else "/" + posix))}
    return {"uri": quote(os.fsencode(posix.removeprefix("./"))), "uriBaseId": "%SRCROOT%"}


class SarifEmitter(Emitter):
    name = "sarif"
    escape = staticmethod(for_json)

    def begin(self) -> None:
        driver = _driver()
        self.index = {r["id"]: i for i, r in enumerate(driver["rules"])}
        self.count = 0
        self.fingerprint = Fingerprints()
        self.notifications: list[dict[str, Any]] = []  # few: one per unreadable file
        log = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
                      "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                      "results": [_PLACEHOLDER], "invocations": _PLACEHOLDER}],
        }
        text = json.dumps(log, indent=2, ensure_ascii=False)
        marker = json.dumps(_PLACEHOLDER)
        head, self.middle, self.tail = text.split(marker)
        # ``head`` ends inside the results array; ``middle`` runs from its end to the
        # invocations' value.
        self.head = head.rstrip(" ").rstrip("\n")
        self.middle = self.middle.lstrip("\n").lstrip(" ")
        self.out(self.head.removesuffix("["))

    def file(self, result: "FileResult") -> None:
        err = error_record(result)
        if err is not None:
            self.notifications.append(_notification(err))
        for rec in result.records:
            self.out(("[\n" if self.count == 0 else ",\n") + _item(sarif_result(rec, self.index, self.fingerprint(rec)), 4))
            self.count += 1

    def end(self) -> None:
        self.out("[]" if self.count == 0 else "\n      ]")
        invocation = {"executionSuccessful": not self.notifications,
                      "toolExecutionNotifications": self.notifications}
        self.out(self.middle.removeprefix("]") + _item([invocation], 3).lstrip(" ") + self.tail + "\n")
