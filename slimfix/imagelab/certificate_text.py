"""The certificate as a person reads it: a short block in verify's text output, and
Markdown for a pull request's description. Every difference is in the JSON output; these
say how many, how large, and where, and list each unexplained one."""

from __future__ import annotations

import json
import posixpath
from collections import Counter

from .certificate import SAME, Certificate, Group, shown
from .compare import Difference

SHOWN_UNEXPLAINED = 25


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 50_000 else f"{n / 1e3:.1f} kB" if n >= 100 else f"{n} B"


def _paths(n: int) -> str:
    return f"{n} path{'s' if n != 1 else ''}"


def where(differences: list[Difference]) -> str:
    """The folder the differences share, or their three largest folders."""
    paths = [d.path for d in differences]
    if not paths:
        return ""
    common = posixpath.commonpath(paths)
    if len(paths) == 1:
        return shown(paths[0])
    if common != "/":
        return f"under {shown(common)}"
    tops = Counter()
    for d in differences:
        tops["/".join(d.path.split("/")[:3])] += max(d.bytes, 1)
    return "under " + ", ".join(shown(t) for t, _ in tops.most_common(3)) + (", ..." if len(tops) > 3 else "")


def _group_line(g: Group) -> str:
    parts = []
    if g.differences:
        parts.append(f"{_paths(len(g.differences))}, {_mb(g.bytes)}, {where(g.differences)}")
    if g.settings:
        parts.append("settings " + ", ".join(s.name for s in g.settings))
    label = f"{g.code} {g.reason}" if g.code else g.reason
    return f"{label}: {'; '.join(parts)}"


def _setting(value: object) -> str:
    return shown(json.dumps(value, sort_keys=True)) if value is not None else "(none)"


def unexplained_lines(cert: Certificate) -> list[str]:
    out = []
    for d in cert.unexplained.differences[:SHOWN_UNEXPLAINED]:
        out.append(f"{d.describe()} {shown(d.path)}" + (f" ({_mb(d.bytes)})" if d.bytes else ""))
    more = len(cert.unexplained.differences) - SHOWN_UNEXPLAINED
    if more > 0:
        out.append(f"... and {more} more (every one is in --output-format json)")
    for s in cert.unexplained.settings:
        out.append(f"setting {s.name}: {_setting(s.before)} -> {_setting(s.after)}")
    return out


def certificate_lines(name: str, cert: Certificate) -> list[str]:
    head = f"certificate ({name} against before): {cert.verdict}"
    lines = [head]
    if cert.verdict == SAME:
        lines[0] = f"certificate ({name} against before): the same files and settings"
    for g in cert.explained:
        lines.append("  " + _group_line(g))
    if cert.noise:
        lines.append(f"  set aside as noise (learnt from {cert.noise_source}):")
        lines += ["    " + _group_line(g) for g in cert.noise]
    unexplained = unexplained_lines(cert)
    lines.append("  unexplained: " + ("none" if not unexplained else f"{len(cert.unexplained.differences)} "
                                      f"path(s), {len(cert.unexplained.settings)} setting(s)"))
    lines += ["    " + line for line in unexplained]
    for problem in cert.problems:
        lines.append(f"  not compared: {problem}")
    return lines


def markdown(v) -> str:
    """A pull request's description: what changed in size and rebuild time, and the
    certificate of each rewrite."""
    from .verify import render_table_rows, smoke_lines, waste_lines

    title = f"### slimfix verify: `{v.dockerfile}`"
    lines = [title, ""]
    lines.append(f"Built with {v.builder}. " + (f"Certified against `{v.against}`." if v.against else
                                                f"Fixes applied: {', '.join(v.fixes) or 'none'}."))
    rows = render_table_rows(v)
    if len(rows) > 1:
        lines += ["", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    for extra in (waste_lines(v), smoke_lines(v)):
        if extra:
            lines += ["", "```text", *[line for line in extra if line], "```"]
    for name, cert in v.certificates.items():
        mark = "✅" if cert.passed else "❌"
        lines += ["", f"**Certificate ({name}): {mark} {cert.verdict}**", ""]
        for g in cert.explained:
            lines.append(f"- {_group_line(g)}")
        for g in cert.noise:
            lines.append(f"- set aside as noise: {_group_line(g)}")
        unexplained = unexplained_lines(cert)
        lines.append("- unexplained: " + ("none" if not unexplained else ""))
        lines += [f"  - `{line}`" for line in unexplained]
        lines += [f"- not compared: {p}" for p in cert.problems]
    if v.problem:
        lines += ["", f"Note: {v.problem}"]
    return "\n".join(lines) + "\n"
