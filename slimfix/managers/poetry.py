"""Poetry: ``poetry install`` reads pyproject.toml and poetry.lock, and installs the
project too unless told ``--no-root`` (SF201)."""

from __future__ import annotations

from ..buildcontext import BuildContext
from .files import Manifests, manifest_and_lock, read_pyproject, with_optional
from .install import Install, project_install

PROGRAM = "poetry"
# An argument with a shell expansion: classify() has never treated it as an install.
UNREAD_ARGUMENTS_NEED_SOURCE = False


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "poetry" and rest[:1] == ["install"]:
        return project_install("poetry", rest[1:], ["pyproject.toml", "poetry.lock"],
                               ("--no-root", "--only-root"), "--no-root", ("--directory", "-C", "-P", "--project"))
    return None


def _poetry_problem(path: str, text: str) -> str | None:
    data, problem = read_pyproject(path, text)
    if problem or data is None:
        return problem
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    groups = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    groups += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values() if isinstance(g, dict)]
    for deps in groups:
        if isinstance(deps, dict) and any(isinstance(v, dict) and "path" in v for v in deps.values()):
            return f"{path} takes a dependency from a local path"
    return None


def read_project(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    manifest_and_lock(cwd, context, found, "pyproject.toml", "poetry.lock", _poetry_problem)
    with_optional(cwd, context, found, ("poetry.toml",))


READERS = {"poetry": read_project}


# --- its cache (SF602) -------------------------------------------------------------------
MOUNT_MARKERS = ("pypoetry",)
