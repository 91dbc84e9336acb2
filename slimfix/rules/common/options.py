"""Rules that add a missing option to package-manager commands share this loop."""

from __future__ import annotations

import re
from typing import Callable, Iterable

from ...fixes import Edit
from ...edits import CannotEdit, insert_after
from ...shell import SimpleCommand, Token
from ...syntax import Instruction
from ..base import Finding, Rule, RuleContext, command_span
from ...analysis.stages import reaches_image
from ...analysis.shells import shell_runs

# Given a command: the token to insert the option after, or None when the command is
# not one this rule is about (or already has the option).
Matcher = Callable[[SimpleCommand], "Token | None"]


def missing_option(rule: Rule, ctx: RuleContext, match: Matcher, option: str, message: str,
                   exempt: Callable[[Instruction], bool] = lambda inst: False,
                   looks_like: re.Pattern[str] | None = None, image_only: bool = False) -> Iterable[Finding]:
    """One finding per RUN whose commands lack ``option``, fixed by inserting it after
    the token ``match`` returns, in every such command of the RUN. A RUN whose shell
    cannot be read is still reported, without a fix, when ``looks_like`` matches it.
    With ``image_only``, stages whose files reach no image are skipped."""
    for inst, run in shell_runs(ctx):
        if image_only and not reaches_image(ctx, inst):
            continue  # a cache in a builder stage never reaches an image
        if run.unsupported:
            if looks_like is not None and looks_like.search(inst.args) and option not in inst.args \
                    and not exempt(inst):
                yield rule.shell_not_read(inst, message, run)
            continue
        hits = [(cmd, tok) for cmd in run.commands() if (tok := match(cmd)) is not None]
        if not hits or exempt(inst):  # the exemption is the costlier test: only on a hit
            continue
        at = command_span(inst, hits[0][0])
        try:
            edits: list[Edit] = [insert_after(inst, cmd, tok, f" {option}") for cmd, tok in hits]
        except CannotEdit as exc:
            yield rule.not_fixed(inst, message, exc, at=at)
            continue
        yield rule.finding(inst, message, edits=edits, at=at)


def has_word(cmd: SimpleCommand, *words: str) -> bool:
    return any(w.value is not None and (w.value in words or w.value.split("=", 1)[0] in words)
               for w in cmd.words)
