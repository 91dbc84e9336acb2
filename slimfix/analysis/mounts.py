"""The cache and tmpfs mounts a RUN has (TRANSFORMS.md, guard 5: cleanup and no-cache rules
do not fire under a matching mount)."""

from __future__ import annotations

from ..syntax import Instruction


def mount_targets(inst: Instruction, kinds: tuple[str, ...]) -> list[str]:
    """Targets, as written, of the RUN's ``--mount`` flags whose type is one of ``kinds``."""
    out = []
    for flag in inst.effective.flag("mount"):
        types = flag.option("type")
        if types and types[0].lower() in kinds:
            out += flag.option("target") + flag.option("dst") + flag.option("destination")
    return out


def cache_mount_targets(inst: Instruction) -> list[str]:
    """Targets of ``--mount=type=cache`` and ``type=tmpfs`` on the RUN."""
    return [t.rstrip("/") for t in mount_targets(inst, ("cache", "tmpfs"))]


def mounted(inst: Instruction, *paths: str) -> bool:
    """Whether a cache/tmpfs mount covers any of ``paths`` (the path or a parent)."""
    targets = cache_mount_targets(inst)
    return any(p == t or p.startswith(t + "/") for p in paths for t in targets)
