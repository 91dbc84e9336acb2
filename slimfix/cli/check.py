"""What ``slimfix [PATH...]`` does once its options are read, in four steps: the settings
(options composed with the config), processing (discovery feeding the runner, changes to
other files applied once per path), output (``output``: the chosen format, diffs,
messages, the summary) and the exit status."""

from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..config import Config, ConfigError, ConfigFinder, find_config, load_config
from ..discovery import iter_discover
from ..printable import for_line, for_terminal
from ..report import emitter
from ..results import FileResult, Job
from ..rulecodes import check_codes
from ..safepaths import Roots
from .output import Output, Tally

# The rules and the runner (with the parser and the shell reader) are imported when a
# file needs processing: a run answered from the caches needs neither.
if TYPE_CHECKING:
    from ..buildcontext.resolver import ContextResolver
    from ..rules import Rule
    from ..runner import Settings

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


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
    show_settings: bool = False
    output_format: str = "text"
    output_file: Path | None = None
    show_fixes: bool = False
    exit_zero: bool = False
    exit_non_zero_on_fix: bool = False
    cache: bool = True


class UsageError(Exception):
    pass


def _err(line: str) -> None:
    sys.stderr.write(for_terminal(line) + "\n")


# -- settings -------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """The options composed with the config: what this run will do."""

    options: CheckOptions
    config: Config
    finder: ConfigFinder
    exclude: list[str]
    jobs: int
    roots: Roots
    hadolint_ignored: tuple[str, ...]
    unsafe_fixes: bool
    # Reports and --check only need the first pass; --diff, --write and `-` apply fixes.
    apply: bool
    keep_texts: bool
    records: bool

    @cached_property
    def resolver(self) -> ContextResolver:
        from ..buildcontext.resolver import ContextResolver

        return ContextResolver(self.options.context, self.config, self.roots)

    def through_links(self) -> bool:
        """Whether a compose or bake file reached a context or Dockerfile through a link."""
        return "resolver" in self.__dict__ and self.resolver.through_links

    def problems(self) -> list[str]:
        """What the resolver could not read so far (none when it was never needed)."""
        return self.resolver.problems if "resolver" in self.__dict__ else []

    @cached_property
    def settings(self) -> Settings:
        """Made when a file needs processing (the codes were checked by ``plan_run``).
        The rules, the runner and all they import come in here."""
        from . import frozen_imports

        with frozen_imports():
            from ..runner import Settings

            rules = tuple(rules_for(self.options, self.config, self.hadolint_ignored))
        return Settings(rules, self.unsafe_fixes, self.options.context, self.options.write, apply=self.apply,
                        keep_texts=self.keep_texts, records=self.records, roots=self.roots)

    def key(self) -> tuple:
        """What the settings are made of: the same key, the same rules and threshold."""
        options, cfg = self.options, self.config
        return (_selection(options, cfg), self.hadolint_ignored, self.unsafe_fixes, self.records)


def _selection(options: CheckOptions, config: Config) -> tuple[list[str], list[str]]:
    """As ruff composes them: ``--select``/``--ignore`` replace the config's lists,
    ``--extend-select``/``--extend-ignore`` add to them."""
    select = (options.select or config.select or []) + options.extend_select
    if options.extend_select and not (options.select or config.select):
        select = ["ALL"] + select
    return select, (options.ignore or config.ignore or []) + options.extend_ignore


def rules_for(options: CheckOptions, config: Config, hadolint_ignored: tuple[str, ...] = ()) -> list[type[Rule]]:
    """The selected rules, less those mapped to codes a ``.hadolint.yaml`` ignores."""
    from ..rules import select_rules

    select, ignore = _selection(options, config)
    rules = select_rules(select or None, ignore or None)
    return [r for r in rules if not set(r.hadolint) & set(hadolint_ignored)]


def plan_run(options: CheckOptions) -> Plan:
    try:
        cfg = load_config(options.config) if options.config else _found_config()
        finder = ConfigFinder(cfg if options.config else None, cfg)
        hadolint_ignored = _hadolint_ignored()
        unsafe_fixes = options.unsafe_fixes or bool(cfg.unsafe_fixes)
        select, ignore = _selection(options, cfg)
        check_codes(select + ignore)
        for _, codes in cfg.per_file_ignores:
            check_codes(codes)  # an unknown code is an error here too
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if options.context is not None and not options.context.is_dir():
        raise UsageError(f"--context {options.context}: not a directory")
    for p in options.paths:
        if p != "-" and not os.path.lexists(p):
            raise UsageError(f"{p}: no such file or directory")
    roots = Roots.for_paths(options.paths + ([str(options.context)] if options.context is not None else []))
    return Plan(options, cfg, finder, options.exclude, options.jobs or os.cpu_count() or 1, roots,
                hadolint_ignored, unsafe_fixes,
                apply=options.diff or options.write, keep_texts=options.diff or "-" in options.paths,
                records=emitter(options.output_format).structured)


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

            from ..yamlload import safe_load

            data = safe_load(read_text(path))
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
        self._had_problems = False  # along the walk: then it is not kept (see _jobs)
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

    def _jobs(self) -> Iterator[Job]:
        """A job for each file found, in discovery order: from the walk cache when the
        tree is as it was, else walked and resolved (and kept when nothing went wrong)."""
        plan, options = self.plan, self.plan.options
        walk = None
        if self.cache is not None:
            from ..walkcache import WalkCache, memo_key

            walk = WalkCache(self.cache.store, memo_key(os.getcwd(), options, plan.hadolint_ignored,
                                                        self.cache.name))
            known = walk.load()
            if known is not None:
                yield from known
                return
            walk.begin(options.paths)
            if options.config is not None:
                walk.watch(str(options.config))
        jobs, errors = [], False
        for f in iter_discover(options.paths, plan.exclude, self._unreadable.append, plan.finder.excluded,
                               listed=walk.listed if walk is not None else None):
            if f != "-":
                job = self.job(f)
                errors = errors or job.error is not None
                if walk is not None:  # kept only to be saved: --no-cache runs stay flat
                    jobs.append(job)
                yield job
        # ``_had_problems`` covers what the jobs met; ``_unreadable`` what the walk met last.
        if walk is not None and not (errors or self._had_problems or self._unreadable or plan.through_links()):
            walk.save(jobs)

    def _collect(self) -> None:
        found = self.plan.problems()
        self._had_problems = self._had_problems or bool(found or self._unreadable)
        self.problems += found + self._unreadable
        found.clear()
        self._unreadable.clear()

    def __iter__(self) -> Iterator[tuple[str, FileResult]]:
        plan, options = self.plan, self.plan.options
        written: set[str] = set()
        pending: dict[str, Job] = {}  # computed, to be cached
        for result in self._results(pending):
            job = pending.pop(result.name, None)  # None: answered from the cache
            # A hit only spares work: what it holds is never written, whatever it says.
            if options.write and result.written and job is not None:
                self._apply_file_changes(result, written)
            if job is not None and self.cache is not None and not plan.apply:
                self.cache.put(job, result)
            yield result.name, result
        if self.cache is not None:
            self.cache.save()
        self._collect()  # found after the last Dockerfile
        if "-" in options.paths:
            name = options.stdin_filename
            context = plan.resolver.resolve(Path(name) if name != "-" else None).context
            from ..runner import process_bytes

            yield "-", process_bytes(name, _read_stdin(), plan.settings, context)

    def _results(self, pending: dict[str, Job]) -> Iterator[FileResult]:
        """Results from the cache as they come; from the first file to process on, the
        runner's (which passes the later hits through, in order)."""
        source = self._from_cache(self._jobs(), pending)
        for item in source:
            if isinstance(item, FileResult):
                yield item
                continue
            from ..runner import process_many

            yield from process_many(itertools.chain([item], source), self.plan.settings, self.plan.jobs)
            return

    def _from_cache(self, jobs, pending: dict[str, Job]):
        """Each job, or its result from the cache. With --diff and --write only a result
        that needs nothing is taken: the fixed text is not kept."""
        for job in jobs:
            hit = self.cache.get(job) if self.cache is not None and job.error is None else None
            if hit is not None and (not self.plan.apply or not (hit.changed or hit.reported or hit.file_changes)):
                yield hit
            else:
                pending[job.name] = job
                yield job

    def _apply_file_changes(self, result: FileResult, written: set[str]) -> None:
        """Several Dockerfiles (in several workers) may share a build context: each path
        is written once, here in the main process."""
        from ..runner import apply_file_change

        for change in result.file_changes:
            problem = None if str(change.path) in written else apply_file_change(change, self.plan.roots)
            written.add(str(change.path))
            if problem:
                result.error, result.written = problem, False


def _open_cache(plan: Plan):
    """The cache of the project root (the settings file's folder, else the working
    directory), when that is inside the roots slimfix may write to."""
    if not plan.options.cache or plan.keep_texts and not plan.apply:
        return None
    from ..cache import ResultCache, Store, settings_key

    root = plan.config.path.parent if plan.config.path is not None else Path.cwd()
    if not plan.roots.inside(root):
        return None
    store = Store.for_root(root)
    return ResultCache(store, settings_key(plan.key())) if store is not None else None


def _read_stdin() -> bytes:
    """Standard input, up to the size limit (``slimfix - < /dev/zero`` must end)."""
    from ..fileio import MAX_BYTES

    return sys.stdin.buffer.read(MAX_BYTES + 1)


def show_contexts(plan: Plan) -> int:
    for name in iter_discover(plan.options.paths, plan.exclude, excluded=plan.finder.excluded):
        if name != "-":
            found = plan.resolver.resolve(Path(name), plan.finder.for_file(name))
            sys.stdout.write(for_line(f"{name}: {found.context} ({found.reason})") + "\n")
    for problem in plan.resolver.problems:
        _err(f"slimfix: {problem}")
    return EXIT_ERROR if plan.resolver.problems else EXIT_CLEAN


def show_settings(plan: Plan) -> int:
    """Which settings file each Dockerfile gets (a file above the repository never does)
    and what it makes of the rules: a setting from an unexpected place is seen here."""
    options, failed = plan.options, False
    for name in iter_discover(options.paths, plan.exclude, excluded=plan.finder.excluded):
        if name == "-":
            continue
        try:
            own = plan.finder.for_file(name)
        except ConfigError as exc:
            _err(f"slimfix: {exc}")
            failed = True
            continue
        codes = [r.code for r in rules_for(options, own, plan.hadolint_ignored)]
        unsafe = options.unsafe_fixes or bool(own.unsafe_fixes)
        ignored = own.ignores_for(Path(name))
        sys.stdout.write(f"{name}: settings file {own.path if own.path is not None else 'none (defaults)'}; "
                         f"rules {', '.join(codes) or 'none'}; unsafe fixes {'on' if unsafe else 'off'}"
                         + (f"; ignored here {', '.join(ignored)}" if ignored else "") + "\n")
    if plan.hadolint_ignored:
        sys.stdout.write(f"(.hadolint.yaml here: ignored {', '.join(plan.hadolint_ignored)})\n")
    return EXIT_ERROR if failed else EXIT_CLEAN


# -- exit status ----------------------------------------------------------------------

def exit_status(tally: Tally, options: CheckOptions) -> int:
    """The contract of docs/cli.md, the same for files and standard input: errors 2; a
    report 1 when it has findings; --check and --diff 1 when a change the settings allow
    is due; --write 1 when such a change is still due after writing (or, with
    --exit-non-zero-on-fix, when anything changed). Findings no allowed fix covers fail
    the report only: --check and --write judge the files as slimfix would leave them, so
    the check hook and the fix hook agree. Advice never fails; --exit-zero turns 1 into 0."""
    if tally.errors:
        return EXIT_ERROR
    if options.check or options.diff:
        failed = tally.changed > 0
    elif options.write:
        failed = tally.fixable_left > 0 or (options.exit_non_zero_on_fix and tally.changed > 0)
    else:
        failed = tally.reported - tally.advice > 0
    return EXIT_CHANGES if failed and not options.exit_zero else EXIT_CLEAN


def run(options: CheckOptions) -> int:
    try:
        plan = plan_run(options)
    except UsageError as exc:
        _err(f"slimfix: {exc}")
        return EXIT_ERROR
    if options.show_contexts:
        return show_contexts(plan)
    if options.show_settings:
        return show_settings(plan)
    named = next((p for p in options.paths if p != "-" and options.output_file is not None
                  and _same_file(p, options.output_file)), None)
    if named is not None:
        _err(f"slimfix: --output-file {options.output_file}: is {named}, one of the files checked; not written")
        return EXIT_ERROR
    try:
        output = Output(options)
    except OSError as exc:
        _err(f"slimfix: --output-file {options.output_file}: {exc.strerror or exc}")
        return EXIT_ERROR
    try:
        processing = Processing(plan)
        for name, result in processing:
            for problem in processing.problems:
                output.problem(problem)
            processing.problems.clear()
            output.file(name, result)
        for problem in processing.problems:
            output.problem(problem)
        output.finish()
    finally:
        output.abandon()
    return exit_status(output.tally, options)


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


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
    except BrokenPipeError:
        # The reader went away (`slimfix --diff | head`): stop quietly, as a program killed
        # by SIGPIPE does, and keep the interpreter's last flush from failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        _err(f"slimfix: internal error: {type(exc).__name__}: {exc} "
             f"(at {Path(where.filename).name}:{where.lineno}; please report it)")
        return EXIT_ERROR
