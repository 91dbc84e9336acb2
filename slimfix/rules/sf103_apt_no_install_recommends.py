from __future__ import annotations

import re
from typing import Iterable

from ..effects import Effect
from ..fixes import Applicability
from ..edits import CannotEdit, insert_after
from ..shell import SimpleCommand, Token
from ..shell.packages import program_words, subcommand_token
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext, command_span
from ..analysis.shells import shell_runs
from .common.apt_recommends import kept_recommends
from .common.options import has_word
from ..analysis.stages import descendants, hidden_fetch_failure
from ..analysis.variables import expand

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
    base) has it already. Other recommends a build needs are kept the same way (Debian's
    `apt-cache show`): `libc6-dev` with `gcc`, which only recommends it (without it nothing
    links: "C compiler cannot create executables"), unless `g++`, `build-essential` or
    `clang` brings it; `gcc` and `libc6-dev` with `golang-go` (cgo needs them); `make`, `gcc`
    and `libc6-dev` with
    `cmake`; `syslinux-common` with `syslinux`/`extlinux`; `opencv-data` with
    `libopencv-dev`; `ca-certificates` with `apt-transport-https`; `make`, `gcc`,
    `libc6-dev` or `g++` when a later step runs `make`, `cc`/`gcc`, `./configure` or `g++`
    (npm's node-gyp, for one, only recommends build-essential; a no-op where the base or a
    dependency brings them); and
    `python3-dev` and `build-essential` with `python3-pip` when a later `pip install` (in
    the RUN or a later one of the stage or the stages built from it) may build from source
    (anything but pip, setuptools and wheel, or `--only-binary :all:`). The full `python`,
    `node`, `ruby`, `golang` and `buildpack-deps` images carry the compilers and headers
    already. No fix is offered when the stage or a stage built from it
    pipes `curl` or `wget` into another program without pipefail (`curl ... | sh`): a
    missing package would then fail unnoticed and the image would be built without the
    tool, nor when a package list comes from a variable (`$DEPS`): slimfix cannot tell which
    of their recommends the build needs. Commands that already pass `--no-install-recommends` or
    `-o APT::Install-Recommends=false` are left alone, and so is a stage where an earlier
    RUN configures `APT::Install-Recommends`. A development container (a Dockerfile under
    `.devcontainer/`, or built from a `devcontainers` image) is reported without a fix: its
    users expect the tools apt recommends (manual pages, completion, helpers), and its size
    matters little.
    """

    code = "SF103"
    triggers = ("apt",)
    name = "apt-no-install-recommends"
    effect = Effect("removes the packages apt installed only as recommendations", packages=True)
    summary = "Install apt packages without their recommended packages"
    hadolint = ("DL3015",)
    fix_safety = (Applicability.UNSAFE,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        message = "apt install without --no-install-recommends pulls in recommended packages"
        given: dict[str, set[int]] = {}  # package -> stages an edit of this pass gives it to
        dev_container = _dev_container(ctx)
        for inst, run in shell_runs(ctx):
            if run.unsupported:
                if _LOOKS_LIKE.search(inst.args) and OPTION not in inst.args and not _configured(ctx, inst):
                    yield self.shell_not_read(inst, message, run)
                continue
            hits = [(cmd, tok) for cmd in run.commands() if (tok := _match(cmd)) is not None]
            at = command_span(inst, hits[0][0]) if hits else None
            if not hits or _configured(ctx, inst):
                continue
            if dev_container:
                yield self.not_fixed(inst, message, at=at, reason=dev_container)
                continue
            stage = doc.stage_of(inst)
            later = descendants(doc, stage) if stage is not None else []
            pipe = hidden_fetch_failure(ctx, later)
            if pipe is not None:
                yield self.not_fixed(inst, message, at=at, reason=(
                    f"line {pipe[0].start_line} pipes {pipe[1]} without pipefail: a "
                    "package the option leaves out would fail unnoticed"))
                continue
            hidden = next((w.text for cmd, _ in hits for w in cmd.words if w.value is None), None)
            if hidden is not None:
                # the packages the keeps are decided from (an HTTPS client, gcc, pip) are unknown
                yield self.not_fixed(inst, message, at=at, reason=(
                    f"`{hidden}` names packages slimfix cannot read: it cannot tell which of their "
                    "recommends the build needs"))
                continue
            try:
                edits = [insert_after(inst, cmd, tok, f" {OPTION}") for cmd, tok in hits]
                installs = [cmd for cmd, tok in hits if cmd.words[-1] is not tok]
                additions = kept_recommends(ctx, inst, installs, later, given)
                for added in additions:
                    edits.append(insert_after(inst, added.cmd, added.cmd.words[-1], " " + " ".join(added.packages)))
            except CannotEdit as exc:
                yield self.not_fixed(inst, message, exc, at=at)
                continue
            said = "; ".join(a.says() for a in additions)
            text = message + (f" (and {said})" if said else "")
            yield self.finding(inst, text, edits=sorted(edits, key=lambda e: e.start), at=at)


_LOOKS_LIKE = re.compile(r"\bapt(-get)?\s+(-\S+\s+)*install\b")
_DEV_CONTAINER_IMAGE = re.compile(r"^mcr\.microsoft\.com/(vscode/)?devcontainers/|(^|/)devcontainers?[/:-]", re.I)


def _dev_container(ctx: RuleContext) -> str | None:
    """Why the file builds a development container (it is under `.devcontainer/`, or a
    stage is built from a devcontainers image), whose users expect the tools apt
    recommends (manual pages, completion, helpers); None for any other image."""
    if ctx.path is not None and ".devcontainer" in ctx.path.parts:
        return ("a development container (the Dockerfile is under .devcontainer/): its users expect the tools "
                "apt recommends")
    defaults = {}  # `ARG ORIGINAL_IMAGE=mcr.microsoft.com/devcontainers/...` then `FROM ${ORIGINAL_IMAGE}`
    for other in ctx.doc.instructions:
        if other.stage == -1 and other.keyword == "ARG":
            for value in other.values():
                name, eq, default = value.partition("=")
                if eq:
                    defaults[name] = default.strip("\"'")
    bases = [expand(s.base, defaults) or s.base for s in ctx.doc.stages]
    base = next((b for b in bases if _DEV_CONTAINER_IMAGE.search(b)), None)
    if base is not None:
        return f"a development container (built from {base}): its users expect the tools apt recommends"
    return None


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
