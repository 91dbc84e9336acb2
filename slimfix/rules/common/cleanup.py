"""Rules that append a cache cleanup to a RUN share this loop."""

from __future__ import annotations

import re
from typing import Callable, Iterable

from ...edits import CannotEdit, append_command
from ...shell import SimpleCommand
from ...syntax import Instruction
from ..base import Finding, Rule, RuleContext, command_span
from ...analysis.cache_warming import warms_cache
from ...analysis.stages import reaches_image
from ...analysis.shells import shell_runs
from ...analysis.sudo import elevation_prefix

# Given a command: the cleanup it calls for, or None.
Needs = Callable[[SimpleCommand], "str | None"]


def missing_cleanup(rule: Rule, ctx: RuleContext, needs: Needs, cleaned: Callable[[Instruction, str], bool],
                    message: str, looks_like: dict[str, re.Pattern[str]] | None = None) -> Iterable[Finding]:
    """One finding per RUN that runs commands calling for a cleanup it does not do;
    the fix appends the missing cleanups, in order, after the RUN's chain. A RUN whose
    shell cannot be read is still reported, without a fix, for each cleanup whose
    ``looks_like`` pattern matches it."""
    doc = ctx.doc
    for inst, run in shell_runs(ctx):
        if not reaches_image(ctx, inst):
            continue  # a cache in a builder stage never reaches an image
        if run.unsupported:
            guessed = [c for c, pat in (looks_like or {}).items() if pat.search(inst.args) and not cleaned(inst, c)]
            if guessed and not warms_cache(ctx, inst):
                yield rule.shell_not_read(inst, message.format(cleanup=" && ".join(guessed)), run)
            continue
        # each cleanup runs the way the commands that call for it run (`sudo -E`)
        wanted: dict[str, list[str]] = {}
        at = None
        for cmd in run.commands():
            cleanup = needs(cmd)
            if cleanup and not cleaned(inst, cleanup):
                prefixes = wanted.setdefault(cleanup, [])
                if elevation_prefix(cmd) not in prefixes:
                    prefixes.append(elevation_prefix(cmd))
                at = at or command_span(inst, cmd)
        if not wanted or warms_cache(ctx, inst):
            continue  # nothing to clean, or the cache is what the RUN is for
        mixed = next((c for c, prefixes in wanted.items() if len(prefixes) > 1), None)
        commands = [prefixes[0] + c for c, prefixes in wanted.items()]
        text = message.format(cleanup=" && ".join(commands))
        if mixed is not None:
            yield rule.not_fixed(inst, text, f"the commands that call for `{mixed}` do not all run the same way "
                                 "(through sudo and not): slimfix cannot tell as whom to clean", at=at)
            continue
        try:
            edit = append_command(doc, inst, run, " && ".join(commands))
        except CannotEdit as exc:
            yield rule.not_fixed(inst, text, exc, at=at)
            continue
        yield rule.finding(inst, text, edits=[edit], at=at)


def run_text(inst: Instruction) -> str:
    return inst.effective.args + "".join(h.content for h in inst.heredocs)
