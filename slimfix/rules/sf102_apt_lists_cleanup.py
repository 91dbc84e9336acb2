from __future__ import annotations

import bisect
from typing import Iterable

from ..runedit import CannotEdit, append_command
from ..shell.packages import apt_subcommand, is_apt_install, is_apt_update
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .guards import mounted, shell_runs

CLEANUP = "rm -rf /var/lib/apt/lists/*"


class AptListsCleanup(Rule):
    """
    ## What it does
    Finds a RUN that runs `apt-get update` (or `apt update`, `aptitude update`) and then
    something else (an install, an upgrade, a purge, a script) but never removes
    `/var/lib/apt/lists/*`, and appends `&& rm -rf /var/lib/apt/lists/*` to it. A RUN
    that only updates is left to SF101, which merges it with the install after it.

    ## Why is this bad?
    `apt-get update` downloads the package lists (tens of megabytes) into
    `/var/lib/apt/lists`. Whatever a RUN leaves on disk is stored in its layer for good:
    deleting the lists in a later RUN hides them but saves nothing. They must go in the
    same RUN that fetched them.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Safe. The cleanup is added to the same RUN as the update, before a trailing shell
    comment, in the file's continuation style, escape character and line endings. In a
    heredoc script it becomes the new last line under `set -e`; without `set -e` it is
    chained with `&&` to the script's last command, because a new line would hide the exit
    status of the line before it. No fix is offered (the finding is still reported) when a
    later RUN of the stage, a stage built from this one or an ONBUILD trigger installs with
    apt without its own update (it would fail without the lists), when the shell cannot be
    read, or when the RUN ends in a background job. The rule is silent when the lists are
    already removed (or `apt-get dist-clean` runs), under a cache or tmpfs mount of
    `/var/lib/apt/lists`, after a SHELL that is not a POSIX shell, and for exec-form RUNs.
    """

    code = "SF102"
    name = "apt-lists-cleanup"
    summary = "Remove /var/lib/apt/lists/* in the RUN that ran apt-get update"
    hadolint = ("DL3009",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        for inst, run in shell_runs(ctx):
            if mounted(inst, "/var/lib/apt/lists"):
                continue
            if _mentions_lists(inst):
                continue
            if run.unsupported:
                if "apt-get update" in inst.args or "apt update" in inst.args:
                    yield self.finding(inst, "apt lists are left in the layer",
                                       note=f"not fixed: the shell could not be read ({run.unsupported})")
                continue
            commands = run.commands()
            updates = [c for c in commands if is_apt_update(c)]
            # The lists cost the same whatever follows the update (an install, a purge, a
            # script); a RUN that only updates is SF101's to merge, not ours to empty.
            if not updates or len(updates) == len(commands):
                continue
            if any(apt_subcommand(c) == "dist-clean" for c in commands):
                continue  # apt >= 2.7 removes the lists itself
            message = "apt-get update without `rm -rf /var/lib/apt/lists/*` in the same RUN"
            later = _later_apt_without_update(ctx, inst)
            if later is not None:
                yield self.finding(inst, message, note=f"not fixed: line {later.start_line} installs "
                                   "with apt without its own update and needs these lists")
                continue
            try:
                edit = append_command(doc, inst, run, CLEANUP)
            except CannotEdit as exc:
                yield self.finding(inst, message, note=f"not fixed: {exc}")
                continue
            yield self.finding(inst, message, edits=[edit])


def _mentions_lists(inst: Instruction) -> bool:
    """Any removal of the lists already there counts; being wrong here costs nothing."""
    bodies = "".join(h.content for h in inst.heredocs)
    return "/var/lib/apt/lists" in inst.effective.args + bodies


def _later_apt_without_update(ctx: RuleContext, inst: Instruction) -> Instruction | None:
    """The first later instruction in scope (this stage, a stage built from it, an
    ONBUILD trigger) that installs with apt without its own update. The installs and
    the stage tree are gathered once per file, then bisected: thousands of RUNs or
    stages stay linear."""
    doc = ctx.doc
    by_scope, children = ctx.memo("SF102 bare installs", lambda: _bare_installs(ctx))
    stage = doc.stage_of(inst)
    scopes = [("stage", inst.stage), ("onbuild", None)]
    if stage is not None and stage.name:
        scopes += [("stage", c) for c in children.get(stage.name, ())]
    best = None
    for scope in scopes:
        indexes = by_scope.get(scope)
        if not indexes:
            continue
        k = bisect.bisect_right(indexes, inst.index)
        if k < len(indexes) and (best is None or indexes[k] < best):
            best = indexes[k]
    return doc.instructions[best] if best is not None else None


def _bare_installs(ctx: RuleContext) -> tuple[dict, dict]:
    doc = ctx.doc
    children: dict[str, list] = {}
    for s in doc.stages:
        children.setdefault(s.base.lower(), []).append(s.index)
    by_scope: dict[tuple, list[int]] = {}
    for other in doc.instructions:
        run = ctx.run(other)
        if run is None or run.unsupported:
            continue
        commands = run.commands()
        if any(is_apt_install(c) for c in commands) and not any(is_apt_update(c) for c in commands):
            scope = ("onbuild", None) if other.keyword == "ONBUILD" else ("stage", other.stage)
            by_scope.setdefault(scope, []).append(other.index)  # ONBUILD: in scope of every RUN
    return by_scope, children
