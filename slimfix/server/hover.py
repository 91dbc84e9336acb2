"""Hover: on a line with findings, what each one says and its rule's documentation."""

from __future__ import annotations

from lsprotocol import types

from ..rules import Finding, rule_by_code
from .diagnostics import rule_url, to_range
from .documents import Analysis
from .positions import LineIndex


def findings_on_line(analysis: Analysis, index: LineIndex, line: int) -> list[Finding]:
    out = []
    for f in analysis.findings:
        first, last = index.position(f.start)[0], index.position(f.end)[0]
        if first <= line <= last:
            out.append(f)
    # Those that start on the line first: the multi-line ones are about another instruction.
    return sorted(out, key=lambda f: index.position(f.start)[0] != line)


def rule_markdown(f: Finding) -> str:
    rule = rule_by_code(f.code)
    said = f.message + (f"\n\n*{f.note}*" if f.note else "")
    if rule is None:
        return f"**{f.code}**: {said}"
    # The rule's own sections are ``## ...``: one level below the rule's heading here.
    body = rule.documentation().replace("\n## ", "\n#### ")
    if body.startswith("## "):
        body = "##" + body
    url = rule_url(rule)
    return (f"### {rule.code} {rule.name}\n\n{said}\n\n{body}"
            + (f"\n\n[{rule.code} in the rules reference]({url})" if url else ""))


def hover(analysis: Analysis, encoding: str, line: int) -> types.Hover | None:
    if analysis.problem is not None:
        return None
    index = LineIndex(analysis.text, encoding)
    found = findings_on_line(analysis, index, line)
    if not found:
        return None
    parts, seen = [], set()
    for f in found:
        if (f.code, f.message) not in seen:
            seen.add((f.code, f.message))
            parts.append(rule_markdown(f))
    first = found[0]
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=to_range(index, first.start, first.end))
