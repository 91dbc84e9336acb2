"""What ``slimfix check`` does once its options are read: process, print, exit code."""

from __future__ import annotations

import sys
from pathlib import Path

from .discovery import discover
from .fixes import Applicability
from .report import format_finding, locate, unified_diff
from .rules import select_rules
from .runner import FileResult, Settings, process_bytes, process_file

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def run(*, paths: list[str], diff: bool, write: bool, check: bool, select: list[str],
        ignore: list[str], unsafe_fixes: bool, context: Path | None, exclude: list[str],
        stdin_filename: str, quiet: bool) -> int:
    try:
        rules = select_rules(select or None, ignore or None)
    except ValueError as exc:
        _err(f"slimfix: {exc}")
        return EXIT_ERROR
    if context is not None and not context.is_dir():
        _err(f"slimfix: --context {context}: not a directory")
        return EXIT_ERROR
    for p in paths:
        if p != "-" and not Path(p).exists():
            _err(f"slimfix: {p}: no such file or directory")
            return EXIT_ERROR
    settings = Settings(tuple(rules), unsafe_fixes, context, write)
    files = discover(paths, exclude)
    out = sys.stdout
    errors = changed = reported = fixable = 0
    results: list[FileResult] = []
    shown_changes: set[tuple[str, str]] = set()  # file changes several Dockerfiles share
    for name in files:
        if name == "-":
            result = process_bytes(stdin_filename, sys.stdin.buffer.read(), settings)
        else:
            result = process_file(name, settings)
        results.append(result)
        if result.error:
            errors += 1
            _err(result.error)
            if result.outcome is None:
                continue
        outcome = result.outcome
        assert outcome is not None
        stdin_write = name == "-" and write
        if outcome.changed:
            changed += 1
        if diff and outcome.output != outcome.source:
            out.write(unified_diff(result.name, outcome.source, outcome.output))
        for change in outcome.file_changes:
            key = (str(change.path), change.after)
            if diff and key not in shown_changes:
                out.write(unified_diff(str(change.path), change.before, change.after))
            shown_changes.add(key)
        if stdin_write:
            out.write(outcome.output)
        shown = outcome.remaining if write else outcome.findings
        text = outcome.output if write else outcome.source
        reported += len(shown)
        fixable += sum(1 for f in outcome.findings
                       if f.applicability is not None and f.applicability >= settings.threshold)
        if not quiet and not diff:
            sink = _err if stdin_write else (lambda s: out.write(s + "\n"))
            for f in shown:
                for line in format_finding(result.name, locate(text, f), settings.threshold):
                    sink(line)
        if write and result.written and not quiet:
            if outcome.output != outcome.source:
                _err(f"fixed {result.name} ({_plural(len(outcome.applied), 'fix')})")
            for change in outcome.file_changes:
                _err(f"{'created' if change.before is None else 'updated'} {change.path} (for {result.name})")
    if not quiet:
        _summary(len(files), reported, fixable, changed, errors, write=write, check=check, diff=diff,
                 unsafe=unsafe_fixes)
    if errors:
        return EXIT_ERROR
    if write or check or diff:
        return EXIT_CHANGES if changed else EXIT_CLEAN
    return EXIT_CHANGES if reported else EXIT_CLEAN


def _summary(files: int, reported: int, fixable: int, changed: int, errors: int, *,
             write: bool, check: bool, diff: bool, unsafe: bool) -> None:
    noun = "file" if files == 1 else "files"
    parts = []
    if write:
        parts.append(f"{changed} of {files} {noun} fixed")
        if reported:
            parts.append(f"{_plural(reported, 'finding')} left")
    elif check or diff:
        parts.append(f"{changed} of {files} {noun} would change")
    else:
        parts.append(f"{_plural(reported, 'finding')} in {files} {noun}")
        if fixable:
            hint = "--write --unsafe-fixes" if unsafe else "--write"
            parts.append(f"{fixable} fixable with {hint}")
    if errors:
        parts.append(_plural(errors, "error"))
    _err("slimfix: " + ", ".join(parts))


def _plural(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun}es" if noun.endswith(("x", "s")) else f"{n} {noun}s"
