"""Results of earlier runs, as ruff keeps them: a file whose bytes, settings and slimfix
version are what they were, and whose build context reads as it did, needs no second look.

Kept under ``.slimfix_cache/`` (with a ``CACHEDIR.TAG`` and its own ``.gitignore``) in the
project root: the folder of the settings file, else the working directory. One file per
slimfix version and settings; each entry holds the Dockerfile's size, modification time
and a hash of its bytes, every read of the build context the rules made (manifests,
``.dockerignore``, directory listings; see ``buildcontext.reads``) with what it saw, and
the summary the report needs. An entry is used only when all of them read the same. What
it does not hold is never guessed: a result that asked git (SF401 on a ``.env``), or that
had errors, notes or warnings, is not kept.

Only reports and ``--check`` results are kept; ``--diff`` and ``--write`` use them to
skip files known to need nothing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .buildcontext.reads import trusted_mtime, unchanged
from .results import FileResult

DIRECTORY = ".slimfix_cache"
FORMAT = "3"  # of the entries: a change makes the entries of the same version unread
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by slimfix.\n"


@dataclass
class _Entry:
    size: int
    mtime_ns: int
    digest: str
    job: tuple
    result: Any  # a summarized FileResult, without its outcome (its context_reads: the build context's)


def settings_key(settings: tuple) -> str:
    """What a result depends on besides the file: what the settings are made of (the rule
    selection, what .hadolint.yaml ignores, the threshold, the format), and slimfix's own
    code (its version, and its source files, so that a checkout being worked on never
    answers from results of the code before an edit)."""
    parts = [__version__, FORMAT, sys.version.split()[0], _code_print(), repr(settings)]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def _code_print() -> str:
    package = os.path.dirname(os.path.abspath(__file__))
    seen = []
    for directory, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(directory, name))
                seen.append(f"{os.path.relpath(directory, package)}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(seen).encode()).hexdigest()


def _job_key(job) -> tuple:
    return (job.context, job.ignore, job.rules, job.unsafe_fixes)


def _digest(path: str) -> str | None:
    from .fileio import FileProblem, read_regular

    try:
        return hashlib.sha256(read_regular(Path(path))).hexdigest()
    except (FileProblem, OSError):
        return None


# What slimfix pickles. The cache folder sits in the project, so a repository could ship
# one: unpickling anything else could run its code. Only these are rebuilt.
_OURS = {("slimfix.cache", "_Entry"), ("slimfix.results", "FileResult"), ("slimfix.results", "Job"),
         ("slimfix.fixes", "FileChange"), ("slimfix.fixes", "Applicability"), ("pathlib", "PosixPath"),
         ("pathlib", "PurePosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "PureWindowsPath")}


class _OursOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _OURS:
            raise pickle.UnpicklingError(f"{module}.{name} is not what slimfix keeps")
        return super().find_class(module, name)


def load(fh) -> Any:
    """A pickle slimfix wrote, or UnpicklingError (for anything else it might hold)."""
    return _OursOnly(fh).load()


def make_directory(cache: Path, inside: Path) -> None:
    """``inside`` the cache folder ``cache``, which is made with its tag and .gitignore."""
    inside.mkdir(parents=True, exist_ok=True)
    tag = cache / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG)
        (cache / ".gitignore").write_text("# created by slimfix\n*\n")


class ResultCache:
    def __init__(self, root: Path, key: str):
        self.dir = root / DIRECTORY
        self.path = self.dir / __version__ / f"{key}.pickle"
        self.entries: dict[str, _Entry] = {}
        self.dirty = False
        self._seen: dict = {}  # context reads already checked in this run (many files share one context)
        try:
            with open(self.path, "rb") as fh:
                loaded = load(fh)
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            self.entries = {}  # none yet, or unreadable: start afresh

    def get(self, job) -> Any | None:
        """The cached result for ``job``, or None. A changed size or mtime is checked
        against the hash of the bytes before the entry is given up."""
        entry = self.entries.get(os.path.abspath(job.name))
        if not isinstance(entry, _Entry) or not isinstance(entry.result, FileResult):
            return None  # none, or not what this version writes
        if entry.job != _job_key(job) or entry.result.name != job.name:
            return None  # the report names the file as it was given: the same name, or none
        try:
            st = os.stat(job.name)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
            if st.st_size != entry.size or _digest(job.name) != entry.digest:
                return None
            entry.mtime_ns = trusted_mtime(st)  # touched, not changed
            self.dirty = True
        reads = entry.result.context_reads
        if reads and not unchanged(reads, self._seen):
            return None
        hit = object.__new__(type(entry.result))  # a shallow copy, as replace() but without __init__
        hit.__dict__.update(entry.result.__dict__)
        return hit

    def put(self, job, result) -> None:
        if (result.outcome is not None or result.error or result.notes or result.warnings
                or not result.cacheable):
            return
        try:
            st = os.stat(job.name)
        except OSError:
            return
        digest = _digest(job.name)
        if digest is None:
            return
        self.entries[os.path.abspath(job.name)] = _Entry(st.st_size, trusted_mtime(st), digest, _job_key(job), result)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            make_directory(self.dir, self.path.parent)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(self.entries, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs the next run its speed
