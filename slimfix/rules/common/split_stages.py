"""Splitting one stage into a build stage and a runtime stage (SF502's fix).

The stage keeps its instructions up to the step that builds (it becomes ``AS build``);
everything after that step moves, byte for byte with its comments, into a runtime stage
appended to the file. The runtime stage starts with what the case needs before it (the
instructions of the build stage it must replay, the artifacts it copies ``--from=build``).
Every instruction the runtime stage gets is new text: the fix loop's pass check sees only
the FROM line (renamed), the moved tail (deleted) and what the case inserts as edited.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ...fixes import Edit
from ...syntax import Dockerfile, Instruction, Stage
from ..base import RuleContext
from ...analysis.shells import non_posix_shell

BUILD_STAGE = "build"
_WINDOWS = re.compile(r"windowsservercore|nanoserver|mcr\.microsoft\.com/windows|windows/servercore", re.I)


class Refuse(Exception):
    """Why the split is not mechanical here; the finding is reported without a fix."""


@dataclass
class Split:
    """What a case adds: the runtime stage's base and its lines before the moved tail,
    edits inside the build stage, and what the finding says about it."""

    base: str
    head_lines: list[str]  # instructions of the runtime stage before the tail, without line endings
    tail_from: Instruction  # the last instruction that stays in the build stage
    detail: str
    edits: list[Edit] = field(default_factory=list)  # inside the build stage (an inserted venv...)
    from_flags: str = ""


def windows_or_shell_problem(ctx: RuleContext, stage: Stage) -> str | None:
    if _WINDOWS.search(stage.base) or ctx.doc.escape == "`":
        return "a Windows image: slimfix splits Linux images only"
    if any(non_posix_shell(ctx, i) for i in stage.instructions):
        return "a SHELL switches to powershell or cmd: slimfix splits Linux images only"
    return None


def single_stage_problem(ctx: RuleContext) -> str | None:
    """Why the file as a whole cannot take a split: several stages, a named stage, ONBUILD."""
    doc = ctx.doc
    if len(doc.stages) > 1:
        return (f"the file already has {len(doc.stages)} stages: slimfix splits only a single-stage "
                "file (see `slimfix explain SF502` for the layout)")
    stage = doc.stages[0]
    if stage.name:
        return (f"the stage is named `{stage.name}`: a `--target {stage.name}` build would then "
                "produce the build stage")
    if problem := windows_or_shell_problem(ctx, stage):
        return problem
    for inst in stage.instructions:
        if inst.keyword == "ONBUILD":
            return f"line {inst.start_line}: ONBUILD triggers would run in the build stage only"
    return None


def from_flags(stage: Stage) -> str:
    return "".join(f.text + " " for f in stage.from_.flags)


def rename_edit(stage: Stage) -> Edit:
    head = stage.from_
    at = head.logical.end_to_file(head.command.args_span.end)
    return Edit.insert(at, f" AS {BUILD_STAGE}")


def tail_edit(doc: Dockerfile, split: Split) -> Edit:
    """Replace everything after ``split.tail_from`` with itself moved into the runtime stage."""
    nl = doc.newline
    start = split.tail_from.span.end
    tail = doc.text[start:]
    lead = "" if doc.text[:start].endswith("\n") else nl
    stripped = tail.lstrip("\r\n")
    tail = (nl if stripped != tail and stripped else "") + stripped  # one blank line kept
    if tail and not tail.endswith("\n"):
        tail += nl
    head = "".join(line + nl for line in split.head_lines)
    return Edit(start, len(doc.text), f"{lead}{nl}FROM {split.from_flags}{split.base}{nl}{head}{tail}")


def tail_of(stage: Stage, last_build: Instruction) -> list[Instruction]:
    return [i for i in stage.instructions if i.index > last_build.index]


def head_of(stage: Stage, last_build: Instruction) -> list[Instruction]:
    return [i for i in stage.instructions if i.index <= last_build.index]


def instruction_line(inst: Instruction) -> str:
    """The instruction's text as written (continuations and all), without its last line ending."""
    return inst.text.rstrip("\r\n")


def runtime_command(stage: Stage) -> tuple[Instruction | None, Instruction | None]:
    """The ENTRYPOINT and CMD in force at the end of the stage."""
    entry = cmd = None
    for inst in stage.instructions:
        if inst.keyword == "ENTRYPOINT":
            # resets the base image's CMD, not one this stage set (BuildKit keeps that)
            entry = inst
        elif inst.keyword == "CMD":
            cmd = inst
    return entry, cmd


def start_before_build(stage: Stage, build: Instruction) -> None:
    """Refuse a CMD, ENTRYPOINT or HEALTHCHECK set before the build: the runtime stage
    starts after it and would not have it."""
    for inst in head_of(stage, build):
        if inst.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            raise Refuse(f"line {inst.start_line}: {inst.keyword} before the build would not reach the runtime stage")


def program_of(entry: Instruction | None, cmd: Instruction | None) -> tuple[str | None, bool]:
    """The program the container starts, and whether it starts through /bin/sh -c."""
    first = entry or cmd
    if first is None:
        return None, False
    if first.is_json:
        values = first.command.json_values or ()
        return (values[0] if values else None), False
    words = first.args.split()
    return (words[0] if words else None), True


def resolve(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path))


def final_workdir(stage: Stage) -> str:
    """The WORKDIR in force at the end of the stage (``/`` when none); Refuse for a variable."""
    cwd = "/"
    for inst in stage.instructions:
        if inst.keyword == "WORKDIR":
            if "$" in inst.args:
                raise Refuse(f"line {inst.start_line}: WORKDIR uses a variable")
            cwd = resolve(cwd, inst.args)
    return cwd


def head_replay(stage: Stage, build: Instruction, build_prefixes: tuple[str, ...],
                settings: str) -> tuple[list[str], list[Instruction]]:
    """Runtime ENV, LABEL, USER and metadata set before the build, carried into the runtime
    stage; the build tool's own variables (names starting with ``build_prefixes``) stay
    behind, and an ENV mixing both is refused (``settings`` names them)."""
    lines: list[str] = []
    carried: list[Instruction] = []
    for inst in head_of(stage, build):
        kw = inst.keyword
        if kw == "ENV":
            names = inst.values()[0::3]
            tools = [n.startswith(build_prefixes) for n in names]
            if all(tools):
                continue
            if any(tools):
                raise Refuse(f"line {inst.start_line} sets {settings} and runtime variables in one ENV")
        elif kw not in ("LABEL", "USER", "EXPOSE", "STOPSIGNAL", "VOLUME", "MAINTAINER"):
            continue
        lines.append(instruction_line(inst))
        carried.append(inst)
    return lines, carried
