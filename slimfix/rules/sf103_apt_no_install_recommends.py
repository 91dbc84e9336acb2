from __future__ import annotations

import re
from typing import Iterable

from ..fixes import Applicability
from ..shell import SimpleCommand, Token
from ..shell.packages import program_words, subcommand_token
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .options import has_word, missing_option

OPTION = "--no-install-recommends"


class AptNoInstallRecommends(Rule):
    """
    ## What it does
    Adds `--no-install-recommends` to `apt-get install` and `apt install`.

    ## Why is this bad?
    By default apt also installs every package that the requested ones *recommend*:
    documentation, optional tools, often tens or hundreds of megabytes nobody in the
    container uses.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Unsafe: a program may rely on a package that was only recommended (`curl` recommends
    `ca-certificates`, without which HTTPS fails), so the fix is applied only with
    `--unsafe-fixes`, and the image should be tested afterwards. Commands that already
    pass `--no-install-recommends` or `-o APT::Install-Recommends=false` are left alone,
    and so is a stage where an earlier RUN configures `APT::Install-Recommends`.
    """

    code = "SF103"
    name = "apt-no-install-recommends"
    summary = "Install apt packages without their recommended packages"
    hadolint = ("DL3015",)
    fix_safety = Applicability.UNSAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return missing_option(self, ctx, _match, OPTION,
                              "apt install without --no-install-recommends pulls in recommended packages",
                              exempt=lambda inst: _configured(ctx, inst),
                              looks_like=re.compile(r"\bapt(-get)?\s+(-\S+\s+)*install\b"))


def _match(cmd: SimpleCommand) -> Token | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] not in ("apt-get", "apt"):
        return None
    if has_word(cmd, OPTION, "--no-install-recommends=true") or any(
            w.value and "Install-Recommends" in w.value for w in cmd.words):
        return None
    return subcommand_token(cmd, {"install"})


def _configured(ctx: RuleContext, inst: Instruction) -> bool:
    """An earlier RUN of the stage wrote APT::Install-Recommends into apt's config."""
    first = ctx.memo("SF103 configured", lambda: _first_configuring_run(ctx))
    return first.get(inst.stage, inst.index) < inst.index


def _first_configuring_run(ctx: RuleContext) -> dict:
    """Stage -> index of its first RUN that mentions APT::Install-Recommends."""
    first: dict = {}
    for o in ctx.doc.instructions:
        if o.keyword == "RUN" and "Install-Recommends" in o.text:
            first.setdefault(o.stage, o.index)
    return first
