from __future__ import annotations

import re
from typing import Iterable

from ..fixes import FixAvailability, Kind
from ..shell.packages import program_words
from .base import Finding, Rule, RuleContext

_TOOLS = re.compile(r"^(build-essential|build-base|gcc|g\+\+|gcc-c\+\+|make|cmake|clang|llvm|"
                    r"autoconf|automake|libtool|pkg-config|pkgconf|[a-z0-9.+-]+-(dev|devel))$")
_INSTALL = {"apt-get": {"install"}, "apt": {"install"}, "apk": {"add"}, "yum": {"install"},
            "dnf": {"install"}, "microdnf": {"install"}}
_REMOVE = {"purge", "remove", "autoremove", "del"}


def _virtual_group(argv: list) -> str | None:
    """NAME of ``apk add --virtual NAME`` (or ``-t NAME``)."""
    for i, a in enumerate(argv):
        if a in ("--virtual", "-t") and i + 1 < len(argv):
            return argv[i + 1]
        if a and a.startswith("--virtual="):
            return a.split("=", 1)[1]
    return None


class BuildToolsInFinalStage(Rule):
    """
    ## What it does
    Reports a final stage that installs compilers, build tools or development headers
    (`build-essential`, `gcc`, `g++`, `make`, `*-dev`, `*-devel`, ...) and never removes
    them, and names the packages.

    ## Why is this bad?
    Build tools are needed to build, not to run: they add hundreds of megabytes and a
    larger attack surface to every container. A multi-stage build compiles in one stage
    and copies only the result into a clean final stage.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim AS build
    RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y libpq5 && rm -rf /var/lib/apt/lists/*
    COPY --from=build /wheels /wheels
    RUN pip install --no-cache-dir /wheels/*
    ```

    ## Fix safety
    Display-only: splitting a build into stages needs knowledge of what the program needs
    at run time (here `libpq5` instead of `libpq-dev`), which slimfix does not guess.
    Packages that the stage removes again are not reported: `apt-get purge`, `apk del`
    (also of an `apk add --virtual` group), and the `apt-mark auto '.*'` then
    `apt-get purge --auto-remove` idiom of the official images.
    """

    code = "SF502"
    name = "build-tools-in-final-stage"
    summary = "Build tools in the final stage: use a multi-stage build"
    fix_availability = FixAvailability.NONE
    fix_safety = ()
    kind = Kind.ADVICE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        if not doc.stages:
            return
        installed: dict[str, object] = {}
        removed: set[str] = set()
        for inst in doc.stages[-1].instructions:
            run = ctx.run(inst)
            if run is None:
                continue
            this_run: set[str] = set()
            groups: dict[str, list[str]] = {}  # apk add --virtual NAME: the packages under NAME
            auto_marked = False
            for cmd in run.commands():
                argv = program_words(cmd)
                if not argv or argv[0] is None:
                    continue
                prog = argv[0].rsplit("/", 1)[-1]
                words = [w for w in argv[1:] if w is not None and not w.startswith("-")]
                if prog == "apt-mark" and "auto" in words:
                    auto_marked = True  # the docker-library idiom: mark all, purge what is unneeded
                    continue
                if not words or prog not in _INSTALL:
                    continue
                if words[0] in _INSTALL[prog]:
                    pkgs = [re.split(r"[=:]", p, maxsplit=1)[0] for p in words[1:]]
                    group = _virtual_group(argv)
                    if group:
                        pkgs = [p for p in pkgs if p != group]
                        groups[group] = pkgs
                    for name in pkgs:
                        if _TOOLS.match(name):
                            installed.setdefault(name, inst)
                            this_run.add(name)
                elif words[0] in _REMOVE:
                    names = [re.split(r"[=:]", p, maxsplit=1)[0] for p in words[1:]]
                    for name in names:
                        removed.update(groups.get(name, [name]))
                    if auto_marked and ("--auto-remove" in argv or words[0] == "autoremove"):
                        removed.update(this_run)
        left = [p for p in installed if p not in removed]
        if left:
            first = installed[left[0]]
            yield self.finding(first, f"the final stage installs build tools ({', '.join(left)}): "
                                      "build in an earlier stage and copy only the result",
                               detail="see `slimfix explain SF502` for a multi-stage layout")
