"""What the pipeline hands on: a ``Job`` (one file to process, as the main process
resolved it) and its ``FileResult``. Apart from the runner, so that a run answered from the
caches (results, unpickled, and jobs) imports neither the parser nor the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import FixOutcome
    from .fixes import FileChange


@dataclass
class FileResult:
    name: str  # as shown to the user
    outcome: FixOutcome | None = None  # None when not needed by the caller (see summarize)
    error: str | None = None  # one line, already naming the file
    error_at: tuple[int, int] | None = None  # (line, column) of a parse error
    written: bool = False
    # A summary, so that results crossing processes stay small:
    changed: bool = False
    rewritten: bool = False  # the Dockerfile itself changes (not only other files)
    lines: list[str] = field(default_factory=list)  # the report, one finding per line (+ notes)
    records: list[dict] = field(default_factory=list)  # the same, structured (see report.records)
    codes: list[str] = field(default_factory=list)  # codes of the findings on the input
    applied_codes: list[str] = field(default_factory=list)
    applied_counts: dict[str, int] = field(default_factory=dict)  # fixes applied, per rule
    reported: int = 0  # findings shown: on the input, or left on the output after --write
    advice: int = 0  # of those, advice (it never fails a run)
    unsafe_fixable: int = 0  # fixable only with --unsafe-fixes
    fixable_codes: list[str] = field(default_factory=list)  # codes of the findings the settings can fix
    fixable_left: int = 0  # after --write: findings the settings could fix that are still there
    cacheable: bool = False  # the result depends on the text, the settings and context_reads alone
    context_reads: dict | None = None  # what of the build context it read (see buildcontext.reads)
    read_as: tuple | None = None  # (size, mtime_ns, ctime_ns, inode, sha256) of the bytes processed
    file_changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each: what was left alone and why
    warnings: list[str] = field(default_factory=list)  # what could not be read: each counts as an error


@dataclass(frozen=True)
class Job:
    """One file to process, with what was resolved for it in the main process."""

    name: str
    context: str | None = None  # a string: jobs cross processes by the thousand
    ignore: tuple[str, ...] = ()
    error: str | None = None  # what went wrong resolving it: the file is not processed
    rules: tuple[str, ...] | None = None  # codes, when its own settings file selects other rules
    unsafe_fixes: bool | None = None
