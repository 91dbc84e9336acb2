"""Finding Dockerfiles under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Iterable, Iterator

import pathspec

from .fileio import FileProblem, read_regular

SKIP_DIRS = {".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".tox", ".nox",
             ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


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


def _gitignore(directory: Path) -> pathspec.PathSpec | None:
    f = directory / ".gitignore"
    try:
        lines = read_regular(f).decode("utf-8", errors="replace").splitlines()
    except FileProblem:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _excluded(rel: str, excludes: list[str]) -> bool:
    parts = rel.split("/")
    return any(
        fnmatch.fnmatch(rel, pat) or any(fnmatch.fnmatch(p, pat) for p in parts) for pat in excludes
    )


def _walk(top: str, rel_dir: str, specs: list, excludes: list[str], on_error=None) -> Iterator[str]:
    """Dockerfiles below ``top``, relative to it: each directory's files, then its
    subdirectories, by name; honouring nested .gitignore files; symlinked directories are
    not followed, so the walk never leaves the tree. Plain strings and ``os.scandir``: a
    monorepo has thousands of directories and this runs before any work can start."""
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as exc:
        if on_error is not None:
            on_error(f"{top}: cannot read this directory ({exc.strerror or exc}); its Dockerfiles were not checked")
        return
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
            if entry.name in SKIP_DIRS or _ignored(specs, rel, True) or (excludes and _excluded(rel, excludes)):
                continue
            dirs.append((entry.path, rel))
        elif is_dockerfile_name(entry.name) and _regular_or_link(entry):
            if _ignored(specs, rel, False) or (excludes and _excluded(rel, excludes)):
                continue
            yield rel
    for path, rel in dirs:
        yield from _walk(path, rel, specs, excludes, on_error)


def _regular_or_link(entry: os.DirEntry) -> bool:
    """A FIFO, socket or device named Dockerfile is not one: a walk never reads it."""
    try:
        return entry.is_file(follow_symlinks=False) or entry.is_symlink()
    except OSError:
        return False


def _ignored(specs: list, rel: str, is_dir: bool) -> bool:
    for base, spec in specs:
        sub = rel[len(base) + 1 :] if base else rel
        if spec.match_file(sub + ("/" if is_dir else "")):
            return True
    return False


def iter_discover(paths: Iterable[str], excludes: list[str] | None = None, on_error=None) -> Iterator[str]:
    """Files to process, in a stable order (each directory's files, then its
    subdirectories, by name), without duplicates, yielded as they are found so that
    work can start before the walk ends. Files named explicitly are always processed;
    ``-`` stands for standard input. ``on_error`` gets a line for each directory that
    cannot be read."""
    excludes = excludes or []
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            found: Iterable[str] = ["-"]
        elif os.path.isdir(p):
            prefix = str(Path(p))  # as Path writes it: no trailing slash, no "./"
            found = (rel if prefix == "." else f"{prefix}/{rel}" for rel in _walk(p, "", [], excludes, on_error))
        else:
            found = [p]
        for f in found:
            key = f if f == "-" else os.path.normpath(f)
            if key not in seen:
                seen.add(key)
                yield f


def discover(paths: Iterable[str], excludes: list[str] | None = None) -> list[str]:
    return list(iter_discover(paths, excludes))
