"""Findings (and problems) as LSP diagnostics."""

from __future__ import annotations

from lsprotocol import types

from ..fixes import Applicability, Kind
from ..rules import Finding, Rule, rule_by_code
from .documents import Analysis, Problem
from .positions import LineIndex

SOURCE = "slimfix"


def rule_url(rule: type[Rule]) -> str | None:
    """The rule's section of the published docs (slimfix.HOME), or None: no link."""
    return rule.url()


def to_range(index: LineIndex, start: int, end: int) -> types.Range:
    (l1, c1), (l2, c2) = index.position(start), index.position(end)
    return types.Range(types.Position(l1, c1), types.Position(l2, c2))


def severity(finding: Finding) -> types.DiagnosticSeverity:
    """Warning for what should change; information for advice slimfix only displays."""
    rule = rule_by_code(finding.code)
    advice = (finding.applicability is Applicability.DISPLAY_ONLY
              or (rule is not None and rule.fix_safety is Applicability.DISPLAY_ONLY)
              or (finding.fix is None and (finding.note or "").startswith("advice"))
              or (finding.fix is None and finding.kind is Kind.ADVICE))
    return types.DiagnosticSeverity.Information if advice else types.DiagnosticSeverity.Warning


def diagnostic(index: LineIndex, finding: Finding) -> types.Diagnostic:
    rule = rule_by_code(finding.code)
    message = finding.message + (f" ({finding.note})" if finding.note else "")
    applicability = finding.applicability
    return types.Diagnostic(
        range=to_range(index, finding.start, finding.end),
        message=message,
        severity=severity(finding),
        code=finding.code,
        code_description=types.CodeDescription(href=url) if rule is not None and (url := rule_url(rule)) else None,
        source=SOURCE,
        data={"fix": str(applicability) if applicability is not None else None},
    )


def problem_diagnostic(index: LineIndex, problem: Problem) -> types.Diagnostic:
    """One error at the parse error's place (the start of the file for the others),
    to the end of that line."""
    at, end = _place(index.text, problem.line, problem.column)
    return types.Diagnostic(
        range=to_range(index, at, end),
        message=problem.message,
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def _place(text: str, line: int, column: int) -> tuple[int, int]:
    """The offset of a 1-based line and column as slimfix counts them (lines end at LF),
    and the end of that line's content."""
    pos = 0
    for _ in range(max(line, 1) - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            break
        pos = nl + 1
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    while end > pos and text[end - 1] == "\r":
        end -= 1
    return min(pos + max(column, 1) - 1, end), end


def diagnostics(analysis: Analysis, encoding: str) -> list[types.Diagnostic]:
    index = LineIndex(analysis.text, encoding)
    if analysis.problem is not None:
        return [problem_diagnostic(index, analysis.problem)]
    return [diagnostic(index, f) for f in analysis.findings]
