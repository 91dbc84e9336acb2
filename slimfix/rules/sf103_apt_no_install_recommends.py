from __future__ import annotations

import re
from typing import Iterable

from ..fixes import Applicability
from ..edits import CannotEdit, insert_after
from ..shell import SimpleCommand, Token
from ..shell.packages import program_words, subcommand_token
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext, command_span
from .common.guards import shell_runs
from .common.official_images import is_official
from .common.options import has_word
from .common.stage_needs import ancestors, apt_packages, descendants, hidden_fetch_failure

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
    Unsafe: a program may rely on a package that was only recommended, so the fix is
    applied only with `--unsafe-fixes`, and the image should be tested afterwards.
    `curl`, `wget`, `git` and `gnupg` only recommend `ca-certificates`, without which
    HTTPS fails (curl exits 77): when the install names such a client, or a later RUN of
    the stage fetches `https://`, `ca-certificates` is added to the same install, unless
    the stage (or a stage it is built from, or its `python`/`golang`/`buildpack-deps`
    base) has it already. No fix is offered when the stage or a stage built from it
    pipes `curl` or `wget` into another program without pipefail (`curl ... | sh`): a
    missing package would then fail unnoticed and the image would be built without the
    tool. Commands that already pass `--no-install-recommends` or
    `-o APT::Install-Recommends=false` are left alone, and so is a stage where an earlier
    RUN configures `APT::Install-Recommends`.
    """

    code = "SF103"
    name = "apt-no-install-recommends"
    summary = "Install apt packages without their recommended packages"
    hadolint = ("DL3015",)
    fix_safety = (Applicability.UNSAFE,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        message = "apt install without --no-install-recommends pulls in recommended packages"
        given_ca: set[int] = set()  # stages that get ca-certificates from an edit of this pass
        for inst, run in shell_runs(ctx):
            if run.unsupported:
                if _LOOKS_LIKE.search(inst.args) and OPTION not in inst.args and not _configured(ctx, inst):
                    yield self.shell_not_read(inst, message, run)
                continue
            hits = [(cmd, tok) for cmd in run.commands() if (tok := _match(cmd)) is not None]
            at = command_span(inst, hits[0][0]) if hits else None
            if not hits or _configured(ctx, inst):
                continue
            stage = doc.stage_of(inst)
            later = descendants(doc, stage) if stage is not None else []
            pipe = hidden_fetch_failure(ctx, later)
            if pipe is not None:
                yield self.not_fixed(inst, message, at=at, reason=(
                    f"line {pipe[0].start_line} pipes {pipe[1]} without pipefail: a "
                    "package the option leaves out would fail unnoticed"))
                continue
            try:
                edits = [insert_after(inst, cmd, tok, f" {OPTION}") for cmd, tok in hits]
                target = None if inst.stage in given_ca else _needs_ca_certificates(ctx, inst, run, hits, later)
                if target is not None:
                    edits.append(insert_after(inst, target, target.words[-1], " ca-certificates"))
                    given_ca.update(s.index for s in later)
            except CannotEdit as exc:
                yield self.not_fixed(inst, message, exc, at=at)
                continue
            text = message + (" (and ca-certificates, which HTTPS clients only recommend, is added)"
                              if target is not None else "")
            yield self.finding(inst, text, edits=sorted(edits, key=lambda e: e.start), at=at)


_LOOKS_LIKE = re.compile(r"\bapt(-get)?\s+(-\S+\s+)*install\b")
# Packages whose HTTPS needs ca-certificates, which they only recommend.
_HTTPS_CLIENTS = {"curl", "wget", "git", "gnupg", "gnupg2", "dirmngr", "libcurl4", "aria2", "httpie"}
# Official images that carry ca-certificates themselves.
_HAS_CA = {"python", "golang", "buildpack-deps"}


def _needs_ca_certificates(ctx: RuleContext, inst: Instruction, run, hits, later) -> SimpleCommand | None:
    """The install command to add ``ca-certificates`` to: one that installs an HTTPS
    client, else the last one when a later RUN fetches ``https://``; None when the stage
    has it already (installed by it or a stage it is built from, or by its base image)."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None:
        return None
    chain = ancestors(doc, stage)
    if is_official(chain[-1].base, *_HAS_CA):
        return None
    if any(_installs_ca(ctx, other) for s in chain for other in s.instructions if other.index <= inst.index):
        return None
    installs = [cmd for cmd, tok in hits if cmd.words[-1] is not tok]
    client = next((cmd for cmd in installs if _HTTPS_CLIENTS & set(apt_packages(cmd))), None)
    if client is not None or not installs:
        return client
    fetches = any(o.keyword == "RUN" and o.index > inst.index and "https://" in o.text
                  for s in later for o in s.instructions)
    return installs[-1] if fetches else None


def _installs_ca(ctx: RuleContext, inst: Instruction) -> bool:
    run = ctx.run(inst)
    if run is None or run.unsupported:
        return "ca-certificates" in inst.text
    return any("ca-certificates" in apt_packages(cmd) for cmd in run.commands())


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
