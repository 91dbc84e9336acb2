"""Go modules: ``go mod download`` reads go.mod and go.sum (SF201); a go.work or a vendor/
folder keeps the modules in the source tree."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from .files import Manifests, join, manifest_and_lock
from .install import Install

PROGRAM = "go"


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "go" and rest[:2] == ["mod", "download"]:
        return Install("go", ["go.mod", "go.sum"])
    return None


def _go_problem(path: str, text: str) -> str | None:
    for n, line in enumerate(text.splitlines(), 1):
        m = re.search(r"=>\s*(\S+)", line)
        if m and m.group(1).startswith((".", "/")):
            return f"{path} line {n} replaces a module with a local directory"
    return None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    if context is not None:
        parts = cwd.split("/") if cwd else []
        for depth in range(len(parts), -1, -1):  # go.work in the module's folder or above
            work = join("/".join(parts[:depth]), "go.work")
            if context.included(work):
                found.problem = f"{work} makes a workspace whose modules live in the source tree"
                return
        if context.exists_dir(join(cwd, "vendor")):
            found.problem = f"{join(cwd, 'vendor')}/ holds the modules: copied after the install, it decides what builds"
            return
    manifest_and_lock(cwd, context, found, "go.mod", "go.sum", _go_problem)


READERS = {"go": read_manifests}


# --- its caches (SF604) ------------------------------------------------------------------
KNOWN_TARGETS = ("/go/pkg/mod", "/go/pkg", "/root/.cache/go-build")
MOUNT_MARKERS = ("go-build", "pkg/mod")
OFFLINE_ENV = {"GOPROXY": "off"}
LOOKS_LIKE = re.compile(r"\bgo\s+(mod\s+download|build|install|test|run|vet|get)\b")
