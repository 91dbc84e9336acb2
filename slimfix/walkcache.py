"""The files a run finds and the job worked out for each (settings, build context, rules),
kept between runs so that a second run over an unchanged tree does not walk it again.

A second ``--check`` over a monorepo spent most of its time finding the files (listing
every directory, reading its .gitignore and settings files) and resolving each one's
build context (compose and bake files), although nothing had changed. As git's untracked
cache does, the walk's answer is kept with the modification time of every directory it
depended on, because adding, removing or renaming an entry changes its directory's mtime:
each directory the walk listed, each folder above a Dockerfile (where settings, compose
and bake files are looked for, up to the file system's root), and the size and mtime of
every file among them that decides something (``.gitignore``, ``.git/info/exclude``,
settings files, compose and bake files). The answer is used only while every one of them
reads the same; any difference and the tree is walked again.

A tree that changes while it is walked is not kept: every time is compared with the
moment the walk started, less the racy window of ``buildcontext.reads``. A walk that met
a problem (an unreadable folder, a broken compose or settings file) is not kept either,
so its messages are given again.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from pathlib import Path

from .buildcontext.reads import OWN_CACHE, RACY_NS

# The names whose bytes the walk or a job depends on (config.NAMES, .gitignore, and the
# compose and bake files of buildcontext.resolver).
_DECIDING = re.compile(r"\.gitignore|slimfix\.toml|\.slimfix\.toml|pyproject\.toml|docker-bake\.hcl"
                       r"|(docker-)?compose(\.[\w-]+)*\.ya?ml")


def _decides(name: str) -> bool:
    return name == ".git" or _DECIDING.fullmatch(name) is not None


def memo_key(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _type(entry: os.DirEntry) -> str:
    if entry.is_symlink():
        return "link"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    return "file" if entry.is_file(follow_symlinks=False) else "other"


def _listing(directory: str) -> tuple[tuple[str, str], ...]:
    """(name, type) of each entry: a branch switch that turns a file into a folder of the
    same name changes the type alone."""
    with os.scandir(directory) as entries:
        return tuple(sorted((e.name, _type(e)) for e in entries if e.name != OWN_CACHE))


def _deciding(directory: str) -> tuple[tuple[str, str], ...]:
    return tuple(entry for entry in _listing(directory) if _decides(entry[0]))


def _seen(path: str, kind: str) -> tuple:
    """What is compared: the entries of a "list" or "names" folder; the mtime, ctime and
    inode of a "dir" (and the size of a "file"), as git's index compares them: ``cp -p``,
    tar and rsync set an mtime back, never a ctime."""
    if kind == "list":
        return kind, _listing(path)
    if kind == "names":
        return kind, _deciding(path)
    st = os.stat(path)
    stamp = (kind, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, stat.S_IFMT(st.st_mode))
    return stamp if kind == "dir" else (*stamp, st.st_size)


def _valid_job(job) -> bool:
    from .results import Job

    def strings(value) -> bool:
        return type(value) is tuple and all(type(v) is str for v in value)

    return (type(job) is Job and type(job.name) is str and type(job.context) in (str, type(None))
            and strings(job.ignore) and type(job.error) in (str, type(None))
            and (job.rules is None or strings(job.rules)) and type(job.unsafe_fixes) in (bool, type(None)))


def _valid(kept) -> bool:
    """The shape ``save`` writes: ({path: (kind, ...)}, [Job, ...])."""
    if type(kept) is not tuple or len(kept) != 2:
        return False
    deps, jobs = kept
    return (type(deps) is dict and all(type(p) is str and type(s) is tuple and s and type(s[0]) is str
                                       for p, s in deps.items())
            and type(jobs) is list and all(map(_valid_job, jobs)))


class WalkCache:
    """``begin`` before the walk, ``save`` after it; ``load`` instead of it."""

    def __init__(self, store, key: str):
        self.store = store  # cache.Store: sealed files in the cache folder
        self.name = f"walk-{key}.pickle"
        # The folder holding the cache changes when the cache is first made: its entries
        # (less the cache) are compared instead of its mtime.
        self.holder = os.path.dirname(os.path.abspath(store.dir))
        self.listed: list[tuple[str, list[str]]] = []  # (directory, names) the walk listed
        self.started = 0
        self._before: dict[str, tuple] = {}
        self._watched: list[str] = []  # files that decide whatever their name (``--config``)

    def watch(self, path: str) -> None:
        self._watched.append(os.path.abspath(path))

    def load(self) -> list | None:
        """The jobs of the last run, when nothing they depended on has changed."""
        kept = self.store.load(self.name)
        if not _valid(kept):
            return None  # none, or not what this version writes
        deps, jobs = kept
        try:
            for path, seen in deps.items():
                if _seen(path, seen[0]) != seen:
                    return None
        except (OSError, ValueError):
            return None
        return jobs

    def begin(self, paths: list[str]) -> None:
        """What is seen before the walk of the folders it may not list: the one holding
        the cache (all its entries), and those above the paths named (the names that
        decide something: other entries come and go there, a home folder's every day)."""
        self.started = time.time_ns()
        try:
            self._before[self.holder] = _seen(self.holder, "list")
            for p in paths:
                if p == "-":
                    continue
                d = os.path.abspath(p)
                if not os.path.isdir(d):
                    d = os.path.dirname(d)
                while d not in self._before or d == self.holder:
                    if d != self.holder:
                        self._before[d] = _seen(d, "names")
                    parent = os.path.dirname(d)
                    if parent == d:
                        break
                    d = parent
        except OSError:
            self.started = -1  # nothing kept

    def save(self, jobs: list) -> None:
        try:
            deps = self._dependencies(jobs)
            if deps is None:
                return
            self.store.save(self.name, (deps, jobs))
        except OSError:
            pass  # a cache that cannot be written only costs the next run its speed

    def _dependencies(self, jobs: list) -> dict[str, tuple] | None:
        """path -> what was seen there: ("dir", mtime_ns, ctime_ns, inode, type) of a folder the walk listed,
        ("list", names) or ("names", deciding names) of one seen before the walk,
        ("file", mtime_ns, ctime_ns, inode, type, size) of each deciding file; None when something changed
        during the walk or a folder was not seen before it."""
        if self.started <= 0:
            return None
        listed = {os.path.abspath(d): names for d, names in self.listed}
        for job in jobs:
            # What the walk does not list cannot be watched: a Dockerfile that is a link
            # (its target may move), a context outside the folders listed or named.
            if os.path.islink(job.name):
                return None
            if job.context is not None and os.path.abspath(job.context) not in listed \
                    and os.path.abspath(job.context) not in self._before:
                return None
        directories = set(listed)
        for job in jobs:
            d = os.path.dirname(os.path.abspath(job.name))
            while d not in directories:
                directories.add(d)
                d = os.path.dirname(d)
        directories |= set(self._before)
        deps: dict[str, tuple] = {}
        for d in directories:
            if d in listed and d != self.holder:
                deps[d] = _seen(d, "dir")  # after the listing: a change since is too recent
                names = list(filter(_decides, listed[d]))
            elif d in self._before:
                seen = deps[d] = self._before[d]
                names = [name for name, _ in seen[1] if _decides(name)]
            else:
                return None  # a Dockerfile found outside the walk and the paths named
            for name in names:
                path = os.path.join(d, name)
                if name == ".git":
                    for sub in (path, os.path.join(path, "info")):
                        if os.path.isdir(sub):
                            deps[sub] = _seen(sub, "dir")
                    path = os.path.join(path, "info", "exclude")
                if os.path.exists(path):
                    deps[path] = _seen(path, "file")
        for path in self._watched:
            deps[path] = _seen(path, "file")
        newest = self.started - RACY_NS
        if any(seen[1] >= newest for seen in deps.values() if seen[0] in ("dir", "file")):
            return None
        return deps
