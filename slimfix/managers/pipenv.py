"""Pipenv: ``pipenv install`` and ``pipenv sync`` read Pipfile and Pipfile.lock (SF201)."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from .files import Manifests, manifest_and_lock
from .install import Install

PROGRAM = "pipenv"
# An argument with a shell expansion: classify() has never treated it as an install.
UNREAD_ARGUMENTS_NEED_SOURCE = False


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "pipenv" and rest[:1] in (["install"], ["sync"]):
        found = Install("pipenv", ["Pipfile", "Pipfile.lock"])
        if [w for w in rest[1:] if not w.startswith("-")]:
            found.needs_source = "`pipenv install PACKAGE` changes Pipfile, which the source copy then replaces"
        return found
    return None


def _pipenv_problem(path: str, text: str) -> str | None:
    if re.search(r"""\bpath\s*=\s*["']""", text) or re.search(r"\beditable\s*=\s*true", text):
        return f"{path} installs from a local path"
    return None


def read_project(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    manifest_and_lock(cwd, context, found, "Pipfile", "Pipfile.lock", _pipenv_problem)


READERS = {"pipenv": read_project}
