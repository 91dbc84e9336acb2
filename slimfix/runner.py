"""The per-file pipeline: read, fix, verify, optionally write. It never raises: every
outcome, errors included, comes back as a ``FileResult`` value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .engine import FixError, FixOutcome, fix_document
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
    try:
        result.outcome = fix_document(text, list(settings.rules), threshold=settings.threshold,
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
    assert result.outcome is not None
    try:
        if result.outcome.output != result.outcome.source:
            write_atomic(source, result.outcome.output)
        for change in result.outcome.file_changes:
            problem = apply_file_change(change)
            if problem:
                result.error = problem
                return
        result.written = True
    except FileProblem as exc:
        result.error = f"{result.name}: {exc}"
    except OSError as exc:
        result.error = f"{result.name}: cannot write: {exc.strerror or exc}"
