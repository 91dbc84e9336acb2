"""The per-file pipeline: read, fix, verify, optionally write. It never raises: every
outcome, errors included, comes back as a ``FileResult`` value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .engine import FixError, FixOutcome, check_document, fix_document
from .fileio import FileProblem, SourceFile, decode, read_source, replace_file, write_atomic
from .fixes import Applicability, FileChange
from .rules import Rule
from .syntax import ParseError


@dataclass(frozen=True)
class Settings:
    rules: tuple[type[Rule], ...]
    unsafe_fixes: bool = False
    context: Path | None = None
    write: bool = False
    apply: bool = True  # False: only find out what would change (reports, --check)

    @property
    def threshold(self) -> Applicability:
        return Applicability.UNSAFE if self.unsafe_fixes else Applicability.SAFE


@dataclass
class FileResult:
    name: str  # as shown to the user
    outcome: FixOutcome | None = None
    error: str | None = None  # one line, already naming the file
    written: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.outcome is not None and self.outcome.changed


def process_text(name: str, text: str, settings: Settings, path: Path | None = None) -> FileResult:
    result = FileResult(name)
    context = settings.context or (path.parent if path is not None else None)
    run = fix_document if settings.apply or settings.write else check_document
    try:
        result.outcome = run(text, list(settings.rules), threshold=settings.threshold,
                             path=path, context_dir=context)
    except ParseError as exc:
        result.error = f"{name}:{exc.line}:{exc.column}: parse error: {exc.message}"
    except FixError as exc:
        result.error = f"{name}: internal error, file left unchanged: {exc}"
    except RecursionError:
        result.error = f"{name}: internal error, file left unchanged: input nested too deeply"
    except Exception as exc:  # a bug must cost one file, not the run
        result.error = f"{name}: internal error, file left unchanged: {type(exc).__name__}: {exc}"
    return result


def process_file(name: str, settings: Settings) -> FileResult:
    path = Path(name)
    try:
        source = read_source(path)
    except FileProblem as exc:
        return FileResult(name, error=f"{name}: {exc}")
    result = process_text(name, source.text, settings, path)
    if settings.write and result.changed and result.error is None:
        _write(result, source)
    return result


def apply_file_change(change: FileChange) -> str | None:
    """Write a change to another file; None, or the reason it was not written. A change
    that is already on disk (another Dockerfile of the same context made it) is fine."""
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


def process_bytes(name: str, data: bytes, settings: Settings) -> FileResult:
    """Standard input: nothing is written, the caller prints the output."""
    try:
        text = decode(data, name)
    except FileProblem as exc:
        return FileResult(name, error=f"{name}: {exc}")
    return process_text(name, text, settings, None)


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
    _SETTINGS = settings


def _work(name: str) -> FileResult:
    assert _SETTINGS is not None
    result = process_file(name, _SETTINGS)
    if result.outcome is not None:
        result.outcome.history = []  # not needed by the caller: keep what crosses processes small
    return result


def process_many(names: list[str], settings: Settings, jobs: int) -> Iterator[FileResult]:
    """Results in the order of ``names``, streamed as they are ready. Small runs and
    ``jobs == 1`` stay in this process (a pool costs more than it saves there)."""
    if jobs <= 1 or len(names) < 4 * jobs:
        for name in names:
            yield process_file(name, settings)
        return
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(32, len(names) // (jobs * 8)))
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(settings,)) as pool:
        yield from pool.map(_work, names, chunksize=chunk)
