"""Results of earlier runs, as ruff keeps them: a file whose bytes, settings and slimfix
version are what they were, and whose build context reads as it did, needs no second look.

Kept under ``.slimfix_cache/`` (see ``cachedir``: made and opened without following
links) in the project root: the folder of the settings file, else the working directory.
One file per slimfix version and settings, sealed with this user's secret (``cachekey``):
a file that does not verify (shipped with the repository, edited, cut short, damaged) is
a miss, and so is an entry of the wrong shape. Each entry holds what was read of the
Dockerfile that gave its result (size, mtime, ctime, inode and the hash of the bytes
processed, not of the file as it is when the result arrives), every read of the build
context the rules made (manifests, ``.dockerignore``, directory listings; see
``buildcontext.reads``) with what it saw, and the summary the report needs. An entry is
used only when all of them read the same. What it does not hold is never guessed: a
result that asked git (SF401 on a ``.env``), or that had errors, notes or warnings, is
not kept.

Only reports and ``--check`` results are kept; ``--diff`` and ``--write`` use them to
skip files known to need nothing. A hit only spares work: nothing it holds is ever
written (see ``cli.check.Processing``).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .buildcontext.reads import stat_print, unchanged
from .cachedir import DIRECTORY, CacheFolder  # noqa: F401 (DIRECTORY: where it has always been named)
from .results import FileResult

FORMAT = "4"  # of the entries: a change makes the entries of the same version unread


@dataclass
class _Entry:
    read_as: tuple  # (size, mtime_ns, ctime_ns, inode, sha256) of the bytes the result is of
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


# What slimfix pickles. Only these are rebuilt: even a sealed file is not trusted to run code.
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


class Store:
    """The sealed pickles of one project's cache folder, by name."""

    def __init__(self, folder: CacheFolder, seal):
        self.folder = folder
        self.seal = seal

    @classmethod
    def for_root(cls, root: Path) -> "Store | None":
        """None without this user's secret, or when it would sit inside the project (a
        secret that can arrive with the tree binds nothing)."""
        from .cachekey import Seal, secret_path, user_secret

        where = os.path.realpath(root)
        key_path = secret_path()
        if key_path is None or _within(os.path.realpath(key_path), where):
            return None
        secret = user_secret()
        if secret is None:
            return None
        # The folder as named (the walk cache compares its holder by that path); sealed
        # with its real path.
        return cls(CacheFolder(Path(os.path.abspath(root)), __version__), Seal(secret, where))

    @property
    def dir(self) -> Path:
        return self.folder.path

    def load(self, name: str) -> Any | None:
        """What ``save`` kept as ``name``, or None (none, or it does not verify)."""
        data = self.seal.open(name, self.folder.read(name))
        if data is None:
            return None
        try:
            return load(io.BytesIO(data))
        except Exception:  # a file that verifies but that this code cannot read: a miss
            return None

    def save(self, name: str, value: Any) -> bool:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return self.folder.write(name, self.seal.seal(name, data))


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _is_print(value: Any) -> bool:
    return (isinstance(value, tuple) and len(value) == 5 and all(type(v) is int for v in value[:4])
            and isinstance(value[4], str))


_LISTS_OF = {"lines": str, "codes": str, "applied_codes": str, "fixable_codes": str, "notes": str, "warnings": str,
             "records": dict}
_INTS = ("reported", "advice", "unsafe_fixable", "fixable_left")


def _valid_result(result: Any) -> bool:
    """A summary of the shape the report reads (an entry is checked before it is used:
    a wrong type would end the run where it is read)."""
    from .fixes import FileChange

    try:
        return (type(result) is FileResult and isinstance(result.name, str) and result.outcome is None
                and (result.error is None and result.error_at is None or _parse_error(result))
                and not result.written
                and all(type(getattr(result, f)) is bool for f in ("changed", "rewritten", "cacheable"))
                and all(type(getattr(result, f)) is int for f in _INTS)
                and all(type(getattr(result, f)) is list and all(type(v) is kind for v in getattr(result, f))
                        for f, kind in _LISTS_OF.items())
                and type(result.applied_counts) is dict
                and all(type(k) is str and type(v) is int for k, v in result.applied_counts.items())
                and (result.context_reads is None or type(result.context_reads) is dict)
                and type(result.file_changes) is list
                and all(type(c) is FileChange for c in result.file_changes))
    except AttributeError:
        return False


def _parse_error(result: FileResult) -> bool:
    """A parse error (its message and place): the bytes alone decide it, so it is kept."""
    at = result.error_at
    return (type(result.error) is str and type(at) is tuple and len(at) == 2 and all(type(v) is int for v in at)
            and result.error.startswith(f"{result.name}:{at[0]}:{at[1]}: parse error: "))


def _valid(entry: Any) -> bool:
    return (type(entry) is _Entry and _is_print(entry.read_as) and type(entry.job) is tuple
            and _valid_result(entry.result))


class ResultCache:
    def __init__(self, store: Store, key: str):
        self.store = store
        self.dir = store.dir
        self.name = f"{key}.pickle"
        self.entries: dict[str, _Entry] = {}
        self.dirty = False
        self._seen: dict = {}  # context reads already checked in this run (many files share one context)
        loaded = store.load(self.name)
        if isinstance(loaded, dict):
            self.entries = loaded

    def get(self, job) -> Any | None:
        """The cached result for ``job``, or None. A changed size, mtime, ctime or inode
        is checked against the hash of the bytes before the entry is given up."""
        entry = self.entries.get(os.path.abspath(job.name))
        if not _valid(entry):
            return None  # none, or not what this version writes
        if entry.job != _job_key(job) or entry.result.name != job.name:
            return None  # the report names the file as it was given: the same name, or none
        try:
            st = os.stat(job.name)
        except OSError:
            return None
        now = stat_print(st)
        if now != entry.read_as[:4]:
            if st.st_size != entry.read_as[0] or _digest(job.name) != entry.read_as[4]:
                return None
            entry.read_as = (*now, entry.read_as[4])  # touched or copied, not changed
            self.dirty = True
        reads = entry.result.context_reads
        try:
            if reads and not unchanged(reads, self._seen):
                return None
        except Exception:  # reads of a shape this code does not know: a miss
            return None
        hit = object.__new__(type(entry.result))  # a shallow copy, as replace() but without __init__
        hit.__dict__.update(entry.result.__dict__)
        return hit

    def put(self, job, result) -> None:
        """Kept with what was read of the file when its result was made (``read_as``):
        an edit since then makes the entry stale, however soon it came."""
        if (result.outcome is not None or (result.error and not _parse_error(result)) or result.notes
                or result.warnings or not result.cacheable or not _is_print(result.read_as)):
            return
        kept = object.__new__(type(result))
        kept.__dict__.update(result.__dict__)
        kept.read_as = None  # in the entry
        self.entries[os.path.abspath(job.name)] = _Entry(result.read_as, _job_key(job), kept)
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.store.save(self.name, self.entries)  # one that cannot be written costs the next run its speed
