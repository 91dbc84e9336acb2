from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from ..managers import conda
from .base import Finding, Rule, RuleContext
from .common.cleanup import missing_cleanup, run_text
from ..analysis.mounts import cache_mount_targets
from ..analysis.stages import later_runs

_CLEANUP = conda.CLEANUP
_INSTALLS = {"install", "create", "update", "upgrade"}
_ENV_INSTALLS = {"create", "update"}
_PROGRAM = re.compile(r"^[\w./-]+$")


class CondaClean(Rule):
    """
    ## What it does
    Appends `conda clean -afy` to a RUN that runs `conda install`, `conda create`,
    `conda update` or `conda env create`/`update` and does not clean up (`mamba clean
    --all -f -y` for mamba, `micromamba clean --all --yes` for micromamba).

    ## Why is this bad?
    conda keeps every package it downloads twice in its package cache (`pkgs/` under the
    installation): the tarball and its extracted copy, with the repodata index. Nothing in
    the image reuses them, and the layer keeps them: often hundreds of megabytes.

    ## Example
    ```dockerfile
    RUN conda install -y numpy pandas
    ```

    ## Use instead
    ```dockerfile
    RUN conda install -y numpy pandas && conda clean -afy
    ```

    ## Fix safety
    Safe: the cleanup goes into the same RUN, after its chain, in the file's style, and
    calls the manager the way the install did (`/opt/conda/bin/conda clean -afy` when the
    install named that path). conda links environments to its package cache with hard
    links, so removing the cache (`-f`) leaves the installed packages whole; only writable
    caches are removed. The rule is silent when the RUN already cleans (`conda clean`,
    `mamba clean`, a removal under `pkgs`), has a cache or tmpfs mount of the package
    cache, or runs the manager through a wrapper (`sudo`, `env`) or a path slimfix cannot
    read. No fix is offered (the finding is still reported) when the Dockerfile makes
    conda link packages with symbolic links (`always_softlink`, `allow_softlinks`), which
    removing the cache would break, or when a later RUN of the stage or of a stage built
    from it installs `--offline` or `--use-local`, from the cache, and for conda when the
    Dockerfile names a conda older than 4.4 (`continuumio/miniconda3:4.3.27`, a
    `Miniconda3-4.3.21` installer), whose `conda clean` has no `-f`.
    It is also silent on a RUN that is there to fill the cache (commented as warming or
    priming one).
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent: its cache is
    thrown away with the stage.
    """

    code = "SF307"
    triggers = ("conda", "mamba")
    name = "conda-clean"
    effect = Effect("removes conda's package cache",
                    removes=("/opt/conda/pkgs/**", "/opt/*conda*/pkgs/**", "~/*conda*/pkgs/**", "~/.conda/pkgs/**",
                             "/opt/conda/pkgs", "~/micromamba/pkgs/**"))
    summary = "Clean conda's package cache in the RUN that installs"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for finding in missing_cleanup(
                self, ctx, _needs, _cleaned,
                "install without `{cleanup}` leaves conda's package cache in the layer",
                looks_like={"conda clean -afy": re.compile(r"\b(conda|mamba)\s+(env\s+)?(install|create)\b")}):
            if finding.fix is not None:
                reason = _cache_needed(ctx, finding)
                if reason:
                    finding = dataclasses.replace(finding, fix=None, not_fixed=reason)
            yield finding


def _needs(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or any(a is None for a in argv) or len(argv) != len(cmd.words):
        return None  # a wrapper (sudo, env) or words slimfix cannot read
    prog = argv[0].rsplit("/", 1)[-1]
    if prog not in _CLEANUP or not _PROGRAM.match(argv[0]):
        return None
    words = [a for a in argv[1:] if not a.startswith("-")]
    if words[:1] and words[0] in _INSTALLS or words[:2] and words[0] == "env" and words[1:2] \
            and words[1] in _ENV_INSTALLS:
        if "--dry-run" in argv or "-d" in argv or "--download-only" in argv:
            return None
        return _CLEANUP[prog].format(prog=argv[0])
    return None


def _cleaned(inst: Instruction, cleanup: str) -> bool:
    text = run_text(inst)
    return ("conda clean" in text or "mamba clean" in text or re.search(r"\bpkgs\b", text) is not None
            or any("conda" in t or "mamba" in t or t.endswith("/pkgs") for t in cache_mount_targets(inst)))


def _cache_needed(ctx: RuleContext, finding: Finding) -> str | None:
    doc = ctx.doc
    if re.search(r"always_softlink|allow_softlinks", doc.text):
        return ("the Dockerfile configures conda's symbolic links, and removing the package cache "
                "would break environments linked to it")
    if " -afy" in finding.message and _old_conda(doc.text):
        return "the Dockerfile uses a conda older than 4.4, whose `conda clean` has no -f (--force-pkgs-dirs)"
    inst = next(i for i in doc.instructions if i.span.start <= finding.start < i.span.end)
    for other in later_runs(ctx, inst):
        if re.search(r"(^|\s)--(offline|use-local)\b", run_text(other)):
            return f"line {other.start_line} installs from the package cache (--offline or --use-local)"
    return None


# A base image or installer of conda older than 4.4 (continuumio/miniconda3:4.3.27,
# Miniconda3-4.3.21-Linux-x86_64.sh), whose `conda clean` has no --force-pkgs-dirs.
_CONDA_VERSION = re.compile(r"(?:(?:mini|ana)conda\d?:|(?:Mini|Ana)conda\d?-)v?(\d+)\.(\d+)", re.I)


def _old_conda(text: str) -> bool:
    return any((int(a), int(b)) < (4, 4) and int(a) < 2000 for a, b in _CONDA_VERSION.findall(text))
