from __future__ import annotations

import re
from typing import Iterable

from ..fixes import Applicability
from ..shell.packages import program_words
from .base import Finding, Rule, RuleContext

_TOOLS = re.compile(r"^(build-essential|build-base|gcc|g\+\+|gcc-c\+\+|make|cmake|clang|llvm|"
                    r"autoconf|automake|libtool|pkg-config|pkgconf|[a-z0-9.+-]+-(dev|devel))$")
_INSTALL = {"apt-get": {"install"}, "apt": {"install"}, "apk": {"add"}, "yum": {"install"},
            "dnf": {"install"}, "microdnf": {"install"}}
_REMOVE = {"purge", "remove", "autoremove", "del"}


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
    Packages that the stage removes again (`apt-get purge`, `apk del`, ...) are not
    reported.
    """

    code = "SF502"
    name = "build-tools-in-final-stage"
    summary = "Build tools in the final stage: use a multi-stage build"
    fix_safety = Applicability.DISPLAY_ONLY

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
            for cmd in run.commands():
                argv = program_words(cmd)
                if not argv or argv[0] is None:
                    continue
                prog = argv[0].rsplit("/", 1)[-1]
                words = [w for w in argv[1:] if w is not None and not w.startswith("-")]
                if not words or prog not in _INSTALL:
                    continue
                if words[0] in _INSTALL[prog]:
                    for pkg in words[1:]:
                        name = re.split(r"[=:]", pkg, maxsplit=1)[0]
                        if _TOOLS.match(name):
                            installed.setdefault(name, inst)
                elif words[0] in _REMOVE:
                    removed.update(re.split(r"[=:]", p, maxsplit=1)[0] for p in words[1:])
        left = [p for p in installed if p not in removed]
        if left:
            first = installed[left[0]]
            yield self.finding(first, f"the final stage installs build tools ({', '.join(left)}): "
                                      "build in an earlier stage and copy only the result",
                               note="advice: see `slimfix explain SF502` for a multi-stage layout")
