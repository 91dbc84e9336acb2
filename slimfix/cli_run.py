"""What ``slimfix check`` does once its options are read: process, print, exit code."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

from .discovery import iter_discover
from .report import unified_diff
from .rules import select_rules
from .config import Config, ConfigError, ConfigFinder, find_config, load_config
from .contexts import ContextResolver
from .formats import github_line, render_json, render_sarif
from .safepaths import Roots, shown_path
from .runner import Job, Settings, apply_file_change, process_bytes, process_many

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def run(*, paths: list[str], diff: bool, write: bool, check: bool, select: list[str],
        ignore: list[str], unsafe_fixes: bool, context: Path | None, exclude: list[str],
        stdin_filename: str, quiet: bool, jobs: int | None = None, statistics: bool = False,
        config: Path | None = None, show_contexts: bool = False, output_format: str = "text") -> int:
    cli_select, cli_ignore, cli_unsafe = select, ignore, unsafe_fixes
    try:
        cfg = load_config(config) if config else _found_config()
        finder = ConfigFinder(cfg if config else None, cfg)
        select = select or cfg.select or []
        ignore = ignore or cfg.ignore or []
        unsafe_fixes = unsafe_fixes or bool(cfg.unsafe_fixes)
        rules = select_rules(select or None, ignore or None)
        for _, codes in cfg.per_file_ignores:
            select_rules(codes)  # an unknown code is an error here too
    except (ConfigError, ValueError) as exc:
        _err(f"slimfix: {exc}")
        return EXIT_ERROR
    if context is not None and not context.is_dir():
        _err(f"slimfix: --context {context}: not a directory")
        return EXIT_ERROR
    for p in paths:
        if p != "-" and not Path(p).exists():
            _err(f"slimfix: {p}: no such file or directory")
            return EXIT_ERROR
    # Reports and --check only need the first pass; --diff, --write and `-` apply fixes.
    structured = output_format != "text"
    roots = Roots.for_paths(paths + ([str(context)] if context is not None else []))
    settings = Settings(tuple(rules), unsafe_fixes, context, write,
                        apply=diff or write, keep_texts=diff or "-" in paths, records=structured, roots=roots)
    records: list[dict] = []
    jobs = jobs or os.cpu_count() or 1
    resolver = ContextResolver(context, cfg, roots)
    if show_contexts:
        for name in iter_discover(paths, exclude, excluded=finder.excluded):
            if name != "-":
                found = resolver.resolve(Path(name), finder.for_file(name))
                out_line = f"{name}: {found.context} ({found.reason})"
                sys.stdout.write(out_line + "\n")
        for problem in resolver.problems:
            _err(f"slimfix: {problem}")
        return EXIT_ERROR if resolver.problems else EXIT_CLEAN

    def job(name: str) -> Job:
        path = Path(name)
        try:
            own = finder.for_file(path)
            codes = unsafe = None
            if own is not cfg:  # a settings file nearer to this Dockerfile
                codes = tuple(r.code for r in select_rules(cli_select or own.select or None,
                                                           cli_ignore or own.ignore or None))
                unsafe = cli_unsafe or bool(own.unsafe_fixes)
            found = Job(name, str(resolver.resolve(path, own).context), tuple(own.ignores_for(path)),
                        rules=codes, unsafe_fixes=unsafe)
        except ConfigError as exc:
            found = Job(name, error=f"slimfix: {exc}; {name} not checked")
        except Exception as exc:  # a bug costs one file, never the run
            found = Job(name, error=f"{name}: internal error resolving its build context, file left "
                                    f"unchanged: {type(exc).__name__}: {exc}")
        _drain(resolver.problems)
        _drain(unreadable)
        return found

    def _drain(problems: list[str]) -> None:
        nonlocal errors
        for problem in problems:
            errors += 1
            _err(f"slimfix: {problem}")
        problems.clear()

    errors = 0
    # Discovery feeds the workers as it walks; standard input is read last.
    unreadable: list[str] = []
    on_disk = (job(f) for f in iter_discover(paths, exclude, unreadable.append, finder.excluded) if f != "-")
    names = _with_stdin(process_many(on_disk, settings, jobs), "-" in paths)
    out = sys.stdout
    changed = reported = fixable = 0
    shown_changes: set[tuple[str, str]] = set()  # file changes several Dockerfiles share
    written_changes: set[str] = set()
    per_rule: Counter = Counter()
    fixed_by_rule: Counter = Counter()
    show_progress = _wants_progress(quiet)
    progress = None
    started = time.monotonic()
    files = 0
    for name, result in names:
        files += 1
        if name == "-":
            named = Path(stdin_filename)
            stdin_context = resolver.resolve(named).context if stdin_filename != "-" and named.parent.is_dir() \
                else settings.context
            result = process_bytes(stdin_filename, _read_stdin(), settings, stdin_context)
        elif progress:
            progress.advance()
        elif show_progress and time.monotonic() - started > _PROGRESS_AFTER:
            progress = _Progress(done=files)  # only once the run turns out to be long
        per_rule.update(result.codes)
        fixed_by_rule.update(result.applied_codes)
        if write and result.written:
            for change in result.file_changes:  # once per path, here, not in workers
                problem = None if str(change.path) in written_changes else apply_file_change(change, roots)
                written_changes.add(str(change.path))
                if problem:
                    result.error, result.written = problem, False
        for note in result.notes:
            _err(f"note: {note}")
        for warning in result.warnings:
            errors += 1
            _err(f"slimfix: {warning}")
        if result.error:
            errors += 1
            _err(result.error)
        if result.error and not result.lines and not result.changed:
            continue
        stdin_write = name == "-" and write
        outcome = result.outcome
        if result.changed and (result.written or not write or name == "-"):  # a failed write fixed nothing
            changed += 1
        if diff and outcome is not None and outcome.output != outcome.source:
            out.write(unified_diff(result.name, outcome.source, outcome.output))
        for change in result.file_changes if diff else ():
            key = (str(change.path), change.after)
            if key not in shown_changes:
                out.write(unified_diff(str(change.path), change.before, change.after))
                shown_changes.add(key)
        if stdin_write and outcome is not None:
            out.write(outcome.output)
        reported += result.reported
        fixable += result.fixable
        if output_format == "github":
            for rec in result.records:
                out.write(github_line(rec) + "\n")
        elif structured:
            records.extend(result.records)
        elif not quiet and not diff:
            sink = _err if stdin_write else (lambda s: out.write(s + "\n"))
            for line in result.lines:
                sink(line)
        if write and result.written and not quiet:
            if result.rewritten:
                _err(f"fixed {shown_path(result.name)}")
            for change in result.file_changes:
                _err(f"{'created' if change.before is None else 'updated'} {change.path} (for {result.name})")
    _drain(unreadable)  # found after the last Dockerfile
    if progress:
        progress.close()
    if output_format == "json":
        out.write(render_json(records))
    elif output_format == "sarif":
        out.write(render_sarif(records))
    if statistics:
        _statistics(per_rule, fixed_by_rule, write=write)
    if files == 0 and not quiet:
        _err("slimfix: no Dockerfile found (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*)")
    if not quiet:
        _summary(files, reported, fixable, changed, errors, write=write, check=check, diff=diff,
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


def _found_config() -> Config:
    path = find_config(Path.cwd())
    return load_config(path) if path else Config()


def _statistics(per_rule: Counter, fixed: Counter, *, write: bool) -> None:
    """Findings per rule (and files fixed per rule with --write), on standard error."""
    from .rules import rule_by_code

    verb = "files fixed" if write else ""
    _err(f"{'rule':7} {'findings':>8}  {verb:>11}  name")
    for code in sorted(per_rule):
        rule = rule_by_code(code)
        fixed_n = f"{fixed[code]:>11}" if write else " " * 11
        _err(f"{code:7} {per_rule[code]:>8}  {fixed_n}  {rule.name if rule else ''}")


class _Progress:
    """A progress bar on standard error for long runs on a terminal; nothing otherwise."""

    def __init__(self, done: int = 0):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        from rich.console import Console

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


def _with_stdin(results, stdin: bool):
    """(name, result) pairs; standard input comes last, as ("-", None)."""
    for result in results:
        yield result.name, result
    if stdin:
        yield "-", None


def _read_stdin() -> bytes:
    """Standard input, up to the size limit (``slimfix - < /dev/zero`` must end)."""
    from .fileio import MAX_BYTES

    return sys.stdin.buffer.read(MAX_BYTES + 1)
