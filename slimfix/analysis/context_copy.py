"""The whole-context COPY: finding it, where it lands, and what it may move past
(shared by SF201 and SF202; the moves themselves are built by ``slimfix.edits.blocks``)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..shell import SimpleCommand
from ..shell.packages import program_words, system_setup_command
from ..syntax import Dockerfile, Instruction
from ..rules.base import RuleContext
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


def source_path(value: str) -> str:
    """A COPY/ADD source as a path from the context root: ``./.env`` is ``.env`` and
    ``src/`` is ``src``. A ``./`` prefix is removed, never the characters ``.`` and
    ``/`` (``str.strip("./")`` would read ``./.env`` as ``env``). ``.`` is the root."""
    return posixpath.normpath(value).lstrip("/") or "."


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


def path_at(doc: Dockerfile, inst: Instruction, word: str) -> str | None:
    """A path word of a RUN as an absolute path (against the WORKDIR in force); None for a
    variable, a substitution, ``~`` or a WORKDIR that uses a build argument."""
    if not word or "$" in word or "`" in word or word.startswith("~"):
        return None
    if word.startswith("/"):
        return posixpath.normpath(word)
    cwd = workdir_at(doc, inst)
    if cwd is None or cwd != workdir_at(doc, inst, args_fixed=False):
        return None
    return posixpath.normpath(posixpath.join(cwd, word))
