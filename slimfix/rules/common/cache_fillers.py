"""What an earlier step stored in a cache folder of the image.

A cache mount hides the folder's content in the image for the RUN it is on: a step
before it (in its stage, or in a stage it is built FROM) that filled the folder without
a mount did so for a reason (``RUN cargo fetch`` then ``cargo build --offline``; a warmed
cache), and the mount would make the RUN start from an empty cache instead. The SF6xx
rules do not mount over such a folder. An earlier RUN that the same rule mounts too
fills the mount, not the image, and does not count.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from ...shell.packages import program_words
from ...syntax import Instruction
from ..base import RuleContext
from .guards import cache_mount_targets
from .stage_needs import ancestors

if TYPE_CHECKING:
    from .cache_mounts import CacheMountRule


def earlier_filler(ctx: RuleContext, rule: type["CacheMountRule"], inst: Instruction,
                   targets: list[str]) -> str | None:
    """Why an instruction before ``inst`` in its stage chain may have filled one of
    ``targets`` without a mount (None: none did)."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None:
        return None
    members = {s.index for s in ancestors(doc, stage)}
    for other in doc.instructions[: inst.index]:
        if other.stage not in members or other.keyword not in ("RUN", "COPY", "ADD"):
            continue  # ONBUILD triggers run in the images built from this one
        for target in targets:
            how = _fills(ctx, rule, other, target)
            if how:
                return f"line {other.start_line} {how}: a mount at {target} would hide what it stored there"
    return None


def _fills(ctx: RuleContext, rule: type["CacheMountRule"], other: Instruction, target: str) -> str | None:
    if other.keyword in ("COPY", "ADD"):
        return _copies_into(other, target)
    if any(target == t or target.startswith(t.rstrip("/") + "/") for t in cache_mount_targets(other)):
        return None  # its own mount takes what it writes there
    run = ctx.run(other)
    if run is None or run.unsupported or run.opaque_heredocs:
        text = other.effective.args + "".join(h.content for h in other.heredocs)
        return "may fill the cache (slimfix cannot read it)" if rule.looks_like.search(text) else None
    from .cache_mounts import ALREADY_MOUNTED, Plan

    commands = run.commands()
    if any(_empties(c, target) for c in commands):
        return None  # cleaned in the same RUN: nothing of it stays in the image
    if any(rule().wants(c) for c in commands):
        theirs = rule.decide(ctx, other)  # an earlier RUN's: decisions only look back, plans forward
        if theirs is ALREADY_MOUNTED or isinstance(theirs, Plan):
            return None  # the fix mounts its caches too (a folder it does not mount, it does not use)
        return "fills the cache without a mount"
    for cmd in commands:
        argv = program_words(cmd)
        if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] in _STORE_NOTHING:
            continue
        if any(w is not None and w.startswith("/") and _at_or_under(w, target) for w in argv[1:]):
            return f"writes into {target}"
    return None


# programs that name a cache folder without storing anything in it
_STORE_NOTHING = frozenset({"rm", "mkdir", "chown", "chmod", "ls", "test", "["})


def _empties(cmd, target: str) -> bool:
    """``rm -rf TARGET``, ``rm -rf TARGET/*`` or ``rm`` of a folder above it."""
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "rm":
        return False
    for word in argv[1:]:
        if word is None or not word.startswith("/"):
            continue
        path = posixpath.normpath(word[:-2] if word.endswith("/*") else word)
        if _at_or_under(target, path):
            return True
    return False


def _copies_into(other: Instruction, target: str) -> str | None:
    """A COPY/ADD whose destination is the folder or inside it, or that copies a tree
    onto its own place above it (``COPY --from=deps /usr/local/cargo /usr/local/cargo``)."""
    values = other.values()
    if len(values) < 2:
        return None
    dest = values[-1]
    if not dest.startswith("/") or "$" in dest:
        return None  # relative to WORKDIR, or a variable: not a cache folder slimfix can tell
    dest = posixpath.normpath(dest)
    if _at_or_under(dest, target):
        return f"copies into {target}"
    for src in values[:-1]:
        if re.sub(r"/+$", "", posixpath.normpath("/" + src.lstrip("/"))) == dest and _at_or_under(target, dest):
            return f"copies into {target}"
    return None


def _at_or_under(path: str, folder: str) -> bool:
    path = posixpath.normpath(path.rstrip("*") or "/")
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")
