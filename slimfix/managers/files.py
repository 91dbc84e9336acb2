"""The files a dependency install reads, found in the build context (SF201): what every
manager's reader shares. Each manager module lists its own manifests, lockfiles and the other
files its install reads, and the reasons they cannot be installed without the source tree."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from ..buildcontext import BuildContext


@dataclass
class Manifests:
    files: list[str] = field(default_factory=list)  # context-relative, in copy order
    dirs: list[str] = field(default_factory=list)  # context-relative directories
    problem: str | None = None


MAX_WORKSPACES = 40  # one COPY line each: past this, a hand-written layout serves better


def join(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path)) if cwd else posixpath.normpath(path)


def add(found: Manifests, rel: str) -> None:
    if rel not in found.files:
        found.files.append(rel)


def overwrites(folder: str) -> str:
    return (f"{folder}/ is in the build context: copied after the install, it would overwrite what "
            "the install put there (exclude it in .dockerignore, as SF401 does)")


def missing(path: str) -> str:
    return f"{path} is not in the build context (or .dockerignore leaves it out)"


def manifest_and_lock(cwd: str, context: BuildContext | None, found: Manifests, manifest: str,
                       lock: str, problem_in) -> None:
    """A manifest that must exist and pass ``problem_in(path, text)``, and its lockfile
    when present. Without a context both are listed, unchecked."""
    path, lock_path = join(cwd, manifest), join(cwd, lock)
    add(found, path)
    if context is None:
        add(found, lock_path)
        return
    if not context.included(path):
        found.problem = missing(path)
        return
    found.problem = problem_in(path, context.read(path) or "")
    if found.problem is None and context.included(lock_path):
        add(found, lock_path)


def with_optional(cwd: str, context: BuildContext | None, found: Manifests, names: tuple[str, ...]) -> None:
    if context is not None and found.problem is None:
        for name in names:
            if context.included(join(cwd, name)):
                add(found, join(cwd, name))


def read_pyproject(path: str, text: str) -> tuple[dict | None, str | None]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text), None
    except (ValueError, UnicodeError) as exc:
        return None, f"{path} is not valid TOML ({exc})"
