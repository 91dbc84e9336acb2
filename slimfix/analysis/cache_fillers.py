"""What an earlier step stored in a cache folder of the image.

A cache mount hides the folder's content in the image for the RUN it is on: a step
before it (in its stage, or in a stage it is built FROM) that filled the folder without
a mount did so for a reason (``RUN cargo fetch`` then ``cargo build --offline``; a warmed
cache; a fetch that had credentials the later step lacks), and the mount would make the
RUN start from an empty cache instead. The SF6xx rules do not mount over such a folder.
An earlier RUN that the same rule mounts too fills the mount, not the image, and does
not count.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Callable

from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from ..rules.base import RuleContext
from .mounts import cache_mount_targets
from .stages import ancestors

if TYPE_CHECKING:
    from ..rules.common.cache_mounts import CacheMountRule

# target -> why the step filled it (None: it did not)
Filled = Callable[[str], "str | None"]


def earlier_filler(ctx: RuleContext, rule: type["CacheMountRule"], inst: Instruction,
                   targets: list[str]) -> str | None:
    """Why an instruction before ``inst`` in its stage chain may have filled one of
    ``targets`` without a mount (None: none did)."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None:
        return None
    record = ctx.memo(f"{rule.code}: steps that filled a cache", lambda: _Record(ctx, rule))
    record.through(inst.index)
    for s in ancestors(doc, stage):
        for line, filled in record.by_stage.get(s.index, ()):
            for target in targets:
                how = filled(target)
                if how:
                    return f"line {line} {how}: a mount at {target} would hide what it stored there"
    return None


class _Record:
    """The file's RUN, COPY and ADD instructions that may fill a cache folder, by stage,
    gathered in file order. Whether an earlier RUN fills depends on the rule's decision
    for it, which asks this record about the RUNs before it: recording in order means
    that answer is always there, with no recursion down the file."""

    def __init__(self, ctx: RuleContext, rule: type["CacheMountRule"]) -> None:
        self.ctx, self.rule = ctx, rule
        self.next = 0  # the instructions before this index are recorded
        self.by_stage: dict[int, list[tuple[int, Filled]]] = {}

    def through(self, end: int) -> None:
        instructions = self.ctx.doc.instructions
        while self.next < end:
            other = instructions[self.next]
            self.next += 1  # first: the rule's decision for `other` looks only before it
            if other.stage < 0 or other.keyword not in ("RUN", "COPY", "ADD"):
                continue  # ONBUILD triggers run in the images built from this one
            filled = _copy_fills(other) if other.keyword != "RUN" else _run_fills(self.ctx, self.rule, other)
            if filled is not None:
                self.by_stage.setdefault(other.stage, []).append((other.start_line, filled))


def _run_fills(ctx: RuleContext, rule: type["CacheMountRule"], other: Instruction) -> Filled | None:
    from ..rules.common.cache_mounts import ALREADY_MOUNTED, Plan

    mounted = cache_mount_targets(other)

    def unmounted(target: str) -> bool:
        return not any(target == t or target.startswith(t.rstrip("/") + "/") for t in mounted)

    run = ctx.run(other)
    if run is None or run.unsupported or run.opaque_heredocs:
        text = other.effective.args + "".join(h.content for h in other.heredocs)
        if not rule.looks_like.search(text) or mounted:
            return None
        return lambda target: "may fill the cache (slimfix cannot read it)"
    commands = run.commands()
    emptied = [p for c in commands for p in _removed(c)]

    def kept(target: str) -> bool:  # not cleaned in the same RUN
        return unmounted(target) and not any(_at_or_under(target, p) for p in emptied)

    users = [c for c in commands if rule().wants(c)]
    if any(not _cache_off(c, rule.cache_off_options) for c in users):
        theirs = rule.decide(ctx, other)
        if theirs is ALREADY_MOUNTED or isinstance(theirs, Plan):
            return None  # the fix mounts its caches too (a folder it does not mount, it does not use)
        return lambda target: "fills the cache without a mount" if kept(target) else None
    written = [w for c in commands for w in _paths_written(c)]
    if not written:
        return None
    return lambda target: next((f"writes into {target}" for w in written if _at_or_under(w, target) and kept(target)),
                               None)


def _cache_off(cmd: SimpleCommand, options: tuple[str, ...]) -> bool:
    """``apk add --no-cache``, ``pip install --no-cache-dir``: the command stores nothing."""
    return any(w in options for w in program_words(cmd)[1:])


# programs that name a cache folder without storing anything in it
_STORE_NOTHING = frozenset({"rm", "mkdir", "chown", "chmod", "ls", "test", "["})


def _paths_written(cmd: SimpleCommand) -> list[str]:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] in _STORE_NOTHING:
        return []
    return [w for w in argv[1:] if w is not None and w.startswith("/")]


def _removed(cmd: SimpleCommand) -> list[str]:
    """The folders ``rm`` empties or removes (``rm -rf DIR``, ``rm -rf DIR/*``)."""
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "rm":
        return []
    return [posixpath.normpath(w[:-2] if w.endswith("/*") else w) for w in argv[1:]
            if w is not None and w.startswith("/") and "*" not in w.removesuffix("/*")]


def _copy_fills(other: Instruction) -> Filled | None:
    """A COPY/ADD whose destination is the folder or inside it, or that copies a tree
    onto its own place above it (``COPY --from=deps /usr/local/cargo /usr/local/cargo``)."""
    values = other.values()
    if len(values) < 2:
        return None
    dest = values[-1]
    if not dest.startswith("/") or "$" in dest:
        return None  # relative to WORKDIR, or a variable: not a cache folder slimfix can tell
    dest = posixpath.normpath(dest)
    same_place = any(posixpath.normpath("/" + src.lstrip("/")) == dest for src in values[:-1])

    def filled(target: str) -> str | None:
        if _at_or_under(dest, target) or (same_place and _at_or_under(target, dest)):
            return f"copies into {target}"
        return None

    return filled


def _at_or_under(path: str, folder: str) -> bool:
    path = posixpath.normpath(path.rstrip("*") or "/")
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder.rstrip("/") + "/")
