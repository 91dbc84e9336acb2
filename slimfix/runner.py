"""The per-file pipeline: read, fix, verify, optionally write. It never raises: every
outcome, errors included, comes back as a ``FileResult`` value."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
import itertools
from collections import Counter
from typing import Iterable, Iterator

from .buildcontext import ContextResolver
from .engine import FixError, FixOutcome, check_document, fix_document
from .fileio import MAX_BYTES, FileProblem, too_large, SourceFile, decode, read_source, replace_file, write_atomic
from .fixes import Applicability, FileChange, Kind
from .results import FileResult, Job
from .rules import Rule
from .safepaths import Roots
from .signals import TIME_BUDGET, OverBudget, stop_workers, time_budget, worker_init
from .syntax import ParseError


@dataclass(frozen=True)
class Settings:
    rules: tuple[type[Rule], ...]
    unsafe_fixes: bool = False
    context: Path | None = None
    write: bool = False
    apply: bool = True  # False: only find out what would change (reports, --check)
    keep_texts: bool = True  # the caller needs the texts (diffs, standard input)
    records: bool = False  # structured findings for --output-format json/sarif/github
    roots: Roots | None = None  # where writes may land (None: anywhere, for the Python API)
    time_budget: float | None = TIME_BUDGET  # seconds per file; None: no limit

    @property
    def threshold(self) -> Applicability:
        return Applicability.UNSAFE if self.unsafe_fixes else Applicability.SAFE


def summarize(result: FileResult, settings: Settings) -> FileResult:
    """Fill the summary; drop the full outcome unless the caller needs its texts."""
    from .report.text import format_finding, locate

    outcome = result.outcome
    if outcome is None:
        return result
    result.changed = outcome.changed
    reads = outcome.reads
    result.cacheable = reads is None or reads.opaque is None
    result.context_reads = dict(reads.deps) if reads is not None and reads.deps else None
    result.rewritten = outcome.output != outcome.source or (outcome.pending and not outcome.file_changes)
    fixed = settings.write and (result.written or not outcome.changed)  # a failed write fixed nothing
    shown = outcome.remaining if fixed else outcome.findings
    text = outcome.output if fixed else outcome.source
    if settings.records:
        from .report.records import record

        result.records = [record(result.name, text, f) for f in shown]
    else:
        result.lines = [line for f in shown
                        for line in format_finding(result.name, locate(text, f), settings.threshold)]
    result.codes = [f.code for f in outcome.findings]
    result.applied_codes = sorted({f.code for f in outcome.applied})
    result.applied_counts = dict(Counter(f.code for f in outcome.applied))
    result.reported = len(shown)
    result.advice = sum(1 for f in shown if f.kind is Kind.ADVICE and f.fix is None and f.file_change is None)
    result.fixable_codes = [f.code for f in outcome.findings
                            if f.applicability is not None and f.applicability >= settings.threshold]
    result.fixable_left = sum(1 for f in shown if fixed and f.applicability is not None
                              and f.applicability >= settings.threshold)
    result.unsafe_fixable = sum(1 for f in outcome.findings if f.applicability is Applicability.UNSAFE
                                and settings.threshold > Applicability.UNSAFE)
    result.file_changes = list(outcome.file_changes)
    result.warnings += [f"{problem}; {', '.join(codes)} skipped for {result.name}"
                        for problem, codes in outcome.problems.items()]
    outcome.history = []
    if not settings.keep_texts:
        result.outcome = None
    return result


NO_INSTRUCTIONS = "file with no instructions"


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.lstrip("\ufeff").splitlines())


def process_text(name: str, text: str, settings: Settings, path: Path | None = None,
                 context: Path | None = None, ignore: tuple[str, ...] = ()) -> FileResult:
    """``context`` is the build context resolved for the file (None: none to read);
    ``ignore`` holds the rule codes (or prefixes) turned off for this file."""
    result = FileResult(name)
    rules = [r for r in settings.rules if not any(r.code.startswith(c) for c in ignore)]
    run = fix_document if settings.apply or settings.write else check_document
    try:
        with time_budget(settings.time_budget):
            result.outcome = run(text, rules, threshold=settings.threshold, path=path, context_dir=context)
    except OverBudget:
        result.error = (f"{name}: skipped: took more than {settings.time_budget:g} s "
                        "(the per-file time budget); file left unchanged")
    except ParseError as exc:
        if exc.message == NO_INSTRUCTIONS and text.strip(" \t\r\n\ufeff") and _only_comments(text):
            # hadolint passes a file of comments: nothing to build, nothing to fix
            result.outcome = FixOutcome(text, text, [], [])
        else:
            result.error = f"{name}:{exc.line}:{exc.column}: parse error: {exc.message}"
            result.error_at = (exc.line, exc.column)
            result.cacheable = True  # the bytes alone decide it: kept, so a warm run need not parse again
    except FixError as exc:
        result.error = f"{name}: internal error, file left unchanged: {exc}"
    except RecursionError:
        result.error = f"{name}: internal error, file left unchanged: input nested too deeply"
    except Exception as exc:  # a bug must cost one file, not the run
        result.error = f"{name}: internal error, file left unchanged: {type(exc).__name__}: {exc}"
    return result


def process_file(name: str | Job, settings: Settings) -> FileResult:
    """A bare name gets the default context (``--context`` or the file's directory); a
    ``Job`` carries the one the caller resolved."""
    if isinstance(name, Job):
        job = name
    else:
        resolved = ContextResolver(settings.context, declared=False).resolve(Path(name)).context
        job = Job(name, str(resolved) if resolved is not None else None)
    name = job.name
    if job.error is not None:
        return FileResult(name, error=job.error)
    if job.rules is not None or job.unsafe_fixes is not None:
        settings = _own_settings(settings, job.rules, job.unsafe_fixes)
    path = Path(name)
    roots = settings.roots
    if roots is not None and not roots.inside(path):
        return FileResult(name, notes=[f"{name}: skipped: a symlink to {os.path.realpath(path)}, "
                                       f"outside {roots.describe()}"])
    try:
        source = read_source(path)
    except FileProblem as exc:
        return FileResult(name, error=f"{name}: {exc}")
    context = Path(job.context) if job.context is not None else None
    result = process_text(name, source.text, settings, path, context, job.ignore)
    result.read_as = _read_as(source)
    if roots is not None and result.outcome is not None:
        _keep_inside(result, roots, settings)
    if settings.write and result.outcome is not None and result.outcome.changed and result.error is None:
        _write(result, source)
    return summarize(result, settings)


def _read_as(source: SourceFile) -> tuple | None:
    """What the result is of, for the cache: the file as it was read (its stat before the
    first byte, and the hash of the bytes), not as it is when the result is kept."""
    if source.stat is None:
        return None
    import hashlib

    from .buildcontext.reads import stat_print

    return (*stat_print(source.stat), hashlib.sha256(source.data).hexdigest())


def _keep_inside(result: FileResult, roots: Roots, settings: Settings) -> None:
    """Changes to other files that would land outside the roots become notes; with
    --check they do not count as due either."""
    outcome = result.outcome
    assert outcome is not None
    kept = []
    for change in outcome.file_changes:
        why = roots.why_not(change.path)
        if why is None:
            kept.append(change)
        else:
            result.notes.append(f"{result.name}: {why}")
    outcome.file_changes = kept
    if outcome.pending:
        threshold = max(settings.threshold, Applicability.UNSAFE)
        due = False
        for f in outcome.findings:
            if f.applicability is None or f.applicability < threshold:
                continue
            why = roots.why_not(f.file_change.path) if f.file_change is not None else None
            if why is None:
                due = True
            elif f"{result.name}: {why}" not in result.notes:
                result.notes.append(f"{result.name}: {why}")
        outcome.pending = due


def _own_settings(settings: Settings, codes: tuple[str, ...] | None, unsafe: bool | None) -> Settings:
    import dataclasses

    from .rules import rule_by_code

    changes: dict = {}
    if codes is not None:
        changes["rules"] = tuple(rule for rule in map(rule_by_code, codes) if rule is not None)
    if unsafe is not None:
        changes["unsafe_fixes"] = unsafe
    return dataclasses.replace(settings, **changes)


def apply_file_change(change: FileChange, roots: Roots | None = None) -> str | None:
    """Write a change to another file; None, or the reason it was not written. A change
    that is already on disk (another Dockerfile of the same context made it) is fine."""
    why = roots.why_not(change.path) if roots is not None else None
    if why is not None:
        return why
    try:
        if change.path.is_file() and change.path.read_bytes() == change.after.encode("utf-8"):
            return None
        before = change.before.encode("utf-8") if change.before is not None else None
        replace_file(change.path, before, change.after)
    except FileProblem as exc:
        return f"{change.path}: {exc}"
    except OSError as exc:
        return f"{change.path}: cannot write: {exc.strerror or exc}"
    return None


def process_bytes(name: str, data: bytes, settings: Settings, context: Path | None = None) -> FileResult:
    """Standard input: nothing is written, the caller prints the output. With a
    ``context`` (from --stdin-filename) the rules can read the build context."""
    try:
        if len(data) > MAX_BYTES:
            raise FileProblem(too_large(len(data)).replace(" MB,", "+ MB,"))
        text = decode(data)
    except FileProblem as exc:
        return FileResult(name, error=f"{name}: {exc}")
    path = Path(name) if context is not None else None
    result = process_text(name, text, settings, path, context)
    if settings.write and result.outcome is not None and not result.error:
        result.written = True  # its fixed text goes to standard output, as a file's goes to the file
    return summarize(result, settings)


def _write(result: FileResult, source: SourceFile) -> None:
    """Write the Dockerfile. Changes to other files are the caller's to apply, once per
    path, since several Dockerfiles (in several workers) may share a build context."""
    assert result.outcome is not None
    try:
        if result.outcome.output != result.outcome.source:
            write_atomic(source, result.outcome.output)
        result.written = True
    except FileProblem as exc:
        result.error = f"{result.name}: {exc}"
    except OSError as exc:
        result.error = f"{result.name}: cannot write: {exc.strerror or exc}"


_SETTINGS: Settings | None = None


def _init_worker(settings: Settings) -> None:
    global _SETTINGS
    worker_init()
    _SETTINGS = settings


def _work(jobs: list[Job]) -> list[FileResult]:
    assert _SETTINGS is not None
    return [process_file(job, _SETTINGS) for job in jobs]


def process_many(names: Iterable[str | Job | FileResult], settings: Settings, jobs: int) -> Iterator[FileResult]:
    """Results in the order of ``names``, streamed as they are ready; a ``FileResult``
    among them (from the cache) is passed through in its place. Runs of a few files and
    ``jobs == 1`` stay in this process (a pool costs more than it saves there); the first
    files are looked at before a pool is started."""
    from .buildcontext.reads import new_run

    new_run()  # what this process remembers of the trees is from an earlier run
    names = iter(names)
    head = list(itertools.islice(names, _POOL_THRESHOLD))
    if jobs <= 1 or len(head) < _POOL_THRESHOLD or all(isinstance(n, FileResult) for n in head):
        for name in itertools.chain(head, names):
            yield name if isinstance(name, FileResult) else process_file(name, settings)
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # A bounded window of chunks in flight: memory stays flat however many files there
    # are, and discovery goes on feeding the workers while they run.
    pending: deque = deque()
    chunks = _chunks(itertools.chain(head, names), _CHUNK)
    pool = ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(settings,))
    def submit(chunk: list):
        todo = [j for j in chunk if not isinstance(j, FileResult)]
        return chunk, (pool.submit(_work, todo) if todo else None)

    try:
        for chunk in itertools.islice(chunks, jobs * 4):
            pending.append(submit(chunk))
        while pending:
            chunk, future = pending.popleft()
            done = iter(future.result() if future is not None else ())
            nxt = next(chunks, None)
            if nxt is not None:
                pending.append(submit(nxt))
            yield from (j if isinstance(j, FileResult) else next(done) for j in chunk)
    except BrokenProcessPool:
        stop_workers(pool)
        import time

        time.sleep(0.5)  # a SIGTERM to the whole group: the parent's own turns this into an interrupt
        raise RuntimeError("a worker process died (killed by a signal?); files not yet reported "
                           "are unchanged") from None
    except GeneratorExit:
        # The consumer stopped early (its reader went away: `slimfix --diff | head`). Let
        # the chunks already running finish: a worker killed in the middle of sending
        # its results would leave the pool's manager waiting for the rest forever.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    except BaseException:  # interrupted (SIGINT, SIGTERM)
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while True:
        chunk = list(itertools.islice(items, size))
        if not chunk:
            return
        yield chunk


_POOL_THRESHOLD = 32
_CHUNK = 16
