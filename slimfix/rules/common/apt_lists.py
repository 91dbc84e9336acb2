"""What later instructions expect of the apt lists a RUN leaves."""

from __future__ import annotations

from ...shell.packages import is_apt_install, is_apt_update
from ...syntax import Instruction
from ..base import RuleContext


def later_apt_without_update(ctx: RuleContext, inst: Instruction) -> Instruction | None:
    """A later RUN of the stage, of a stage built from it, or an ONBUILD trigger that
    installs with apt without its own ``apt-get update``: it needs the lists ``inst`` leaves."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    children = set()
    if stage is not None and stage.name:
        children = {s.index for s in doc.stages if s.base.lower() == stage.name}
    for other in doc.instructions:
        if other.index <= inst.index:
            continue
        in_scope = other.stage == inst.stage or other.stage in children or other.keyword == "ONBUILD"
        if not in_scope:
            continue
        run = ctx.run(other)
        if run is None or run.unsupported:
            continue
        commands = run.commands()
        if any(is_apt_install(c) for c in commands) and not any(is_apt_update(c) for c in commands):
            return other
    return None
