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
from typing import IO, Iterator

from ..buildcontext import ContextResolver
from ..config import Config, ConfigError, ConfigFinder, find_config, load_config
from ..discovery import iter_discover
from ..report import emitter
from ..report.diff import unified_diff
from ..rules import Rule, select_rules
from ..runner import FileResult, Job, Settings, apply_file_change, process_bytes, process_many
from ..safepaths import Roots, shown_path
from . import colour

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class CheckOptions:
    """The command line as given."""

    paths: list[str]
    diff: bool = False
    write: bool = False
    check: bool = False
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
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
    output_file: Path | None = None
    show_fixes: bool = False
    exit_zero: bool = False
    exit_non_zero_on_fix: bool = False
    cache: bool = True


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
    finder: ConfigFinder
    settings: Settings
    exclude: list[str]
    jobs: int
    resolver: ContextResolver
    roots: Roots
    hadolint_ignored: tuple[str, ...]


def rules_for(options: CheckOptions, config: Config, hadolint_ignored: tuple[str, ...] = ()) -> list[type[Rule]]:
    """As ruff composes them: ``--select``/``--ignore`` replace the config's lists,
    ``--extend-select``/``--extend-ignore`` add to them; codes a ``.hadolint.yaml``
    ignores silence the slimfix rules mapped to them."""
    select = (options.select or config.select or []) + options.extend_select
    if options.extend_select and not (options.select or config.select):
        select = ["ALL"] + select
    ignore = (options.ignore or config.ignore or []) + options.extend_ignore
    rules = select_rules(select or None, ignore or None)
    return [r for r in rules if not set(r.hadolint) & set(hadolint_ignored)]


def plan_run(options: CheckOptions) -> Plan:
    try:
        cfg = load_config(options.config) if options.config else _found_config()
        finder = ConfigFinder(cfg if options.config else None, cfg)
        hadolint_ignored = _hadolint_ignored()
        unsafe_fixes = options.unsafe_fixes or bool(cfg.unsafe_fixes)
        rules = rules_for(options, cfg, hadolint_ignored)
        for _, codes in cfg.per_file_ignores:
            select_rules(codes)  # an unknown code is an error here too
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if options.context is not None and not options.context.is_dir():
        raise UsageError(f"--context {options.context}: not a directory")
    for p in options.paths:
        if p != "-" and not os.path.lexists(p):
            raise UsageError(f"{p}: no such file or directory")
    roots = Roots.for_paths(options.paths + ([str(options.context)] if options.context is not None else []))
    # Reports and --check only need the first pass; --diff, --write and `-` apply fixes.
    settings = Settings(tuple(rules), unsafe_fixes, options.context, options.write,
                        apply=options.diff or options.write, keep_texts=options.diff or "-" in options.paths,
                        records=emitter(options.output_format).structured, roots=roots)
    return Plan(options, cfg, finder, settings, options.exclude, options.jobs or os.cpu_count() or 1,
                ContextResolver(options.context, cfg, roots), roots, hadolint_ignored)


def _found_config() -> Config:
    path = find_config(Path.cwd())
    return load_config(path) if path else Config()


def _hadolint_ignored() -> tuple[str, ...]:
    """``ignored:`` of the ``.hadolint.yaml`` (or ``.yml``) that hadolint itself would
    read from here: teams that silenced a check there want it silent in slimfix too."""
    for name in (".hadolint.yaml", ".hadolint.yml"):
        path = Path(name)
        if not path.is_file():
            continue
        from ..fileio import FileProblem, read_text

        try:
            import yaml

            data = yaml.safe_load(read_text(path))
        except (FileProblem, OSError, UnicodeError) as exc:
            raise ConfigError(f"{path}: cannot be read: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        ignored = data.get("ignored") if isinstance(data, dict) else None
        if ignored is None:
            return ()
        if not isinstance(ignored, list) or not all(isinstance(c, str) for c in ignored):
            raise ConfigError(f"{path}: `ignored` must be a list of codes")
        return tuple(c.strip().upper() for c in ignored)
    return ()


# -- processing -----------------------------------------------------------------------

class Processing:
    """(name, result) for every file, in discovery order; standard input comes last, as
    ``"-"``. With --write, changes to other files are applied here, once per path.
    What could not be resolved or read along the way is in ``problems``."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.problems: list[str] = []  # one line each; each counts as an error
        self._unreadable: list[str] = []
        self.cache = _open_cache(plan)

    def job(self, name: str) -> Job:
        plan, options = self.plan, self.plan.options
        path = Path(name)
        try:
            own = plan.finder.for_file(path)
            codes = unsafe = None
            if own is not plan.config:  # a settings file nearer to this Dockerfile
                codes = tuple(r.code for r in rules_for(options, own, plan.hadolint_ignored))
                unsafe = options.unsafe_fixes or bool(own.unsafe_fixes)
            found = Job(name, str(plan.resolver.resolve(path, own).context), tuple(own.ignores_for(path)),
                        rules=codes, unsafe_fixes=unsafe)
        except ConfigError as exc:
            found = Job(name, error=f"slimfix: {exc}; {name} not checked")
        except Exception as exc:  # a bug costs one file, never the run
            found = Job(name, error=f"{name}: internal error resolving its build context, file left "
                                    f"unchanged: {type(exc).__name__}: {exc}")
        self._collect()
        return found

    def _collect(self) -> None:
        self.problems += self.plan.resolver.problems + self._unreadable
        self.plan.resolver.problems.clear()
        self._unreadable.clear()

    def __iter__(self) -> Iterator[tuple[str, FileResult]]:
        plan, options = self.plan, self.plan.options
        on_disk = (self.job(f) for f in iter_discover(options.paths, plan.exclude, self._unreadable.append,
                                                       plan.finder.excluded) if f != "-")
        written: set[str] = set()
        pending: dict[str, Job] = {}  # computed, to be cached
        for result in process_many(self._from_cache(on_disk, pending), plan.settings, plan.jobs):
            if options.write and result.written:
                self._apply_file_changes(result, written)
            job = pending.pop(result.name, None)
            if job is not None and self.cache is not None and not plan.settings.apply:
                self.cache.put(job, result)
            yield result.name, result
        if self.cache is not None:
            self.cache.save()
        self._collect()  # found after the last Dockerfile
        if "-" in options.paths:
            name = options.stdin_filename
            context = plan.resolver.resolve(Path(name) if name != "-" else None).context
            yield "-", process_bytes(name, _read_stdin(), plan.settings, context)

    def _from_cache(self, jobs, pending: dict[str, Job]):
        """Each job, or its result from the cache. With --diff and --write only a result
        that needs nothing is taken: the fixed text is not kept."""
        for job in jobs:
            hit = self.cache.get(job) if self.cache is not None and job.error is None else None
            if hit is not None and (not self.plan.settings.apply or (not hit.changed and not hit.reported)):
                yield hit
            else:
                pending[job.name] = job
                yield job

    def _apply_file_changes(self, result: FileResult, written: set[str]) -> None:
        """Several Dockerfiles (in several workers) may share a build context: each path
        is written once, here in the main process."""
        for change in result.file_changes:
            problem = None if str(change.path) in written else apply_file_change(change, self.plan.roots)
            written.add(str(change.path))
            if problem:
                result.error, result.written = problem, False


def _open_cache(plan: Plan):
    """The cache of the project root (the settings file's folder, else the working
    directory), when that is inside the roots slimfix may write to."""
    if not plan.options.cache or plan.settings.keep_texts and not plan.settings.apply:
        return None
    from ..cache import ResultCache, settings_key

    root = plan.config.path.parent if plan.config.path is not None else Path.cwd()
    if not plan.roots.inside(root):
        return None
    return ResultCache(root, settings_key(plan.settings, plan.settings.records))


def _read_stdin() -> bytes:
    """Standard input, up to the size limit (``slimfix - < /dev/zero`` must end)."""
    from ..fileio import MAX_BYTES

    return sys.stdin.buffer.read(MAX_BYTES + 1)


def show_contexts(plan: Plan) -> int:
    for name in iter_discover(plan.options.paths, plan.exclude, excluded=plan.finder.excluded):
        if name != "-":
            found = plan.resolver.resolve(Path(name), plan.finder.for_file(name))
            sys.stdout.write(f"{name}: {found.context} ({found.reason})\n")
    for problem in plan.resolver.problems:
        _err(f"slimfix: {problem}")
    return EXIT_ERROR if plan.resolver.problems else EXIT_CLEAN


# -- output ---------------------------------------------------------------------------

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
            lines = result.lines if not self.painted or sink else [colour.finding(line) for line in result.lines]
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


# -- exit status ----------------------------------------------------------------------

def exit_status(tally: Tally, options: CheckOptions) -> int:
    """As ruff: errors 2; --check and --diff 1 when a change is due; --write 1 when
    findings are left (or, with --exit-non-zero-on-fix, when anything changed); a report
    1 when it has findings. Advice alone never fails; --exit-zero turns 1 into 0."""
    if tally.errors:
        return EXIT_ERROR
    problems = tally.reported - tally.advice
    if options.check or options.diff:
        failed = tally.changed > 0
    elif options.write:
        failed = problems > 0 or (options.exit_non_zero_on_fix and tally.changed > 0)
    else:
        failed = problems > 0
    return EXIT_CHANGES if failed and not options.exit_zero else EXIT_CLEAN


def run(options: CheckOptions) -> int:
    try:
        plan = plan_run(options)
    except UsageError as exc:
        _err(f"slimfix: {exc}")
        return EXIT_ERROR
    if options.show_contexts:
        return show_contexts(plan)
    try:
        output = Output(options)
    except OSError as exc:
        _err(f"slimfix: --output-file {options.output_file}: {exc.strerror or exc}")
        return EXIT_ERROR
    processing = Processing(plan)
    for name, result in processing:
        for problem in processing.problems:
            output.problem(problem)
        processing.problems.clear()
        output.file(name, result)
    for problem in processing.problems:
        output.problem(problem)
    output.finish()
    return exit_status(output.tally, options)


def guarded(run_command) -> int:
    """Any error that escapes is one line and exit status 2, never a traceback (and never
    exit 1, which CI reads as "changes found")."""
    from ..signals import sigterm_as_sigint

    sigterm_as_sigint()
    try:
        return run_command()
    except KeyboardInterrupt:
        _err("slimfix: interrupted; files not yet written are unchanged")
        return EXIT_INTERRUPTED
    except Exception as exc:
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        _err(f"slimfix: internal error: {type(exc).__name__}: {exc} "
             f"(at {Path(where.filename).name}:{where.lineno}; please report it)")
        return EXIT_ERROR
