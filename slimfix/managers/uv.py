"""uv: ``uv pip install`` (pip's options and requirements files) and ``uv sync`` (the
project's pyproject.toml and uv.lock) (SF201)."""

from __future__ import annotations

from ..buildcontext import BuildContext
from .files import Manifests, manifest_and_lock, read_pyproject, with_optional
from .install import Install, project_install
from .pip import pip_install, read_requirements

PROGRAM = "uv"


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "uv" and rest[:1] == ["pip"]:
        found = pip_install(rest[1:])
        if found:
            found.ecosystem = "uv"
        return found
    if prog == "uv" and rest[:1] == ["sync"]:
        return project_install("uv sync", rest[1:], ["pyproject.toml", "uv.lock"],
                               ("--no-install-project", "--no-install-workspace", "--only-dev"),
                               "--no-install-project", ("--package", "--project", "--directory"))
    return None


def _uv_problem(path: str, text: str) -> str | None:
    data, problem = read_pyproject(path, text)
    if problem or data is None:
        return problem
    uv = data.get("tool", {}).get("uv", {}) if isinstance(data.get("tool"), dict) else {}
    if not isinstance(uv, dict):
        return None
    if uv.get("workspace"):
        return f"{path} declares a uv workspace, whose members live in the source tree"
    sources = uv.get("sources") or {}
    if isinstance(sources, dict) and any(isinstance(v, dict) and ("path" in v or "workspace" in v)
                                         for v in sources.values()):
        return f"{path} takes a dependency from a local path (tool.uv.sources)"
    return None


def read_project(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    manifest_and_lock(cwd, context, found, "pyproject.toml", "uv.lock", _uv_problem)
    with_optional(cwd, context, found, (".python-version", "uv.toml"))  # uv reads them to pick Python


READERS = {"uv": read_requirements, "uv sync": read_project}


# --- its cache (SF602) -------------------------------------------------------------------
MOUNT_MARKERS = (".cache/uv",)
OFFLINE_OPTIONS = ("--offline",)
OFFLINE_ENV = {"UV_OFFLINE": None}
CACHE_OFF_OPTIONS = ("--no-cache", "-n")
