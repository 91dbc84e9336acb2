"""The text of a script file a RUN executes, when a COPY brought it from the build context.

A guard that asks what a later RUN does (does it install with apt without updating?) can
read ``RUN ./setup.sh`` only through the file: found here by following the COPY of the same
stage that put it where the RUN runs it (a file copied to that path, or a folder copied
above it), and read from the build context.
"""

from __future__ import annotations

import posixpath
import re

from ..shell import SimpleCommand
from ..syntax import Instruction
from ..rules.base import RuleContext
from .context_copy import absolute_dest, path_at, source_path
from .stages import script_file


def _copied_from(ctx: RuleContext, inst: Instruction, target: str) -> str | None:
    """The build-context path of the file the last COPY/ADD of ``inst``'s stage before it
    put at ``target``; None when another stage, a URL, a wildcard or a variable brought it,
    or nothing did."""
    by_stage = ctx.memo("copies by stage", lambda: _copies_by_stage(ctx))
    for other in reversed(by_stage.get(inst.stage, [])):
        if other.index >= inst.index:
            continue
        cmd = other.effective
        if other.heredocs:
            continue
        values = list(other.values())
        if len(values) < 2:
            continue
        sources, dest = values[:-1], values[-1]
        where = absolute_dest(ctx.doc, other, dest)
        if where is None or where != absolute_dest(ctx.doc, other, dest, args_fixed=False):
            return None  # a variable: it may have put the file there
        folder = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        context = ctx.build_context
        for src in sources:
            plain = source_path(src).rstrip("/") or "."
            if context is not None and context.exists_dir(plain):
                # a folder's contents land in the destination
                hit = target.startswith(where.rstrip("/") + "/")
                rel = posixpath.normpath(posixpath.join(plain, target[len(where.rstrip("/")) + 1:])) if hit else None
            else:
                landed = posixpath.join(where, posixpath.basename(plain)) if folder else where
                hit = landed == target
                rel = plain
            if hit:
                if cmd.flag("from") or re.search(r"[*?\[$]|://", src):
                    return None
                return rel
    return None


def _copies_by_stage(ctx: RuleContext) -> dict[int, list[Instruction]]:
    """The COPY and ADD instructions of each stage, in order (asked once per file: a file
    of thousands of RUNs that run scripts stays linear)."""
    out: dict[int, list[Instruction]] = {}
    for other in ctx.doc.instructions:
        if other.effective.name in ("COPY", "ADD"):
            out.setdefault(other.stage, []).append(other)
    return out


def script_text(ctx: RuleContext, inst: Instruction, cmd: SimpleCommand) -> tuple[str, str | None] | None:
    """(the script's name as the RUN gives it, its text or None when slimfix cannot read
    it) for a command that executes a script file; None for any other command."""
    name = script_file(cmd)
    if name is None:
        return None
    target = path_at(ctx.doc, inst, name)
    context = ctx.build_context
    if target is None or context is None:
        return name, None
    rel = _copied_from(ctx, inst, target)
    if rel is None or not context.included(rel):
        return name, None
    return name, context.read(rel)
