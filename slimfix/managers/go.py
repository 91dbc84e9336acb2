"""Go modules: ``go mod download`` reads go.mod and go.sum (SF201); a go.work or a vendor/
folder keeps the modules in the source tree."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from .files import Manifests, join, manifest_and_lock
from .install import DownloadStep, Install

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



# --- SF201: a build with no download step before it -------------------------------------
# Docker's Go guide copies go.mod and go.sum and runs `go mod download` before the source.
_BUILDS = {"build", "install", "test", "vet", "generate", "run"}
DOWNLOAD = "go mod download"


def _builds(cmd) -> bool:
    return cmd.name == "go" and bool(cmd.args[:1]) and cmd.args[0] in _BUILDS


def _downloads(cmd) -> bool:
    return cmd.name == "go" and cmd.args[:2] == ["mod", "download"]


def _vendor_flag(ctx, inst) -> bool:
    """The modules come from vendor/ (-mod=vendor): nothing is downloaded."""
    from ..analysis.variables import variables_at

    return "-mod=vendor" in (variables_at(ctx.doc, inst).get("GOFLAGS") or "") or "-mod=vendor" in inst.args


def _nothing_to_download(build, here) -> bool:
    """A Go module with vendor/ builds from it, and one that requires no module needs none."""
    if build.exists_dir(here("vendor")):
        return True
    return build.included(here("go.mod")) and not re.search(r"^\s*require\b", build.read(here("go.mod")) or "", re.M)


def _download_problem(files: list[str], build) -> str | None:
    if "go.sum" not in files and "require" in (build.read("go.mod") or ""):
        return "go.mod requires modules but there is no go.sum: the download would write one"
    return None


DOWNLOAD_STEP = DownloadStep(
    program="go", manifest="go.mod",
    missing="module download step: every source edit downloads the modules again",
    builds=_builds, downloads=_downloads, command=lambda builds: DOWNLOAD,
    install=lambda: Install("go", ["go.mod", "go.sum"]), downloads_nothing=_vendor_flag,
    nothing_to_download=_nothing_to_download, problem=_download_problem)


# --- its caches (SF604) ------------------------------------------------------------------
KNOWN_TARGETS = ("/go/pkg/mod", "/go/pkg", "/root/.cache/go-build")
MOUNT_MARKERS = ("go-build", "pkg/mod")
OFFLINE_ENV = {"GOPROXY": "off"}
LOOKS_LIKE = re.compile(r"\bgo\s+(mod\s+download|build|install|test|run|vet|get)\b")
