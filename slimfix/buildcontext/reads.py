"""What of the file system a result depended on, so that a cached result can be reused
exactly when none of it changed.

Each read of the build context leaves a dependency: a key ``(what, absolute path)`` and
the fingerprint seen then:

- ``"file"``: a file's bytes: ``(size, mtime_ns, ctime_ns, inode, sha256)`` for a regular
  file (see ``stat_print``), else what stood there instead (nothing, a dangling link, a
  directory ...);
- ``"kind"``: only whether a regular file, a directory or nothing is there (``is_file``,
  ``is_dir``);
- ``"list"``: a directory's entries, as ``os.walk`` classifies them (name, is a directory),
  with the directory's mtime, ctime and inode as the fast check.

``unchanged`` re-reads each one. A read that cannot be fingerprinted (asking git whether it
ignores a file) makes the result ``opaque``: never cached.
"""

from __future__ import annotations

import os
import stat
import time

_Key = tuple[str, str]
# slimfix's own cache (slimfix.cache.DIRECTORY), often inside the context it describes:
# hidden from walks and listings, or writing it would make every listing it is in stale.
OWN_CACHE = ".slimfix_cache"


def _regular(path: str) -> tuple | None:
    """None for a regular file; else what is there instead."""
    try:
        st = os.stat(path)
    except OSError:
        return ("missing", os.path.lexists(path))
    return None if stat.S_ISREG(st.st_mode) else ("not regular", stat.S_IFMT(st.st_mode))


def _sha(path: str) -> str | None:
    import hashlib  # only when a result is cached: a one-file run never hashes

    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


# A file modified this recently may be modified again within the file system's timestamp
# granularity (a few ms) without its mtime moving: its mtime is not trusted (as git's
# "racy" index entries), so the hash decides.
RACY_NS = 2_000_000_000


def trusted_mtime(st: os.stat_result) -> int:
    """``st_mtime_ns``, or -1 (never equal to a real one) when it is too recent to trust."""
    return -1 if time.time_ns() - st.st_mtime_ns < RACY_NS else st.st_mtime_ns


def stat_print(st: os.stat_result) -> tuple[int, int, int, int]:
    """What git's index compares before it takes a file as unchanged: the size, the mtime
    (-1 when too recent to trust), the ctime and the inode. ``cp -p``, tar, rsync and a
    fixed SOURCE_DATE_EPOCH set the mtime back to what it was; none can set the ctime, and
    a file put in another's place has another inode."""
    return (st.st_size, trusted_mtime(st), st.st_ctime_ns, st.st_ino)


def file_print(path: str) -> tuple:
    other = _regular(path)
    if other is not None:
        return other
    return (*stat_print(os.stat(path)), _sha(path))


def kind_print(path: str) -> int | None:
    try:
        return stat.S_IFMT(os.stat(path).st_mode)
    except OSError:
        return None


def list_print(path: str) -> tuple | None:
    try:
        with os.scandir(path) as entries:
            return tuple(sorted((e.name, e.is_dir()) for e in entries if e.name != OWN_CACHE))
    except OSError:
        return None


def _same_file(path: str, seen: tuple) -> bool:
    """Size, mtime, ctime and inode as the fast check, the hash when one moved (a touched
    or copied file)."""
    try:
        st = os.stat(path)
    except OSError:
        return _regular(path) == seen
    if not stat.S_ISREG(st.st_mode) or len(seen) != 5:
        return _regular(path) == seen
    if stat_print(st) == seen[:4]:
        return True
    return st.st_size == seen[0] and _sha(path) == seen[4]


def _same_listing(path: str, seen: tuple) -> bool:
    """The directory's mtime, ctime and inode as the fast check (entries added, removed
    or renamed move the first two; rsync can set only the mtime back), its entries when
    one moved or the mtime was too recent to trust."""
    stamp, entries = seen
    try:
        if isinstance(stamp, tuple) and stamp[0] != -1 and stat_print(os.stat(path))[1:] == stamp:
            return True
    except OSError:
        pass
    return list_print(path) == entries


def still(key: _Key, seen) -> bool:
    what, path = key
    try:
        if what == "file":
            return _same_file(path, seen)
        if what == "kind":
            return kind_print(path) == seen
        if what == "list":
            return _same_listing(path, seen)
    except OSError:
        return False
    return False  # a key this version does not know


_RUN = 0


def new_run() -> None:
    """A new run begins: walks remembered in this process (one per context, shared by its
    Dockerfiles) must be walked again, as the tree may have changed since."""
    global _RUN
    _RUN += 1


def run_number() -> int:
    return _RUN


class Reads:
    """The dependencies of one file's result, recorded as the rules read."""

    __slots__ = ("deps", "opaque")

    def __init__(self) -> None:
        self.deps: dict[_Key, object] = {}
        self.opaque: str | None = None  # why the result cannot be cached

    def __bool__(self) -> bool:
        return bool(self.deps) or self.opaque is not None

    def file(self, path) -> None:
        key = ("file", os.path.abspath(path))
        if key not in self.deps:
            self.deps[key] = file_print(key[1])

    def kind(self, path) -> None:
        key = ("kind", os.path.abspath(path))
        if key not in self.deps:
            self.deps[key] = kind_print(key[1])

    def listing(self, path, dirnames: list[str], filenames: list[str]) -> None:
        """A directory as ``os.walk`` just listed it (before a caller prunes ``dirnames``)."""
        key = ("list", os.path.abspath(path))
        if key not in self.deps:
            try:  # just after the listing: a change since would make it too recent to trust
                stamp: tuple | int = stat_print(os.stat(key[1]))[1:]
            except OSError:
                stamp = -1
            self.deps[key] = (stamp, tuple(sorted([(d, True) for d in dirnames] + [(f, False) for f in filenames])))

    def merge(self, other: "Reads") -> None:
        for key, seen in other.deps.items():
            self.deps.setdefault(key, seen)
        self.opaque = self.opaque or other.opaque


def walk(top: str, reads: Reads):
    """``os.walk(top)``, recording each directory it lists. Pruning ``dirnames`` in place
    works as with ``os.walk``: a directory not descended into is not listed."""
    reads.kind(top)  # a missing top lists nothing: its absence is what the result saw
    for directory, dirnames, filenames in os.walk(top):
        if OWN_CACHE in dirnames:
            dirnames.remove(OWN_CACHE)
        reads.listing(directory, dirnames, filenames)
        yield directory, dirnames, filenames


def unchanged(deps: dict[_Key, object], memo: dict[_Key, bool] | None = None) -> bool:
    """Whether every dependency reads as it did. ``memo`` spares re-reading a path that
    many results share (one context, many Dockerfiles) within a run."""
    for key, seen in deps.items():
        if memo is not None:
            mk = (key, seen)
            ok = memo.get(mk)
            if ok is None:
                ok = memo[mk] = still(key, seen)
        else:
            ok = still(key, seen)
        if not ok:
            return False
    return True
