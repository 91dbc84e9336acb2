"""Composer: ``composer install`` reads composer.json and composer.lock (SF201); its
scripts and autoloader need the source, so before it only the packages are installed."""

from __future__ import annotations

import json
import re

from ..buildcontext import BuildContext
from .files import Manifests, join, manifest_and_lock, overwrites
from .install import Install

PROGRAM = "composer"


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "composer" and rest[:1] == ["install"]:
        found = Install("composer", ["composer.json", "composer.lock"])
        missing = [o for o in ("--no-scripts", "--no-autoloader") if o not in rest]
        if missing:
            # Scripts and the autoloader need the sources: before them, install the
            # packages alone; the RUN itself, after the sources, does the rest.
            found.dependencies_only = " ".join(missing)
        return found
    return None


def _composer_problem(path: str, text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return f"{path} is not valid JSON"
    repos = data.get("repositories") if isinstance(data, dict) else None
    if isinstance(repos, list) and any(isinstance(r, dict) and r.get("type") == "path" for r in repos):
        return f"{path} has a path repository in the source tree"
    return None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    if context is not None and context.exists_dir(join(cwd, "vendor")):
        found.problem = overwrites(join(cwd, "vendor"))
        return
    manifest_and_lock(cwd, context, found, "composer.json", "composer.lock", _composer_problem)


READERS = {"composer": read_manifests}


# --- its cache (SF609) -------------------------------------------------------------------
MOUNT_MARKERS = ("composer",)
OFFLINE_ENV = {"COMPOSER_DISABLE_NETWORK": None}
CACHE_OFF_OPTIONS = ("--no-cache",)
LOOKS_LIKE = re.compile(r"\bcomposer(\.phar)?\s+(-\S+\s+)*(install|update|require|create-project)\b")
