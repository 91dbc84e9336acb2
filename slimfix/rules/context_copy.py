"""The whole-context COPY and moving instructions around, shared by SF201 and SF202."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..shell import SimpleCommand
from ..shell.packages import program_words, system_setup_command
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


def commutes_with_context_copy(ctx: RuleContext, inst: Instruction, names: set[str],
                               dest: str | None = None) -> bool:
    """Whether a whole-context COPY whose text uses the variables ``names`` and lands at
    ``dest`` (absolute; None: unknown) may move from before ``inst`` to after it:
    ``inst`` neither reads nor writes the copied tree."""
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
        return bool(commands) and all(system_setup_command(c) and not _redirects_to_files(c)
                                      and not _user_home_overlaps(c, dest) for c in commands)
    return False


def _redirects_to_files(cmd: SimpleCommand) -> bool:
    """`echo x >> config.ini`, `cmd < file`: a redirection may read or write the copied
    tree (only /dev/null and duplicated descriptors cannot)."""
    toks = cmd.redirects
    for op, target in zip(toks[0::2], toks[1::2]):
        if target.value == "/dev/null":
            continue
        if op.text.endswith("&") and target.value is not None and re.fullmatch(r"\d+|-", target.value):
            continue
        return True
    return False


_USER_TOOLS = {"useradd", "adduser", "usermod"}
_HOME_OPTIONS = {"-d", "--home", "--home-dir", "-b", "--base-dir"}


def _user_home_overlaps(cmd: SimpleCommand, dest: str | None) -> bool:
    """`useradd -m -d /app app` creates (and owns) its home: before the COPY, `/app`
    belongs to the user; after it, the home exists already and stays root's. A user
    tool whose home (given, or `/home/NAME` by default) may meet ``dest`` blocks."""
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] not in _USER_TOOLS:
        return False
    homes = ["/home"]
    for i, word in enumerate(argv[1:], 1):
        opt, eq, value = (word or "").partition("=")
        if opt in _HOME_OPTIONS:
            value = value if eq else (argv[i + 1] if i + 1 < len(argv) else None)
            if value is None or "$" in value:
                return True
            homes.append(posixpath.normpath(value))
    if dest is None:
        return len(homes) > 1 or any(w in ("-m", "--create-home") for w in argv)
    return any(dest == h or dest.startswith(h.rstrip("/") + "/") or h.startswith(dest.rstrip("/") + "/")
               for h in homes)


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
