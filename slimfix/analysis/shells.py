"""Which RUNs a POSIX shell runs: a SHELL switched to powershell or cmd turns the shell
rules off for the rest of its stage (TRANSFORMS.md, guard 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..shell import RunShell
from ..syntax import Dockerfile, Instruction

if TYPE_CHECKING:
    from ..rules.base import RuleContext

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


def shell_runs(ctx) -> list[tuple[Instruction, RunShell]]:
    """Every shell-form RUN (ONBUILD's too) with its shell view, outside stages whose
    SHELL is not a POSIX shell. ``run.unsupported`` says when the shell could not be read.
    Found once per file (a dozen rules ask, and most instructions are not RUNs)."""
    return ctx.memo("shell-runs", lambda: [(inst, run) for inst in ctx.doc.instructions
                                           if (run := ctx.run(inst)) is not None
                                           and not non_posix_shell(ctx, inst)])
