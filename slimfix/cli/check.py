"""What ``slimfix [PATH...]`` does once its options are read, in four steps: the settings
(options composed with the config), processing (discovery feeding the runner, changes to
other files applied once per path), output (the chosen format, diffs, messages, the
summary) and the exit status."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..buildcontext import ContextResolver
from ..config import Config, ConfigError, find_config, load_config
from ..discovery import iter_discover
from ..report import emitter
from ..report.diff import unified_diff
from ..rules import select_rules
from ..runner import FileResult, Job, Settings, apply_file_change, process_bytes, process_many

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class CheckOptions:
    """The command line as given."""

    paths: list[str]
    diff: bool = False
    write: bool = False
    check: bool = False
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    unsafe_fixes: bool = False
    context: Path | None = None
    exclude: list[str] = field(default_factory=list)
    stdin_filename: str = "-"
    quiet: bool = False
    jobs: int | None = None
    statistics: bool = False
    config: Path | None = None
    show_contexts: bool = False
    output_format: str = "text"


class UsageError(Exception):
    pass


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


# -- settings -------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """The options composed with the config: what this run will do."""

    options: CheckOptions
    config: Config
    settings: Settings
    exclude: list[str]
    jobs: int
    resolver: ContextResolver


def plan_run(options: CheckOptions) -> Plan:
    try:
        cfg = load_config(options.config) if options.config else _found_config()
        select = options.select or cfg.select or []
        ignore = options.ignore or cfg.ignore or []
        unsafe_fixes = options.unsafe_fixes or bool(cfg.unsafe_fixes)
        rules = select_rules(select or None, ignore or None)
        for _, codes in cfg.per_file_ignores:
            select_rules(codes)  # an unknown code is an error here too
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if options.context is not None and not options.context.is_dir():
        raise UsageError(f"--context {options.context}: not a directory")
    for p in options.paths:
        if p != "-" and not Path(p).exists():
            raise UsageError(f"{p}: no such file or directory")
    # Reports and --check only need the first pass; --diff, --write and `-` apply fixes.
    settings = Settings(tuple(rules), unsafe_fixes, options.context, options.write,
                        apply=options.diff or options.write, keep_texts=options.diff or "-" in options.paths,
                        records=emitter(options.output_format).structured)
    return Plan(options, cfg, settings, options.exclude + cfg.exclude, options.jobs or os.cpu_count() or 1,
                ContextResolver(options.context, cfg))


def _found_config() -> Config:
    path = find_config(Path.cwd())
    return load_config(path) if path else Config()


# -- processing -----------------------------------------------------------------------

def process(plan: Plan) -> Iterator[tuple[str, FileResult]]:
    """(name, result) for every file, in discovery order; standard input comes last, as
    ``"-"``. With --write, changes to other files are applied here, once per path."""
    options = plan.options

    def job(name: str) -> Job:
        path = Path(name)
        return Job(name, str(plan.resolver.resolve(path).context), tuple(plan.config.ignores_for(path)))

    # Discovery feeds the workers as it walks.
    on_disk = (job(f) for f in iter_discover(options.paths, plan.exclude) if f != "-")
    written: set[str] = set()
    for result in process_many(on_disk, plan.settings, plan.jobs):
        if options.write and result.written:
            _apply_file_changes(result, written)
        yield result.name, result
    if "-" in options.paths:
        name = options.stdin_filename
        context = plan.resolver.resolve(Path(name) if name != "-" else None).context
        yield "-", process_bytes(name, sys.stdin.buffer.read(), plan.settings, context)


def _apply_file_changes(result: FileResult, written: set[str]) -> None:
    """Several Dockerfiles (in several workers) may share a build context: each path is
    written once, here in the main process."""
    for change in result.file_changes:
        problem = None if str(change.path) in written else apply_file_change(change)
        written.add(str(change.path))
        if problem:
            result.error, result.written = problem, False


def show_contexts(plan: Plan) -> int:
    for name in iter_discover(plan.options.paths, plan.exclude):
        if name != "-":
            found = plan.resolver.resolve(Path(name))
            sys.stdout.write(f"{name}: {found.context} ({found.reason})\n")
    return EXIT_CLEAN


# -- output ---------------------------------------------------------------------------

@dataclass
class Tally:
    files: int = 0
    errors: int = 0
    changed: int = 0
    reported: int = 0
    fixable: int = 0
    per_rule: Counter = field(default_factory=Counter)
    fixed_by_rule: Counter = field(default_factory=Counter)


class Output:
    """Everything the run prints: the findings in the chosen format, diffs, the fixed
    text of standard input, what --write changed, errors, statistics and the summary."""

    def __init__(self, options: CheckOptions):
        self.options = options
        self.out = sys.stdout
        self.emitter = emitter(options.output_format)(self.out.write)
        self.tally = Tally()
        self.shown_changes: set[tuple[str, str]] = set()  # file changes several Dockerfiles share
        self.show_progress = _wants_progress(options.quiet)
        self.progress: _Progress | None = None
        self.started = time.monotonic()
        self.emitter.begin()

    def file(self, name: str, result: FileResult) -> None:
        options, tally = self.options, self.tally
        tally.files += 1
        if name != "-":
            self._advance()
        tally.per_rule.update(result.codes)
        tally.fixed_by_rule.update(result.applied_codes)
        if result.error:
            tally.errors += 1
            _err(result.error)
        if result.error and not result.lines and not result.changed:
            if self.emitter.structured:
                self.emitter.file(result)
            return
        stdin_write = name == "-" and options.write
        outcome = result.outcome
        if result.changed:
            tally.changed += 1
        if options.diff and outcome is not None and outcome.output != outcome.source:
            self.out.write(unified_diff(result.name, outcome.source, outcome.output))
        for change in result.file_changes if options.diff else ():
            key = (str(change.path), change.after)
            if key not in self.shown_changes:
                self.out.write(unified_diff(str(change.path), change.before, change.after))
                self.shown_changes.add(key)
        if stdin_write and outcome is not None:
            self.out.write(outcome.output)
        tally.reported += result.reported
        tally.fixable += result.fixable
        if self.emitter.structured:
            self.emitter.file(result)
        elif not options.quiet and not options.diff:
            self.emitter.file(result, sink=sys.stderr.write if stdin_write else None)
        if options.write and result.written and not options.quiet:
            if result.rewritten:
                _err(f"fixed {result.name}")
            for change in result.file_changes:
                _err(f"{'created' if change.before is None else 'updated'} {change.path} (for {result.name})")

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
        if options.statistics:
            _statistics(tally.per_rule, tally.fixed_by_rule, write=options.write)
        if tally.files == 0 and not options.quiet:
            _err("slimfix: no Dockerfile found (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*)")
        if not options.quiet:
            _err("slimfix: " + summary(tally, options))


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
    if tally.errors:
        parts.append(_plural(tally.errors, "error"))
    return ", ".join(parts)


def _plural(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun}es" if noun.endswith(("x", "s")) else f"{n} {noun}s"


def _statistics(per_rule: Counter, fixed: Counter, *, write: bool) -> None:
    """Findings per rule (and files fixed per rule with --write), on standard error."""
    from ..rules import rule_by_code

    verb = "files fixed" if write else ""
    _err(f"{'rule':7} {'findings':>8}  {verb:>11}  name")
    for code in sorted(per_rule):
        rule = rule_by_code(code)
        fixed_n = f"{fixed[code]:>11}" if write else " " * 11
        _err(f"{code:7} {per_rule[code]:>8}  {fixed_n}  {rule.name if rule else ''}")


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


# -- exit status ----------------------------------------------------------------------

def exit_status(tally: Tally, options: CheckOptions) -> int:
    if tally.errors:
        return EXIT_ERROR
    if options.write or options.check or options.diff:
        return EXIT_CHANGES if tally.changed else EXIT_CLEAN
    return EXIT_CHANGES if tally.reported else EXIT_CLEAN


def run(options: CheckOptions) -> int:
    try:
        plan = plan_run(options)
    except UsageError as exc:
        _err(f"slimfix: {exc}")
        return EXIT_ERROR
    if options.show_contexts:
        return show_contexts(plan)
    output = Output(options)
    for name, result in process(plan):
        output.file(name, result)
    output.finish()
    return exit_status(output.tally, options)
