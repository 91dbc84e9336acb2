"""Finding Dockerfiles under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:  # imported where a spec is built: a run with no globs never needs it
    from .gitignore import GitIgnore, PathPatterns

from .fileio import FileProblem, read_regular

SKIP_DIRS = {".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".tox", ".nox",
             ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".slimfix_cache"}


# Backups, patches, editor swap files, templates and other files that only carry a
# Dockerfile's name: a walk skips them (naming one on the command line still works).
NOT_DOCKERFILE_SUFFIXES = (".dockerignore", ".bak", ".orig", ".rej", ".swp", ".swo", ".old", "~", ".j2",
                           ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".in", ".md", ".sh", ".py",
                           ".txt")


def is_dockerfile_name(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    return (
        lower in ("dockerfile", "containerfile")
        or lower.endswith(".dockerfile")
        or lower.startswith("dockerfile.")
        or lower.startswith("containerfile.")
    )


def _gitignore(directory: Path, name: str = ".gitignore") -> "GitIgnore | None":
    from .gitignore import GitIgnore  # a run given files, not folders, reads none

    f = directory / name
    try:
        text = read_regular(f).decode("utf-8", errors="replace")
        # As git splits it: past a BOM, at "\n" only, less the "\r" of a CRLF.
        lines = [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]
    except FileProblem:
        return None
    return GitIgnore(lines)


class Excludes:
    """``--exclude`` patterns, in gitignore form (``vendor``, ``vendor/``, ``./vendor``,
    ``**/vendor``, ``a/*/b``, an absolute path) or as a plain glob matched against the
    path or any of its parts. Relative patterns are matched against the path relative to
    the directory walked and to the working directory."""

    def __init__(self, patterns: list[str], cwd: str | None = None):
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.globs = [p for p in patterns if p]
        lines, self.absolute = [], []
        for p in self.globs:
            if os.path.isabs(p):
                real = os.path.normpath(p)
                if real == self.cwd or real.startswith(self.cwd.rstrip("/") + "/"):
                    p = os.path.relpath(real, self.cwd) + ("/" if p.endswith("/") else "")
                else:
                    self.absolute.append(real)
                    continue
            while p.startswith("./"):
                p = p[2:]
            lines.append(p)
        self.spec = gitignore_spec(lines) if lines else None

    def __bool__(self) -> bool:
        return bool(self.globs)

    def match(self, top: str, rel: str, is_dir: bool) -> bool:
        parts = rel.split("/")
        if any(fnmatch.fnmatch(rel, pat) or any(fnmatch.fnmatch(p, pat) for p in parts) for pat in self.globs):
            return True
        full = os.path.abspath(os.path.join(top, rel))
        if any(full == a or full.startswith(a.rstrip("/") + "/") for a in self.absolute):
            return True
        if self.spec is None:
            return False
        suffix = "/" if is_dir else ""
        if self.spec.match_file(rel + suffix):
            return True
        from_cwd = os.path.relpath(full, self.cwd)
        return not from_cwd.startswith("..") and self.spec.match_file(from_cwd + suffix)


def _walk(top: str, rel_dir: str, specs: list, excludes: Excludes, on_error=None,
          excluded=None, listed: list[tuple[str, list[str]]] | None = None) -> Iterator[str]:
    """Dockerfiles below ``top``, relative to it: each directory's files, then its
    subdirectories, by name; honouring nested .gitignore files; symlinked directories are
    not followed, so the walk never leaves the tree. Plain strings and ``os.scandir``: a
    monorepo has thousands of directories and this runs before any work can start. A
    stack, not recursion: a tree 1,000 folders deep is still walked."""
    base = top
    stack = [(top, rel_dir, specs)]
    while stack:
        top, rel_dir, specs = stack.pop()
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError as exc:
            if on_error is not None:
                on_error(f"{top}: cannot read this directory ({exc.strerror or exc}); its Dockerfiles were not checked")
            continue
        if listed is not None:
            listed.append((top, [e.name for e in entries]))
        if any(e.name == ".git" for e in entries):  # a repository's root: .git/info/exclude
            spec = _gitignore(Path(top, ".git", "info"), "exclude")
            if spec is not None:
                specs = specs + [(rel_dir, spec)]
        if any(e.name == ".gitignore" for e in entries):
            spec = _gitignore(Path(top))
            if spec is not None:
                specs = specs + [(rel_dir, spec)]
        dirs = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or _ignored(specs, rel, True) or _skip(base, rel, True, excludes, excluded):
                    continue
                dirs.append((entry.path, rel, specs))
            elif is_dockerfile_name(entry.name) and _regular_or_link(entry):
                if _ignored(specs, rel, False) or _skip(base, rel, False, excludes, excluded):
                    continue
                yield rel
        stack.extend(reversed(dirs))


def _skip(base: str, rel: str, is_dir: bool, excludes: Excludes, excluded) -> bool:
    if excludes and excludes.match(base, rel, is_dir):
        return True
    return excluded is not None and excluded(os.path.join(base, rel), is_dir)


def _regular_or_link(entry: os.DirEntry) -> bool:
    """A FIFO, socket or device named Dockerfile is not one: a walk never reads it."""
    try:
        return entry.is_file(follow_symlinks=False) or entry.is_symlink()
    except OSError:
        return False


def _ignored(specs: list, rel: str, is_dir: bool) -> bool:
    """As git decides: the deepest .gitignore with a matching line wins (so a ``!name``
    deeper down re-includes), then the shallower ones, then .git/info/exclude."""
    for base, spec in reversed(specs):
        decided = spec.decide(rel[len(base) + 1 :] if base else rel, is_dir)
        if decided is not None:
            return decided
    return False


def iter_discover(paths: Iterable[str], excludes: list[str] | None = None, on_error=None,
                  excluded=None, listed: list[tuple[str, list[str]]] | None = None) -> Iterator[str]:
    """Files to process, in a stable order (each directory's files, then its
    subdirectories, by name), without duplicates, yielded as they are found so that
    work can start before the walk ends. Files named explicitly are always processed;
    ``-`` stands for standard input. ``on_error`` gets a line for each directory that
    cannot be read; ``excluded(path, is_dir)`` says what the settings files exclude;
    ``listed`` gets each directory listed, with its entries' names (see walkcache)."""
    excludes = Excludes(list(excludes or []))
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            found: Iterable[str] = ["-"]
        elif os.path.isdir(p):
            prefix = str(Path(p))  # as Path writes it: no trailing slash, no "./"
            found = (rel if prefix == "." else f"{prefix}/{rel}" for rel in _walk(p, "", [], excludes, on_error, excluded,
                                                                                     listed))
        else:
            found = [p]
        for f in found:
            key = f if f == "-" else os.path.normpath(f)
            if key not in seen:
                seen.add(key)
                yield f


def discover(paths: Iterable[str], excludes: list[str] | None = None) -> list[str]:
    return list(iter_discover(paths, excludes))


def gitignore_spec(lines) -> "PathPatterns":
    """Patterns read as git reads .gitignore, matched against whole paths."""
    from .gitignore import PathPatterns

    return PathPatterns(lines)
