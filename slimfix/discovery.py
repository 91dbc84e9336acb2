"""Finding Dockerfiles under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Iterable, Iterator

import pathspec

SKIP_DIRS = {".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".tox", ".nox",
             ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def is_dockerfile_name(name: str) -> bool:
    lower = name.lower()
    if lower == ".dockerignore" or lower.endswith(".dockerignore"):
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
        lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _excluded(rel: str, excludes: list[str]) -> bool:
    parts = rel.split("/")
    return any(
        fnmatch.fnmatch(rel, pat) or any(fnmatch.fnmatch(p, pat) for p in parts) for pat in excludes
    )


def walk(root: Path, excludes: list[str]) -> Iterator[Path]:
    """Dockerfiles below ``root``, honouring nested .gitignore files; symlinked
    directories are not followed, so the walk never leaves the tree."""
    specs: list[tuple[Path, pathspec.PathSpec]] = []

    def ignored(path: Path, is_dir: bool) -> bool:
        for base, spec in specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return False

    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        specs = [(b, s) for b, s in specs if d == b or b in d.parents]
        spec = _gitignore(d)
        if spec is not None:
            specs.append((d, spec))
        rel_dir = d.relative_to(root).as_posix()
        keep = []
        for name in sorted(dirnames):
            sub = d / name
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if name in SKIP_DIRS or sub.is_symlink() or ignored(sub, True) or _excluded(rel, excludes):
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not is_dockerfile_name(name):
                continue
            f = d / name
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if ignored(f, False) or _excluded(rel, excludes):
                continue
            yield f


def discover(paths: Iterable[str], excludes: list[str] | None = None) -> list[str]:
    """Files to process, in a stable order, without duplicates. Files named explicitly
    are always processed; ``-`` stands for standard input."""
    excludes = excludes or []
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            found = ["-"]
        elif Path(p).is_dir():
            found = sorted(str(f) for f in walk(Path(p), excludes))
        else:
            found = [p]
        for f in found:
            key = f if f == "-" else os.path.normpath(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out
