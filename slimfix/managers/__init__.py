"""What slimfix knows about each package manager, one module per manager (Renovate's
``lib/modules/manager/<name>/`` is the pattern). A manager module holds, as data and small
functions next to each other, whichever of these it has:

- ``PROGRAM`` and ``recognise(prog, rest) -> Install | None``: how its dependency install
  commands are recognised (``prog`` is the program's base name, ``rest`` its words after it);
  ``UNREAD_ARGUMENTS_NEED_SOURCE = False`` when an argument with a shell expansion must not
  make ``classify`` report an install that needs the source;
- ``READERS``: for each ``Install.ecosystem`` it recognises, the function that lists the
  manifests, lockfiles and other files the install reads (``files.Manifests``), or says why
  they cannot be installed without the source tree;
- its caches (where they live for a user and environment, how to keep nothing), how to mount
  them (target, id, sharing, ownership), the options that mean offline or frozen, and its
  build-to-runtime packages, as the rules that use them need them.

Adding a manager: write its module and add its name to ``NAMES`` (docs/managers.md).
The analysis of the Dockerfile (stages, users, variables, ...) lives in ``slimfix.analysis``.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Callable

from ..shell.packages import program_words
from .files import Manifests
from .install import Install

if TYPE_CHECKING:
    from ..buildcontext import BuildContext
    from ..shell import SimpleCommand

# The registry: one module per package manager.
NAMES = ("apt", "apk", "rpm", "pip", "uv", "poetry", "pipenv", "conda", "npm", "yarn", "pnpm", "go", "cargo", "bundler",
         "composer", "dotnet", "maven", "gradle", "bun")


@lru_cache(maxsize=1)
def modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in NAMES)


def _names_program(module: ModuleType, prog: str) -> bool:
    program = getattr(module, "PROGRAM", None)
    if isinstance(program, re.Pattern):
        return bool(program.match(prog))
    return program == prog


@lru_cache(maxsize=1)
def _recognisers() -> tuple[tuple[ModuleType, Callable[[str, list[str]], Install | None]], ...]:
    return tuple((m, m.recognise) for m in modules() if hasattr(m, "recognise"))


def classify(cmd: "SimpleCommand") -> Install | None:
    """The dependency install a command performs, or None when it performs none."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    if any(a is None for a in argv):
        if any(_names_program(m, prog) and getattr(m, "UNREAD_ARGUMENTS_NEED_SOURCE", True)
               for m, _ in _recognisers()):
            return Install(prog, needs_source="an argument uses a shell expansion")
        return None
    rest = argv[1:]
    for _, recognise in _recognisers():
        found = recognise(prog, rest)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=1)
def cache_mounts() -> tuple:
    """The managers' ``CACHE_MOUNT``s (SF610)."""
    return tuple(m.CACHE_MOUNT for m in modules() if hasattr(m, "CACHE_MOUNT"))


@lru_cache(maxsize=1)
def download_steps() -> tuple:
    """The managers' ``DOWNLOAD_STEP``s (SF201: builds with no download step before them)."""
    return tuple(m.DOWNLOAD_STEP for m in modules() if hasattr(m, "DOWNLOAD_STEP"))


@lru_cache(maxsize=1)
def _readers() -> dict[str, Callable]:
    found: dict[str, Callable] = {}
    for m in modules():
        found.update(getattr(m, "READERS", {}))
    return found


def collect(install: Install, cwd_rel: str, context: "BuildContext | None") -> Manifests:
    """The manifests of ``install``, whose working directory is ``cwd_rel`` in the
    context. Without a readable context only the named files are listed, unchecked."""
    found = Manifests()
    reader = _readers()[install.ecosystem]
    reader(install, cwd_rel, context, found)
    return found


__all__ = ["Install", "Manifests", "NAMES", "cache_mounts", "classify", "collect", "download_steps", "modules"]
