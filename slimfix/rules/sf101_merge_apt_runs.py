from __future__ import annotations

from typing import Iterable

from ..effects import NO_FILE_CHANGE
from ..fixes import Edit
from ..edits import CannotEdit, end_with_blank_collapsed, join_runs
from ..shell import RunShell
from ..shell.packages import apt_subcommand, is_apt_update
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from ..analysis.shells import non_posix_shell

# Commands whose effect on the shell would reach the next RUN once the two are joined.
LEAKY = {"cd", "pushd", "popd", "set", "export", "unset", "umask", "source", ".", "exit", "exec",
         "trap", "shopt", "alias", "ulimit", "readonly", "declare", "typeset", "local"}


class MergeAptRuns(Rule):
    r"""
    ## What it does
    Finds a RUN that runs `apt-get update` followed by RUNs that install with apt without
    their own update (only blank lines and comments between them, in the same stage), and
    joins them into one RUN with `&&`.

    ## Why is this bad?
    A RUN is cached by its text. `RUN apt-get update` on its own line never changes, so
    it stays cached forever: when the install line is edited later, it installs from a
    stale package index, or fails to find packages at all. The lists it downloads also sit
    in their own layer, where no later cleanup can remove them.

    ## Example
    ```dockerfile
    RUN apt-get update
    # tools for the entrypoint
    RUN apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && \
        # tools for the entrypoint
        apt-get install -y --no-install-recommends curl
    ```
    (SF102 then adds `rm -rf /var/lib/apt/lists/*` to the merged RUN.)

    ## Fix safety
    Safe. The joined RUN keeps the file's continuation style (`&& \` at line ends or
    leading `&&`), indentation, escape character and line endings; comment lines between
    the RUNs stay as comment lines, and a trailing shell comment becomes a comment line.
    Blank lines between them are dropped (BuildKit warns about empty continuation lines).
    A RUN that only runs `apt-get update` before a RUN that updates itself is removed.
    No fix is offered when the RUNs have different flags, use the exec form or heredocs,
    when a RUN ends with a background job (`&`), when an earlier RUN changes shell state
    that would leak into the next (`cd`, `set`, `export`, `umask`, `source`, `exit`,
    `exec`, `trap`, `shopt`, a variable assignment, ...), or when the shell cannot be read.
    """

    code = "SF101"
    triggers = ("apt",)
    name = "merge-apt-runs"
    effect = NO_FILE_CHANGE
    summary = "Join apt-get update and the apt installs that follow it into one RUN"
    hadolint = ("DL3059", "DL3009")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        runs = [i for i in doc.instructions if i.keyword == "RUN"]
        taken: set[int] = set()
        for inst in runs:
            if inst.index in taken:
                continue
            group = self._group(ctx, inst)
            if len(group) < 2:
                continue
            taken.update(i.index for i in group)
            yield self._finding(ctx, group)

    def _group(self, ctx: RuleContext, first: Instruction) -> list[Instruction]:
        """``first`` (which must run apt-get update) and the apt RUNs right after it."""
        run = ctx.run(first)
        if run is None or run.unsupported or not any(is_apt_update(c) for c in run.commands()):
            return []
        group = [first]
        for nxt in _following_runs(ctx, first):
            nrun = ctx.run(nxt)
            if nrun is None or nrun.unsupported or not any(apt_subcommand(c) for c in nrun.commands()):
                break
            # A RUN with its own update does not rely on the one before: nothing to join,
            # unless the one before only updates (it is then redundant and goes).
            if any(is_apt_update(c) for c in nrun.commands()) and not (
                    len(group) == 1 and _only_updates(ctx, first)):
                break
            group.append(nxt)
        return group

    def _finding(self, ctx: RuleContext, group: list[Instruction]) -> Finding:
        first = group[0]
        message = (f"apt-get update in its own layer: merge the {len(group)} apt RUNs "
                   f"(lines {first.start_line}-{group[-1].start_line})")
        span_end = group[-1].lines[0].content_end
        try:
            edits = [self._join(ctx, a, b) for a, b in zip(group, group[1:])]
        except CannotEdit as exc:
            return self.not_fixed(first, message, exc, end=span_end)
        return self.finding(first, message, edits=edits, end=span_end)

    def _join(self, ctx: RuleContext, a: Instruction, b: Instruction) -> Edit:
        doc = ctx.doc
        if _only_updates(ctx, a) and any(is_apt_update(c) for c in ctx.run(b).commands()) \
                and _same_flags(a, b):
            # `RUN apt-get update` right before a RUN that updates itself adds nothing
            return Edit.delete(a.span.start, end_with_blank_collapsed(doc, a.span.start, a))
        if non_posix_shell(ctx, a):
            raise CannotEdit("the stage's SHELL is not a POSIX shell")
        if a.heredocs or b.heredocs:
            raise CannotEdit(f"line {(a if a.heredocs else b).start_line} uses a heredoc")
        if not _same_flags(a, b):
            raise CannotEdit(f"lines {a.start_line} and {b.start_line} have different flags")
        run_a = ctx.run(a)
        assert run_a is not None and run_a.line is not None
        script = run_a.line
        if script.ends_in_background:
            raise CannotEdit(f"line {a.start_line} ends with a background job (&)")
        if "/var/lib/apt/lists" in a.args:
            raise CannotEdit(f"line {a.start_line} removes the apt lists that line {b.start_line} "
                             "needs; joining them would not fix that")
        leak = _leaky(run_a)
        if leak:
            raise CannotEdit(f"`{leak}` on line {a.start_line} would change the shell of the next RUN")
        if script.last_token is None:
            raise CannotEdit(f"line {a.start_line} runs nothing")
        return join_runs(doc, a, script, b, ctx.run(b).line)


def _following_runs(ctx: RuleContext, inst: Instruction) -> Iterable[Instruction]:
    """RUN instructions right after ``inst`` with only comments and blank lines between."""
    instructions = ctx.doc.instructions
    for k in range(inst.index + 1, len(instructions)):  # no slice: a copy per RUN is quadratic
        nxt = instructions[k]
        if nxt.keyword != "RUN" or nxt.stage != inst.stage:
            return
        yield nxt


def _same_flags(a: Instruction, b: Instruction) -> bool:
    return tuple(f.text for f in a.flags) == tuple(f.text for f in b.flags)


def _only_updates(ctx: RuleContext, inst: Instruction) -> bool:
    run = ctx.run(inst)
    commands = run.commands() if run and not run.unsupported and not inst.heredocs else []
    return bool(commands) and all(is_apt_update(c) for c in commands) and not run.line.comments


def _leaky(run: RunShell) -> str | None:
    assert run.line is not None
    for cmd in run.line.commands:
        if cmd.assignments and not cmd.words:
            return cmd.assignments[0].text
        if cmd.words and cmd.words[0].value in LEAKY:
            return cmd.words[0].value
    return None
