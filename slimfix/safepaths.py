"""Where slimfix may write: inside the roots the user named, never elsewhere.

The roots are the paths given on the command line (a file counts by its folder; the
working directory too when a named file is inside it), or the working directory. A path
is inside a root when its real path (symlinks resolved) is: a symlink is followed only
when it stays in the tree, and a dangling one is never written through.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable


def _real(path: str | os.PathLike) -> str:
    return os.path.realpath(os.path.abspath(path))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Roots:
    """The real paths of the roots; ``inside`` answers for real paths of any path."""

    def __init__(self, roots: Iterable[str]):
        self.paths: tuple[str, ...] = tuple(sorted({_real(r) for r in roots}))
        self._dirs: dict[str, str] = {}  # directory -> its real path, asked once per process

    def real(self, path: str | os.PathLike) -> str:
        return real_path(path, self._dirs)

    @classmethod
    def for_paths(cls, paths: Iterable[str], cwd: str | None = None) -> "Roots":
        cwd = cwd or os.getcwd()
        real_cwd = _real(cwd)
        roots: list[str] = []
        for p in paths:
            if p == "-":
                roots.append(cwd)
            elif os.path.isdir(p):
                roots.append(p)
            else:
                parent = os.path.dirname(os.path.abspath(p))
                roots.append(parent)
                if _under(_real(parent), real_cwd):
                    roots.append(cwd)  # a named file in the working tree (pre-commit)
        return cls(roots or [cwd])

    def inside(self, path: str | os.PathLike) -> bool:
        real = self.real(path)
        return any(_under(real, r) for r in self.paths)

    def root_of(self, path: str | os.PathLike) -> str | None:
        """The outermost root holding ``path`` (by its real path), or None."""
        real = self.real(path)
        found = [r for r in self.paths if _under(real, r)]
        return min(found, key=len) if found else None

    def why_not(self, path: str | os.PathLike) -> str | None:
        """None when slimfix may write ``path``; else the reason, naming the real file."""
        p = Path(path)
        if p.is_symlink() and not p.exists():
            return f"{p} is a dangling symlink (to {os.readlink(p)}); not written"
        if not self.inside(p):
            real = _real(p)
            shown = f"{real} (through {p})" if real != os.path.abspath(p) else real
            return f"{shown} is outside {self.describe()}; not written"
        return None

    def describe(self) -> str:
        return " and ".join(self.paths) if len(self.paths) < 4 else f"the {len(self.paths)} folders named"


def real_path(path: str | os.PathLike, cache: dict[str, str]) -> str:
    """``os.path.realpath``, one lstat per new directory: a directory that is not a link
    is its real parent plus its name (``cache`` holds the directories seen). Runs for
    every folder and file of a walk over a monorepo."""
    full = os.path.abspath(path)
    found = cache.get(full)
    if found is not None:
        return found
    # Up to the nearest folder known (or a link, or the root), then down again: a loop,
    # not recursion, so a tree of any depth is read.
    names: list[str] = []
    here = full
    while True:
        found = cache.get(here)
        if found is not None:
            real = found
            break
        parent, name = os.path.split(here)
        if not name or os.path.islink(here):
            real = _real(here)
            if len(cache) < 100_000:
                cache[here] = real
            break
        names.append(name)
        here = parent
    for name in reversed(names):
        here = os.path.join(here, name)
        real = os.path.join(real, name)
        if len(cache) < 100_000:
            cache[here] = real
    return real


def shown_path(name: str) -> str:
    """``name``, or its real path and the link it was reached through."""
    if os.path.islink(name):
        return f"{_real(name)} (through the symlink {name})"
    return name
