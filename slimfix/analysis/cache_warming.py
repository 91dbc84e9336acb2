"""Whether a RUN exists to fill a package cache. Every rule that cleans a cache, turns it
off or moves it into a cache mount asks this one question: cleaning the cache such a RUN
fills undoes the step (an image that warms pnpm's store or yarn's cache for later
offline installs, a dev image that primes the cache for its users)."""

from __future__ import annotations

import posixpath
import re

from ..edits import leading_comments_start
from ..syntax import Instruction
from ..rules.base import RuleContext

# "Warm global yarn cache", "prime the npm cache", "pre-populate cache", "cache warm-up"
_WARMING = re.compile(r"(warm|prime|pre-?populate|seed|pre-?fetch|pre-?fill)\w*\W+(\w+\W+){0,4}cache"
                      r"|cache\W+(\w+\W+){0,2}(warm|priming)", re.I)
# Commands whose only job is to put packages into the cache.
_FILLS_CACHE = re.compile(r"\bnpm\s+cache\s+add\b|\byarn\s+cache\s+(add|warm)\b|\bpnpm\s+store\s+add\b")


def warms_cache(ctx: RuleContext, inst: Instruction) -> bool:
    """Whether ``inst`` is there to fill a cache: its comment (or its text) says it warms
    or primes one, or it runs a command that only fills the cache (`npm cache add`)."""
    doc = ctx.doc
    region = doc.text[leading_comments_start(doc, inst) : inst.span.end]
    if "cache" not in region.lower() and "store" not in region:
        return False  # every sign below names the cache (or pnpm's store): most RUNs stop here
    if _WARMING.search(region):
        return True
    text = inst.effective.args + "".join(h.content for h in inst.heredocs)
    return _FILLS_CACHE.search(text) is not None


def installs_into_writable_bind_mount(ctx: RuleContext, inst: Instruction) -> bool:
    """Whether ``inst`` works inside a read-write bind mount (it `cd`s into one, or its
    WORKDIR is in one): a project install there (`node_modules`) is thrown away with the
    mount, so what the RUN leaves in the image is the cache it filled on the way. Only
    for managers that install into the working directory (npm, yarn, pnpm): apt, pip and
    gem install elsewhere whatever the working directory."""
    return _works_in_writable_bind_mount(ctx, inst)


def _writable_bind_targets(inst: Instruction) -> list[str]:
    out = []
    for flag in inst.effective.flag("mount"):
        kinds = flag.option("type")
        parts = {p.strip().split("=", 1)[0].lower(): p for p in (flag.value or "").split(",")}
        writable = "rw" in parts or "readwrite" in parts
        if writable and kinds and kinds[0].lower() == "bind":
            value = parts.get("rw") or parts.get("readwrite") or ""
            if value.lower().endswith(("=false", "=0")):
                continue
            out += flag.option("target") + flag.option("dst") + flag.option("destination")
    return out


def _works_in_writable_bind_mount(ctx: RuleContext, inst: Instruction) -> bool:
    """The RUN `cd`s into a read-write bind mount (or its WORKDIR is inside one)."""
    written = _writable_bind_targets(inst)
    if not written:
        return False
    from .context_copy import workdir_at

    cwd = workdir_at(ctx.doc, inst)
    targets = [posixpath.normpath(posixpath.join(cwd or "/", t)) for t in written
               if t.startswith("/") or cwd is not None]
    places = [cwd] if cwd is not None else []
    run = ctx.run(inst)
    for cmd in run.commands() if run is not None and not run.unsupported else ():
        if cmd.name == "cd" and len(cmd.argv) == 2 and cmd.argv[1] is not None:
            places.append(posixpath.normpath(posixpath.join(cwd or "/", cmd.argv[1])))
    return any(p == t or p.startswith(t.rstrip("/") + "/") for p in places for t in targets)
