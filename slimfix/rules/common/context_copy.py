"""The whole-context COPY: finding it, where it lands, and what it may move past
(shared by SF201 and SF202; the moves themselves are built by ``slimfix.edits.blocks``)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ...shell.packages import system_setup_command
from ...syntax import Dockerfile, Instruction
from ..base import RuleContext
from .variables import expand, variables_at

_CONTEXT_SOURCES = {".", "./"}
# Instructions a whole-context COPY may move below: they never read the copied files.
CROSSABLE = {"LABEL", "EXPOSE", "USER", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER", "ENV", "ARG"}


@dataclass(frozen=True)
class ContextCopy:
    inst: Instruction
    dest: str
    flags: tuple[str, ...]  # as written: --chown=..., --chmod=..., --link


def context_copy(inst: Instruction) -> ContextCopy | None:
    """``COPY . dest`` / ``ADD ./ dest`` (not ``--from``, not a heredoc), else None."""
    cmd = inst.command
    if cmd.name not in ("COPY", "ADD") or inst.heredocs or cmd.flag("from"):
        return None
    values = inst.values()
    if len(values) != 2 or values[0] not in _CONTEXT_SOURCES:
        return None
    return ContextCopy(inst, values[1], tuple(f.text for f in cmd.flags))


def referenced_names(text: str) -> set[str]:
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def workdir_at(doc: Dockerfile, inst: Instruction, *, args_fixed: bool = True) -> str | None:
    """The absolute WORKDIR in force at ``inst``, or None when it uses a variable the
    Dockerfile does not set (see ``variables``)."""
    cwd = "/"
    for other in doc.instructions[: inst.index]:
        if other.stage != inst.stage or other.keyword != "WORKDIR":
            continue
        path = expand(other.args, variables_at(doc, other, args_fixed=args_fixed)) if other.args else None
        if not path:
            return None
        cwd = posixpath.normpath(posixpath.join(cwd, path))
    return cwd


def absolute_dest(doc: Dockerfile, inst: Instruction, dest: str, *, args_fixed: bool = True) -> str | None:
    """Where ``dest`` of a COPY at ``inst`` lands, or None when that cannot be known."""
    dest = expand(dest, variables_at(doc, inst, args_fixed=args_fixed))
    if dest is None:
        return None
    if dest.startswith("/"):
        return posixpath.normpath(dest)
    cwd = workdir_at(doc, inst, args_fixed=args_fixed)
    return None if cwd is None else posixpath.normpath(posixpath.join(cwd, dest))


def commutes_with_context_copy(ctx: RuleContext, inst: Instruction, names: set[str]) -> bool:
    """Whether a whole-context COPY whose text uses the variables ``names`` may move
    from before ``inst`` to after it: ``inst`` never reads the copied files."""
    kw = inst.keyword
    if kw in ("ENV", "ARG"):
        values = inst.values()
        keys = values[0::3] if kw == "ENV" else [v.split("=", 1)[0] for v in values]
        return not (set(keys) & names)
    if kw in CROSSABLE:
        return True
    if kw == "RUN":
        run = ctx.run(inst)
        if run is None or run.unsupported or inst.heredocs:
            return False
        for flag in inst.effective.flag("mount"):
            kinds = flag.option("type")
            if not kinds or kinds[0].lower() not in ("cache", "tmpfs", "secret", "ssh"):
                return False
        commands = run.commands()
        return bool(commands) and all(system_setup_command(c) for c in commands)
    return False
