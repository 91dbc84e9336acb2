"""What later instructions expect of the apt lists a RUN leaves."""

from __future__ import annotations

import bisect
import re

from ..shell.packages import is_apt_install, is_apt_update
from ..syntax import Instruction
from ..rules.base import RuleContext


def later_apt_without_update(ctx: RuleContext, inst: Instruction) -> Instruction | None:
    """The first later instruction in scope (this stage, a stage built from it, an
    ONBUILD trigger) that installs with apt without its own update. The installs and
    the stage tree are gathered once per file, then bisected: thousands of RUNs or
    stages stay linear."""
    doc = ctx.doc
    by_scope, children = ctx.memo("apt bare installs", lambda: _bare_installs(ctx))
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
        if _installs_before_updating(ctx, other, run.commands()):
            scope = ("onbuild", None) if other.keyword == "ONBUILD" else ("stage", other.stage)
            by_scope.setdefault(scope, []).append(other.index)  # ONBUILD: in scope of every RUN
    return by_scope, children


_INSTALL = re.compile(r"\bapt(?:-get)?\s+(?:-\S+\s+)*install\b")
_UPDATE = re.compile(r"\bapt(?:-get)?\s+(?:-\S+\s+)*update\b")


def _installs_before_updating(ctx: RuleContext, inst: Instruction, commands) -> bool:
    """An apt install that runs before the RUN's first update (`apt-get install X && apt-get
    update` needs the lists left before it), directly or in a script file the RUN executes
    that a COPY brought from the build context (read as text: an install there with no
    update before it in the script)."""
    from .scripts import script_text

    for cmd in commands:
        if is_apt_update(cmd):
            return False
        if is_apt_install(cmd):
            return True
        found = script_text(ctx, inst, cmd)
        if found is not None and found[1] is not None:
            install, update = _INSTALL.search(found[1]), _UPDATE.search(found[1])
            if install is not None and (update is None or update.start() > install.start()):
                return True
            if update is not None:
                return False
    return False
