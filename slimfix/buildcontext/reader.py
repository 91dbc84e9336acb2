"""Reading a build context: its files, as far as `.dockerignore` lets them in.

`.dockerignore` is not `.gitignore`: patterns are anchored at the context root (``foo``
matches ``./foo`` only), ``**`` spans directories, a pattern that matches a directory
excludes everything below it, and the last matching pattern wins (``!`` re-includes).
This follows moby's patternmatcher.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Sequence

from ..fileio import FileProblem, read_regular, read_text
from ..globmatch import ANYTHING, DIRECTORIES, ONE, STAR, BadClass, Glob, OneStarGlob, Step, char_class, compile_glob
from .reads import Reads, walk


def _steps(pattern: str) -> list[Step]:
    """A pattern as moby's patternmatcher reads it: ``**/`` is zero or more directories,
    another ``**`` any run of characters, ``*`` and ``?`` stop at a slash, ``[...]`` is a
    class (``[!...]`` or ``[^...]`` negated; a ``[`` inside is itself), a backslash
    quotes the next character. Raises BadClass for a class Go cannot read."""
    out: list[Step] = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                    out.append(DIRECTORIES)
                else:
                    out.append(ANYTHING)
                continue
            out.append(STAR)
        elif ch == "?":
            out.append(ONE)
        elif ch == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(ch)
            else:
                body = pattern[i + 1 : j]
                negated = body.startswith(("!", "^"))
                members = body[negated:]
                if not members:
                    raise BadClass("empty character class")
                out.append(char_class(members, negated, slash=True))
                i = j
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(pattern[i])
        else:
            out.append(ch)
        i += 1
    return out


@dataclass(frozen=True)
class _Pattern:
    glob: Glob | OneStarGlob
    exclusion: bool  # a ``!`` line: re-include


class DockerignoreProblem(Exception):
    """A `.dockerignore` that cannot be read or holds a bad pattern: the rules that need
    it are skipped, with this message (naming the file and line)."""


@lru_cache(maxsize=16)  # files are small; a few contexts at a time per worker
def parse_dockerignore(text: str, name: str = ".dockerignore") -> tuple[_Pattern, ...]:
    """The patterns of a .dockerignore. Remembered: the Dockerfiles that share a context
    (in one worker) share its patterns, and what their matching has learnt."""
    patterns = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        line = posixpath.normpath(line).lstrip("/")
        if line in ("", "."):
            continue
        try:
            glob = compile_glob(_steps(line))
        except BadClass as exc:
            raise DockerignoreProblem(f"{name}:{number}: bad pattern {raw.strip()!r} ({exc})") from None
        patterns.append(_Pattern(glob, exclusion))
    return tuple(patterns)


def is_ignored(patterns: Sequence[_Pattern], path: str) -> bool:
    """Whether ``path`` (relative, with ``/``) is left out of the context."""
    path = posixpath.normpath(path).lstrip("/")
    ignored = False
    for p in patterns:
        if p.glob.matches_a_prefix(path):  # the path or a folder above it
            ignored = not p.exclusion
    return ignored


@dataclass
class BuildContext:
    """Every look at the context goes through these methods, which record it in
    ``reads``: the result cache reuses a result only while all of it reads the same."""

    root: Path
    dockerfile: Path | None = None
    _cache: dict[str, str | None] = field(default_factory=dict)
    reads: Reads = field(default_factory=Reads)

    @cached_property
    def ignore_file(self) -> Path:
        """BuildKit prefers ``<Dockerfile name>.dockerignore`` beside the Dockerfile."""
        if self.dockerfile is not None:
            own = self.dockerfile.with_name(self.dockerfile.name + ".dockerignore")
            if self.reads_kind(own) == "file":
                return own
        return self.root / ".dockerignore"

    def reads_kind(self, path: Path) -> str | None:
        """"file", "dir", "other" or None (nothing there), following links; recorded."""
        self.reads.kind(path)
        if path.is_file():
            return "file"
        if path.is_dir():
            return "dir"
        return "other" if path.exists() else None

    def is_file(self, rel: str) -> bool:
        """Whether a regular file is there, whatever `.dockerignore` says."""
        return self.reads_kind(self.root / rel) == "file"

    def is_dir(self, rel: str) -> bool:
        return self.reads_kind(self.root / rel) == "dir"

    def walk(self, rel: str = ""):
        """``os.walk`` over ``rel`` (the root by default), recording each listing."""
        return walk(os.path.join(str(self.root), rel) if rel else str(self.root), self.reads)

    def glob(self, rel: str, pattern: str) -> list[Path]:
        """``Path.glob`` under ``rel``. The listings it depends on are recorded
        conservatively: every directory down to the pattern's depth (all of them for
        ``**``), whether or not the pattern could match there."""
        base = self.root / rel if rel else self.root
        depth = None if "**" in pattern else pattern.count("/")
        top = str(base)
        for directory, dirnames, _ in self.walk(rel):
            level = 0 if directory == top else os.path.relpath(directory, top).count(os.sep) + 1
            if depth is not None and level >= depth:
                dirnames[:] = []  # deeper listings cannot change what the pattern matches
        return sorted(base.glob(pattern))

    def opaque(self, reason: str) -> None:
        """A read that cannot be fingerprinted (git's view of the tree): no caching."""
        self.reads.opaque = self.reads.opaque or reason

    @cached_property
    def _loaded(self) -> tuple[str | None, tuple[_Pattern, ...], str | None]:
        """The ignore file's text (None: there is none), its patterns, and what is wrong
        with it (None: nothing)."""
        name = str(self.ignore_file)
        self.reads.file(self.ignore_file)
        if not os.path.lexists(self.ignore_file):
            return None, (), None
        try:
            text = read_text(self.ignore_file)
        except FileProblem as exc:
            if not os.path.exists(self.ignore_file):  # a dangling symlink: as if missing
                return None, (), None
            return None, (), f"{name}: {str(exc).removeprefix('skipped: ')}"
        try:
            return text, parse_dockerignore(text, name), None
        except DockerignoreProblem as exc:
            return text, (), str(exc)

    @property
    def ignore_problem(self) -> str | None:
        return self._loaded[2]

    @property
    def ignore_text(self) -> str | None:
        """Raises DockerignoreProblem when the file exists but cannot be used."""
        text, _, problem = self._loaded
        if problem:
            raise DockerignoreProblem(problem)
        return text

    @property
    def ignore(self) -> tuple[_Pattern, ...]:
        _, patterns, problem = self._loaded
        if problem:
            raise DockerignoreProblem(problem)
        return patterns

    def readable(self) -> bool:
        return self.reads_kind(self.root) == "dir"

    def included(self, rel: str) -> bool:
        """The file exists in the context and `.dockerignore` lets it in."""
        rel = posixpath.normpath(rel)
        if rel.startswith("../") or rel == ".." or rel.startswith("/"):
            return False
        return self.is_file(rel) and not is_ignored(self.ignore, rel)

    def exists_dir(self, rel: str) -> bool:
        return self.is_dir(rel) and not is_ignored(self.ignore, rel)

    def read(self, rel: str) -> str | None:
        if rel not in self._cache:
            self.reads.file(self.root / rel)
            try:
                self._cache[rel] = read_regular(self.root / rel).decode("utf-8", errors="replace")
            except FileProblem:
                self._cache[rel] = None
        return self._cache[rel]
