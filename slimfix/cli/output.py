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
from .reportfile import ReportFile

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
    unsafe_fixable: int = 0  # fixable with --unsafe-fixes only
    fixable_left: int = 0  # after --write, findings the settings could fix still there
    fixed: int = 0  # fixes applied and written
    with_findings: int = 0  # files with findings shown
    with_any: int = 0  # files with findings on their input (before --write fixed some)
    per_rule: Counter = field(default_factory=Counter)
    fixed_by_rule: Counter = field(default_factory=Counter)
    fixable_by_rule: Counter = field(default_factory=Counter)

    @property
    def fixable(self) -> int:
        """Findings the settings can fix."""
        return sum(self.fixable_by_rule.values())


class Output:
    """Everything the run prints: the findings in the chosen format (to standard output
    or --output-file), diffs, the fixed text of standard input, what --write changed,
    errors, statistics and the summary."""

    def __init__(self, options: CheckOptions):
        self.options = options
        self.out = sys.stdout
        # --output-file: written beside the target and renamed over it at the end (reportfile)
        self.report_file = ReportFile(options.output_file) if options.output_file else None
        self.report: IO[str] = self.report_file.stream if self.report_file is not None else sys.stdout
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
            if self.report_file is not None:
                self.report_file.note_input(name)
        tally.per_rule.update(result.codes)
        tally.fixed_by_rule.update(result.applied_codes)
        tally.fixable_by_rule.update(result.fixable_codes)
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
        tally.unsafe_fixable += result.unsafe_fixable
        tally.fixable_left += result.fixable_left
        tally.with_findings += bool(result.reported)
        tally.with_any += bool(result.codes)
        if options.write and result.written:
            tally.fixed += sum(result.applied_counts.values())
        if self.emitter.structured:
            self.emitter.file(result)
        elif not options.diff and not (options.statistics and options.output_format == "text"):
            # Fixed standard input goes to standard output: its findings go to standard error.
            sink = sys.stderr.write if stdin_write and self.report is sys.stdout else None
            # File names and lines quoted from the build context are escaped before colour is added.
            lines = [for_line(line) for line in result.lines]
            lines = lines if not self.painted or sink else [colour.finding(line) for line in lines]
            self.emitter.file(_with_lines(result, lines), sink=sink)
        if options.write and result.written and not options.quiet and name != "-":
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
        if self.report_file is not None:
            problem = self.report_file.commit()
            if problem is not None:
                self.problem(problem)
        if options.statistics:
            # A table on standard output, unless the report is there in a machine format.
            to = sys.stdout if self.report is not sys.stdout or options.output_format == "text" else sys.stderr
            to.write(statistics(tally, write=options.write))
        if options.quiet:
            return
        if tally.files == 0:
            _err("slimfix: no Dockerfile found (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*)")
        _err("slimfix: " + summary(tally, options))


    def abandon(self) -> None:
        """A run that did not finish leaves the target as it was, and no temporary file."""
        if self.report_file is not None:
            self.report_file.abandon()


def _with_lines(result: FileResult, lines: list[str]) -> FileResult:
    if lines is result.lines:
        return result
    from dataclasses import replace

    return replace(result, lines=lines)


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in sorted(counts.items()))


def summary(tally: Tally, options: CheckOptions) -> str:
    """As ruff says it: what was found, what was fixed, what is left, and what each
    option would fix."""
    noun = "file" if tally.files == 1 else "files"

    def where(with_findings: int) -> str:
        if with_findings in (0, tally.files):
            return f"in {tally.files} {noun}"
        return f"in {with_findings} of {tally.files} {noun}"

    if options.write:
        found = tally.reported + tally.fixed
        parts = [f"found {_plural(found, 'finding')} {where(tally.with_any)} (fixed {tally.fixed}, "
                 f"{tally.reported} remaining); {tally.changed} of {tally.files} {noun} changed"]
    elif options.check or options.diff:
        parts = [f"{tally.changed} of {tally.files} {noun} would change"]
    else:
        parts = [f"found {_plural(tally.reported, 'finding')} {where(tally.with_findings)}"]
        if tally.fixable:
            hint = "--write --unsafe-fixes" if options.unsafe_fixes else "--write"
            parts.append(f"{tally.fixable} fixable with {hint}")
    if tally.unsafe_fixable and not options.unsafe_fixes:
        parts.append(f"{_plural(tally.unsafe_fixable, 'more fix', 'more fixes')} with --unsafe-fixes")
    if tally.errors:
        parts.append(_plural(tally.errors, "error"))
    return "; ".join(parts)


def _plural(n: int, noun: str, nouns: str | None = None) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {nouns or (noun + 'es' if noun.endswith(('x', 's')) else noun + 's')}"


def statistics(tally: Tally, *, write: bool) -> str:
    """As ruff's --statistics: the findings per rule, most first, with how many the
    settings can fix (and, with --write, fixed)."""
    from ..rules import rule_by_code

    rows = [("count", "rule", "fixable", "fixed" if write else "", "name")]
    for code, count in sorted(tally.per_rule.items(), key=lambda item: (-item[1], item[0])):
        rule = rule_by_code(code)
        rows.append((str(count), code, str(tally.fixable_by_rule[code]), str(tally.fixed_by_rule[code]) if write else "",
                     rule.name if rule else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "".join("  ".join(c.rjust(w) if i != 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r[:4], widths)))
                   .rstrip() + f"  {r[4]}\n" for r in rows)


class _Progress:
    """A progress bar on standard error for long runs on a terminal; nothing otherwise."""

    def __init__(self, done: int = 0):
        import time

        self.done = done
        self.clock = time.monotonic
        self.shown = 0.0
        self._draw()

    def _draw(self) -> None:
        # one line, redrawn in place at most ten times a second; the total is not known
        # while files are still being found, so the count is the progress
        self.shown = self.clock()
        sys.stderr.write(f"\rchecking: {self.done} files")
        sys.stderr.flush()

    def advance(self) -> None:
        self.done += 1
        if self.clock() - self.shown >= 0.1:
            self._draw()

    def close(self) -> None:
        sys.stderr.write("\r\033[K")  # the line is erased: what follows is the report
        sys.stderr.flush()


_PROGRESS_AFTER = 1.0  # seconds


def _wants_progress(quiet: bool) -> bool:
    """A bar only for a person watching a terminal (never in pipes or CI logs), and only
    while the report goes elsewhere: findings streaming to the terminal are progress
    enough, and a bar would tear through them."""
    return (not quiet and sys.stderr.isatty() and not sys.stdout.isatty()
            and not os.environ.get("CI"))
