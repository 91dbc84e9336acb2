"""Guards shared by the rules that edit RUN instructions (TRANSFORMS.md, "Guards")."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ...shell import RunShell
from ...syntax import Dockerfile, Instruction

if TYPE_CHECKING:
    from ..base import RuleContext

_NON_POSIX = ("powershell", "pwsh", "cmd")


def non_posix_shell(ctx: "RuleContext", inst: Instruction) -> bool:
    """Whether a SHELL earlier in the stage switched to powershell or cmd."""
    return inst.index in ctx.memo("non-posix", lambda: _under_non_posix_shell(ctx.doc))


def _under_non_posix_shell(doc: Dockerfile) -> set[int]:
    under = set()
    posix = True
    for other in doc.instructions:
        if other.keyword == "FROM":
            posix = True
        elif other.keyword == "SHELL" and other.is_json and other.command.json_values:
            prog = other.command.json_values[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
            posix = not prog.removesuffix(".exe").startswith(_NON_POSIX)
            continue
        if not posix:
            under.add(other.index)
    return under


def cache_mount_targets(inst: Instruction) -> list[str]:
    """Targets of ``--mount=type=cache`` and ``type=tmpfs`` on the RUN."""
    out = []
    for flag in inst.effective.flag("mount"):
        types = flag.option("type")
        if types and types[0].lower() in ("cache", "tmpfs"):
            out += [t.rstrip("/") for t in flag.option("target") + flag.option("dst")
                    + flag.option("destination")]
    return out


def mounted(inst: Instruction, *paths: str) -> bool:
    """Whether a cache/tmpfs mount covers any of ``paths`` (the path or a parent)."""
    targets = cache_mount_targets(inst)
    return any(p == t or p.startswith(t + "/") for p in paths for t in targets)


def env_set(ctx: "RuleContext", inst: Instruction, name: str) -> bool:
    """Whether ``name`` is set before ``inst``: by ENV in its stage or in the stages it is
    built FROM (ENV is part of the image), or by an ARG with a default in its own stage
    (ARG values do not reach the stages built from it)."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    chain = []
    while stage is not None and stage.index not in chain:
        chain.append(stage.index)
        stage = next((s for s in doc.stages if s.name and s.name == stage.base.lower()), None)
    for index, other_stage, setter in ctx.memo("setters", lambda: _setters(doc)).get(name, ()):
        if index < inst.index and (other_stage == inst.stage or (setter == "ENV" and other_stage in chain)):
            return True
    return False


def _setters(doc: Dockerfile) -> dict[str, list[tuple[int, int, str]]]:
    """For each variable: (instruction index, stage, ENV or ARG) of what sets it."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for other in doc.instructions:
        if other.keyword == "ENV":
            names = other.values()[0::3]
        elif other.keyword == "ARG":
            names = [v.split("=", 1)[0] for v in other.values() if "=" in v]
        else:
            continue
        for n in names:
            found.setdefault(n, []).append((other.index, other.stage, other.keyword))
    return found


def shell_runs(ctx) -> list[tuple[Instruction, RunShell]]:
    """Every shell-form RUN (ONBUILD's too) with its shell view, outside stages whose
    SHELL is not a POSIX shell. ``run.unsupported`` says when the shell could not be read.
    Found once per file (a dozen rules ask, and most instructions are not RUNs)."""
    return ctx.memo("shell-runs", lambda: [(inst, run) for inst in ctx.doc.instructions
                                           if (run := ctx.run(inst)) is not None
                                           and not non_posix_shell(ctx, inst)])


# Where package caches live: a stage copied from at one of these (or above) ships them.
_CACHE_DIRS = ("/var/lib/apt/lists", "/var/cache", "/root/.cache", "/root/.npm", "/usr/local/share/.cache",
               "/home")


def reaches_image(ctx: "RuleContext", inst: Instruction) -> bool:
    """Whether the filesystem of ``inst``'s stage ends up in an image: the last stage,
    a stage nothing else uses (it exists to be built with ``--target``), the stages
    those are built FROM, stages copied from at `/` or above a cache directory, and
    ONBUILD triggers (they run in other images). A builder stage whose files are only
    picked by `COPY --from=stage /path` does not: cache cleanup there is noise."""
    if inst.keyword == "ONBUILD" or inst.stage < 0:
        return True
    return inst.stage in ctx.memo("image-stages", lambda: _image_stages(ctx.doc))


def _image_stages(doc: Dockerfile) -> set[int]:
    stages = doc.stages
    by_name = {s.name: s.index for s in stages if s.name}

    def ref(name: str) -> int | None:
        name = name.lower()
        if name.isdigit():
            return int(name) if int(name) < len(stages) else None
        return by_name.get(name)

    roots = {len(stages) - 1} if stages else set()
    used = {up for s in stages if (up := ref(s.base)) is not None and up < s.index}
    for other in doc.instructions:
        cmd = other.effective
        for mount in cmd.flag("mount") if cmd.name == "RUN" else ():
            used.update(i for v in mount.option("from") if (i := ref(v)) is not None)
        if cmd.name not in ("COPY", "ADD"):
            continue
        for flag in cmd.flag("from"):
            source = ref(flag.value or "")
            if source is None:
                continue
            used.add(source)
            paths = [posixpath.normpath("/" + v.lstrip("/")) for v in other.values()[:-1]]
            if any("$" in p or any(c == p or c.startswith(p.rstrip("/") + "/") for c in _CACHE_DIRS)
                   for p in paths):
                roots.add(source)
    roots.update(s.index for s in stages if s.index not in used)
    reach: set[int] = set()
    todo = list(roots)
    while todo:  # each root and the stages it is built FROM
        i = todo.pop()
        if i in reach:
            continue
        reach.add(i)
        up = ref(stages[i].base)
        if up is not None and up < i:
            todo.append(up)
    return reach
