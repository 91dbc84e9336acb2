from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .common.cache_mounts import mount_takes_over
from ..analysis.cache_warming import installs_into_writable_bind_mount
from .common.cleanup import missing_cleanup, run_text
from ..analysis.mounts import cache_mount_targets
from ..analysis.stages import later_runs

# Installs that link packages from the store (not `pnpm fetch`, which fills the store for a
# later offline install: the store is its point).
_INSTALLS = {"install", "i", "add", "update", "up"}
_PROGRAM = re.compile(r"^[\w./-]+$")
# Settings under which node_modules points into the store instead of holding hard links.
_VIRTUAL_STORE = re.compile(r"global-virtual-store|globalVirtualStore|virtual-store-dir|virtualStoreDir", re.I)
# Later commands that install from what the store holds.
_READS_STORE = re.compile(r"(^|\s)--(offline|prefer-offline)\b|\bpnpm\b[^;&|\n]*\s(deploy|fetch)\b")


class PnpmStorePrune(Rule):
    """
    ## What it does
    Appends `pnpm store prune` to a RUN that runs `pnpm install` (`pnpm add`, `pnpm
    update`) and neither prunes nor removes the store.

    ## Why is this bad?
    pnpm downloads every package into its content-addressable store and hard-links the
    files into `node_modules`. Files the install did not link (other platforms' optional
    packages, dev dependencies left out by `--prod` or `pnpm prune --prod`, everything when
    pnpm copies instead of linking) stay in the store, and in the layer.

    ## Example
    ```dockerfile
    RUN pnpm install --frozen-lockfile --prod
    ```

    ## Use instead
    ```dockerfile
    RUN pnpm install --frozen-lockfile --prod && pnpm store prune
    ```

    ## Fix safety
    Safe: `pnpm store prune` removes only what no `node_modules` links, so the installed
    packages stay whole; the command calls pnpm the way the install did. Files hard-linked
    into `node_modules` cost nothing twice, so the saving is often small: it is the unlinked
    packages. The rule is silent when the RUN already prunes or removes the store, has a
    cache or tmpfs mount of it (or SF603 is selected and mounts it), runs pnpm through a
    wrapper (`npx`, `corepack`, `sudo`) or a path slimfix cannot read, for `pnpm fetch`,
    whose point is the store, and for a RUN that is there to fill the store: commented as
    warming or priming a cache, or installing inside a read-write bind mount (the install
    is thrown away with the mount: the store is what the RUN leaves; pnpm also copies
    instead of linking there, so a prune would empty the store). No fix is offered (the finding is still reported) when the
    Dockerfile, or the `.npmrc` or `pnpm-workspace.yaml` at the root of the build context,
    sets a virtual store (`enableGlobalVirtualStore`, `virtual-store-dir`), and when a
    later RUN of the stage or of a stage built from it installs from the store
    (`--offline`, `--prefer-offline`, `pnpm deploy`, `pnpm fetch`).
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent.
    """

    code = "SF309"
    triggers = ("pnpm",)
    name = "pnpm-store-prune"
    effect = Effect("removes the pnpm store's unreferenced packages",
                    removes=("~/.local/share/pnpm/store/**", "~/.pnpm-store/**", "**/.pnpm-store/**"))
    summary = "Prune the pnpm store in the RUN that installs"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for finding in missing_cleanup(
                self, ctx, _needs,
                lambda inst, cleanup: _cleaned(inst) or installs_into_writable_bind_mount(ctx, inst)
                or mount_takes_over(ctx, inst, "SF603"),
                "pnpm install without `{cleanup}` leaves the packages it did not link in the store",
                looks_like={"pnpm store prune": re.compile(r"\bpnpm\s+(-\S+\s+)*(install|i|add)\b")}):
            if finding.fix is not None:
                inst = next(i for i in ctx.doc.instructions if i.span.start <= finding.start < i.span.end)
                reason = _store_needed(ctx, inst)
                if reason:
                    finding = dataclasses.replace(finding, fix=None, not_fixed=reason)
            yield finding


def _needs(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or len(argv) != len(cmd.words) or argv[0] is None:
        return None
    if argv[0].rsplit("/", 1)[-1] != "pnpm" or not _PROGRAM.match(argv[0]):
        return None
    words = [a for a in argv[1:] if a is None or not a.startswith("-")]
    if not words or words[0] not in _INSTALLS or any(a in ("-g", "--global", "--help", "-h") for a in argv):
        return None
    return f"{argv[0]} store prune"


def _cleaned(inst: Instruction) -> bool:
    text = run_text(inst)
    return ("store prune" in text or re.search(r"pnpm-store|pnpm/store|PNPM_HOME|store-dir", text) is not None
            or any("pnpm" in t for t in cache_mount_targets(inst)))


def _store_needed(ctx: RuleContext, inst: Instruction) -> str | None:
    doc = ctx.doc
    if _VIRTUAL_STORE.search(doc.text):
        return "the Dockerfile sets a virtual store, whose node_modules may point into the store"
    build = ctx.build_context
    if build is not None:
        for name in (".npmrc", "pnpm-workspace.yaml"):
            text = build.read(name)
            if text and _VIRTUAL_STORE.search(text):
                return f"the build context's {name} sets a virtual store, whose node_modules may point into the store"
    for other in later_runs(ctx, inst):
        if _READS_STORE.search(run_text(other)):
            return f"line {other.start_line} installs from the store"
    return None
