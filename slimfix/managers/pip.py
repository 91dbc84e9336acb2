"""pip (``pip install``, ``python -m pip install``): its install commands and the
requirements files they read (SF201). Its cache (SF301, SF602) is described by the rules'
data below the readers."""

from __future__ import annotations

import posixpath
import re

from ..buildcontext import BuildContext
from .files import Manifests, add, join, missing
from .install import Install, looks_local

PROGRAM = re.compile(r"^pip(\d+(\.\d+)?)?$")
PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
# pip/uv options that take a value in the next word.
_PIP_VALUE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
    "--find-links", "--trusted-host", "-t", "--target", "--prefix", "--root", "--src",
    "--progress-bar", "--root-user-action", "--platform", "--python-version", "--implementation",
    "--abi", "--only-binary", "--no-binary", "--cache-dir", "--log", "--timeout", "--retries",
    "--proxy", "--cert", "--client-cert", "--exists-action", "--global-option", "-C",
    "--config-settings", "--python", "-p", "--index-strategy", "--upgrade-strategy", "--report",
}


def pip_install(argv: list[str]) -> Install | None:
    """``pip install ...`` after the program words (``pip``, ``python -m pip``, ``uv pip``)."""
    if not argv or argv[0] != "install":
        return None
    inst = Install("pip")
    words = iter(argv[1:])
    for w in words:
        opt, eq, inline = w.partition("=")
        if w.startswith("-") and not w.startswith("--") and len(w) > 2 and w[:2] in ("-r", "-c", "-f", "-e"):
            opt, inline, eq = w[:2], w[2:], "="
        value = None
        if opt in _PIP_VALUE_OPTIONS:
            value = inline if eq else next(words, None)
            if value is None:
                inst.needs_source = f"`{w}` without a value"
                return inst
        if opt in ("-r", "--requirement", "-c", "--constraint"):
            inst.manifests.append(value)
        elif opt in ("-f", "--find-links") and looks_local(value):
            inst.needs_source = f"`{opt} {value}` reads packages from the source tree"
        elif opt in ("-e", "--editable"):
            inst.needs_source = "an editable install (`-e`) needs the source tree"
            return inst
        elif opt in ("-t", "--target", "--prefix", "--root", "--src") and value and not value.startswith("/"):
            inst.needs_source = f"`{opt} {value}` writes into the working directory"
        elif w.startswith("-"):
            continue
        elif looks_local(w):
            inst.needs_source = f"`pip install {w}` installs from the source tree"
            return inst
    return inst


def recognise(prog: str, rest: list[str]) -> Install | None:
    """``pip install`` and ``python -m pip install``."""
    if PROGRAM.match(prog):
        return pip_install(rest)
    if PYTHON.match(prog) and rest[:2] == ["-m", "pip"]:
        return pip_install(rest[2:])
    return None


_REQ_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(\s*=?\s*)(\S+)")
_REQ_LOCAL = re.compile(r"^(-e|--editable|\.|/|file:|-f\s*\.|--find-links\s*=?\s*\.|[\w.-]+/)|\s@\s*file:")


def read_requirements(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    todo = [join(cwd, m) for m in install.manifests]
    while todo and found.problem is None:
        rel = todo.pop(0)
        if rel in found.files:
            continue
        add(found, rel)
        if context is None:
            continue
        if not context.included(rel):
            found.problem = missing(rel)
            return
        for n, line in enumerate((context.read(rel) or "").splitlines(), 1):
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if not line:
                continue
            inc = _REQ_INCLUDE.match(line)
            if inc:
                todo.append(join(posixpath.dirname(rel), inc.group(3)))
                continue
            if _REQ_LOCAL.search(line):
                found.problem = f"{rel} line {n} installs from the source tree (`{line}`)"
                return


READERS = {"pip": read_requirements}


# --- its cache (SF301, SF602) ------------------------------------------------------------
MOUNT_MARKERS = (".cache/pip",)
CACHE_OFF_OPTIONS = ("--no-cache-dir",)
