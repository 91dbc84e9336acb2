"""The whole-context COPY and moving instructions around, shared by SF201 and SF202."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..shell.packages import system_setup_command
from ..syntax import Dockerfile, Instruction, Trivia, TriviaKind
from .base import RuleContext

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
    if "_context_copy" not in inst.__dict__:
        inst.__dict__["_context_copy"] = _context_copy(inst)
    return inst.__dict__["_context_copy"]


def _context_copy(inst: Instruction) -> ContextCopy | None:
    cmd = inst.command
    if cmd.name not in ("COPY", "ADD") or inst.heredocs or cmd.flag("from"):
        return None
    values = inst.values()
    if len(values) != 2 or values[0] not in _CONTEXT_SOURCES:
        return None
    return ContextCopy(inst, values[1], tuple(f.text for f in cmd.flags))


def source_path(value: str) -> str:
    """A COPY/ADD source as a path from the context root: ``./.env`` is ``.env`` and
    ``src/`` is ``src``. A ``./`` prefix is removed, never the characters ``.`` and
    ``/`` (``str.strip("./")`` would read ``./.env`` as ``env``). ``.`` is the root."""
    return posixpath.normpath(value).lstrip("/") or "."


def referenced_names(text: str) -> set[str]:
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def leading_comments_start(doc: Dockerfile, inst: Instruction) -> int:
    """Start of the comment lines directly above ``inst`` (no blank line between):
    they describe it and move with it."""
    start = inst.span.start
    nodes = doc.nodes
    i = nodes.index(inst) - 1
    while i >= 0 and isinstance(nodes[i], Trivia) and nodes[i].kind is TriviaKind.COMMENT:
        start = nodes[i].span.start
        i -= 1
    return start


def block_text(doc: Dockerfile, start: int, inst: Instruction) -> str:
    """The text from ``start`` to the end of ``inst``, ending with a line break."""
    text = doc.text[start : inst.span.end]
    return text if text.endswith("\n") else text + doc.newline


def workdir_at(doc: Dockerfile, inst: Instruction) -> str | None:
    """The absolute WORKDIR in force at ``inst``, or None when it uses a variable."""
    cwd = "/"
    for other in doc.instructions[: inst.index]:
        if other.stage != inst.stage or other.keyword != "WORKDIR":
            continue
        path = other.args
        if "$" in path or not path:
            return None
        cwd = posixpath.normpath(posixpath.join(cwd, path))
    return cwd


def absolute_dest(doc: Dockerfile, inst: Instruction, dest: str) -> str | None:
    """Where ``dest`` of a COPY at ``inst`` lands, or None when that cannot be known."""
    if "$" in dest:
        return None
    if dest.startswith("/"):
        return posixpath.normpath(dest)
    cwd = workdir_at(doc, inst)
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


def end_with_blank_collapsed(doc: Dockerfile, start: int, inst: Instruction) -> int:
    """Where the deletion of the moved block ends: past one blank line too when the block
    sat between two, so that no double blank line is left behind."""
    nodes = doc.nodes
    i = nodes.index(inst)
    before = next((n for n in reversed(nodes[:i]) if n.span.end <= start), None)
    after = nodes[i + 1] if i + 1 < len(nodes) else None
    if (isinstance(before, Trivia) and before.kind is TriviaKind.BLANK
            and isinstance(after, Trivia) and after.kind is TriviaKind.BLANK):
        return after.span.end
    return inst.span.end
