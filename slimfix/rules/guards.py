"""Guards shared by the rules that edit RUN instructions (TRANSFORMS.md, "Guards")."""

from __future__ import annotations

from ..syntax import Dockerfile, Instruction

_NON_POSIX = ("powershell", "pwsh", "cmd")


def non_posix_shell(doc: Dockerfile, inst: Instruction) -> bool:
    """Whether a SHELL earlier in the stage switched to powershell or cmd."""
    shell_is_posix = True
    for other in doc.instructions:
        if other.index >= inst.index:
            break
        if other.keyword == "FROM":
            shell_is_posix = True
        elif other.keyword == "SHELL" and other.is_json and other.command.json_values:
            prog = other.command.json_values[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
            shell_is_posix = not prog.removesuffix(".exe").startswith(_NON_POSIX)
    return not shell_is_posix


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


def env_set(doc: Dockerfile, inst: Instruction, name: str) -> bool:
    """Whether ``name`` is set before ``inst``: by ENV in its stage or in the stages it is
    built FROM (ENV is part of the image), or by an ARG with a default in its own stage
    (ARG values do not reach the stages built from it)."""
    stage = doc.stage_of(inst)
    chain = []
    seen = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        chain.append(stage.index)
        stage = next((s for s in doc.stages if s.name and s.name == stage.base.lower()), None)
    for other in doc.instructions[: inst.index]:
        if other.stage not in chain:
            continue
        if other.keyword == "ENV":
            if name in other.values()[0::3]:
                return True
        elif other.keyword == "ARG" and other.stage == inst.stage:
            if any(v.split("=", 1)[0] == name and "=" in v for v in other.values()):
                return True
    return False
