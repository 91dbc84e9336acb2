"""Everything ``slimfix [PATH...]`` prints: the findings in the chosen format (to
standard output or --output-file), diffs, the fixed text of standard input, what --write
changed, errors, statistics and the summary."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from ..printable import for_line, for_terminal
from ..report import emitter
from ..report.diff import unified_diff
from ..results import FileResult
from ..safepaths import shown_path
from . import colour

if TYPE_CHECKING:
    from .check import CheckOptions


def _err(line: str) -> None:
    sys.stderr.write(for_terminal(line) + "\n")


@dataclass
class Tally:
    files: int = 0
    errors: int = 0
    changed: int = 0
    reported: int = 0  # findings shown
    advice: int = 0  # of which advice (never fails a run)
    fixable: int = 0
    unsafe_fixable: int = 0  # fixable with --unsafe-fixes only
    per_rule: Counter = field(default_factory=Counter)
    fixed_by_rule: Counter = field(default_factory=Counter)


class Output:
    """Everything the run prints: the findings in the chosen format (to standard output
    or --output-file), diffs, the fixed text of standard input, what --write changed,
    errors, statistics and the summary."""

    def __init__(self, options: CheckOptions):
        self.options = options
        self.out = sys.stdout
        self.report: IO[str] = open(options.output_file, "w", encoding="utf-8") if options.output_file else sys.stdout
        self.painted = options.output_file is None and colour.enabled(sys.stdout)
        self.emitter = emitter(options.output_format)(self.report.write)
        self.tally = Tally()
        self.shown_changes: set[tuple[str, str]] = set()  # file changes several Dockerfiles share
        self.show_progress = _wants_progress(options.quiet)
        self.progress: _Progress | None = None
        self.started = time.monotonic()
        self.emitter.begin()

    def problem(self, line: str) -> None:
        self.tally.errors += 1
        _err(f"slimfix: {line}")

    def file(self, name: str, result: FileResult) -> None:
        options, tally = self.options, self.tally
        tally.files += 1
        if name != "-":
            self._advance()
        tally.per_rule.update(result.codes)
        tally.fixed_by_rule.update(result.applied_codes)
        for note in result.notes:
            if not options.quiet:
                _err(f"note: {note}")
        for warning in result.warnings:
            self.problem(warning)
        if result.error:
            tally.errors += 1
            _err(result.error)
        if result.error and not result.lines and not result.changed:
            if self.emitter.structured:
                self.emitter.file(result)
            return
        stdin_write = name == "-" and options.write
        outcome = result.outcome
        if result.changed and (result.written or not options.write or name == "-"):  # a failed write fixed nothing
            tally.changed += 1
        if options.diff and outcome is not None and outcome.output != outcome.source:
            self._diff(unified_diff(result.name, outcome.source, outcome.output))
        for change in result.file_changes if options.diff else ():
            key = (str(change.path), change.after)
            if key not in self.shown_changes:
                self._diff(unified_diff(str(change.path), change.before, change.after))
                self.shown_changes.add(key)
        if stdin_write and outcome is not None:
            self.out.write(outcome.output)
        tally.reported += result.reported
        tally.advice += result.advice
        tally.fixable += result.fixable
        tally.unsafe_fixable += result.unsafe_fixable
        if self.emitter.structured:
            self.emitter.file(result)
        elif not options.diff:
            # Fixed standard input goes to standard output: its findings go to standard error.
            sink = sys.stderr.write if stdin_write and self.report is sys.stdout else None
            # File names and lines quoted from the build context are escaped before colour is added.
            lines = [for_line(line) for line in result.lines]
            lines = lines if not self.painted or sink else [colour.finding(line) for line in lines]
            self.emitter.file(_with_lines(result, lines), sink=sink)
        if options.write and result.written and not options.quiet:
            if result.rewritten:
                fixes = f": {_counted(result.applied_counts)}" if options.show_fixes and result.applied_counts else ""
                _err(f"fixed {shown_path(result.name)}{fixes}")
            for change in result.file_changes:
                _err(f"{'created' if change.before is None else 'updated'} {change.path} (for {result.name})")

    def _diff(self, text: str) -> None:
        self.out.write(colour.diff(text) if self.painted else text)

    def _advance(self) -> None:
        if self.progress:
            self.progress.advance()
        elif self.show_progress and time.monotonic() - self.started > _PROGRESS_AFTER:
            self.progress = _Progress(done=self.tally.files)  # only once the run turns out to be long

    def finish(self) -> None:
        options, tally = self.options, self.tally
        if self.progress:
            self.progress.close()
        self.emitter.end()
        if self.report is not sys.stdout:
            self.report.close()
        if options.statistics:
            # A table on standard output, unless the report is there in a machine format.
            to = sys.stdout if self.report is not sys.stdout or options.output_format == "text" else sys.stderr
            to.write(statistics(tally.per_rule, tally.fixed_by_rule, write=options.write))
        if options.quiet:
            return
        if tally.files == 0:
            _err("slimfix: no Dockerfile found (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*)")
        _err("slimfix: " + summary(tally, options))


def _with_lines(result: FileResult, lines: list[str]) -> FileResult:
    if lines is result.lines:
        return result
    from dataclasses import replace

    return replace(result, lines=lines)


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in sorted(counts.items()))


def summary(tally: Tally, options: CheckOptions) -> str:
    noun = "file" if tally.files == 1 else "files"
    parts = []
    if options.write:
        parts.append(f"{tally.changed} of {tally.files} {noun} fixed")
        if tally.reported:
            parts.append(f"{_plural(tally.reported, 'finding')} left")
    elif options.check or options.diff:
        parts.append(f"{tally.changed} of {tally.files} {noun} would change")
    else:
        parts.append(f"{_plural(tally.reported, 'finding')} in {tally.files} {noun}")
        if tally.fixable:
            hint = "--write --unsafe-fixes" if options.unsafe_fixes else "--write"
            parts.append(f"{tally.fixable} fixable with {hint}")
    if tally.unsafe_fixable and not options.unsafe_fixes:
        parts.append(f"{tally.unsafe_fixable} more with --unsafe-fixes")
    if tally.errors:
        parts.append(_plural(tally.errors, "error"))
    return ", ".join(parts)


def _plural(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun}es" if noun.endswith(("x", "s")) else f"{n} {noun}s"


def statistics(per_rule: Counter, fixed: Counter, *, write: bool) -> str:
    """Findings per rule (and files fixed per rule with --write), as a table."""
    from ..rules import rule_by_code

    rows = [("rule", "findings", "files fixed" if write else "", "name")]
    for code in sorted(per_rule):
        rule = rule_by_code(code)
        rows.append((code, str(per_rule[code]), str(fixed[code]) if write else "", rule.name if rule else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "".join(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip() + "\n"
                   for r in rows)


class _Progress:
    """A progress bar on standard error for long runs on a terminal; nothing otherwise."""

    def __init__(self, done: int = 0):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress("[progress.description]checking", BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task("check", total=None, completed=done)
        self.bar.start()

    def advance(self) -> None:
        self.bar.advance(self.task)

    def close(self) -> None:
        self.bar.stop()


_PROGRESS_AFTER = 1.0  # seconds


def _wants_progress(quiet: bool) -> bool:
    """A bar only for a person watching a terminal (never in pipes or CI logs), and only
    while the report goes elsewhere: findings streaming to the terminal are progress
    enough, and a bar would tear through them."""
    return (not quiet and sys.stderr.isatty() and not sys.stdout.isatty()
            and not os.environ.get("CI"))
