from __future__ import annotations

import re
from typing import Iterable

from ..edits import end_with_blank_collapsed, leading_comments_start
from ..effects import Effect
from ..fixes import Edit
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext, command_span
from .common.cache_mounts import mount_takes_over
from .common.cleanup import run_text
from ..analysis.mounts import mounted
from ..analysis.stages import later_runs, program, reaches_image, script_file
from ..analysis.shells import shell_runs
from .common.options import has_word

_INDEX = ("/var/cache/apk", "/etc/apk/cache")


class ApkSeparateUpdate(Rule):
    """
    ## What it does
    Removes a RUN that only runs `apk update` when every later apk command that could
    read the package index (in the stage, the stages built from it and ONBUILD triggers)
    runs with `--no-cache`, or when nothing after it runs apk at all.

    ## Why is this bad?
    `apk update` stores the package index under `/var/cache/apk` in its own layer, where
    it stays for good. `apk add --no-cache` fetches the index on the fly and keeps
    nothing, so it never reads the one the separate RUN left: that layer is only weight,
    and an index that goes stale in the build cache.

    ## Example
    ```dockerfile
    RUN apk update
    RUN apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    Safe: the RUN that only updates is deleted, and only when nothing after it reads the
    index it stored. With a comment directly above it, which may describe it, the finding
    is reported without a fix. A RUN is one only when its whole shell is
    one `apk update` command (with apk's options), with no flags and no heredoc.
    No fix is offered (the finding is still reported, with the line that stops it) when a
    later RUN of the stage, of a stage built from it or of an ONBUILD trigger runs an apk
    command without `--no-cache` (other than `apk del`), names apk in a way slimfix does
    not read as a command (`xx-apk`, a wrapper, a string), or is something slimfix cannot
    see into (an exec-form RUN, an unreadable shell, a script file, a script piped into a
    shell, a heredoc for another program): any of them might read the index.
    The rule is silent under a cache or tmpfs mount of `/var/cache/apk`, after a SHELL
    that is not a POSIX shell, when SF605 is selected and mounts the cache, and in a build
    stage whose files reach no image (not the last stage, not a stage nothing else uses,
    not a stage one of those is built FROM, not copied from at `/` or above the cache).
    """

    code = "SF306"
    triggers = ("apk",)
    name = "apk-separate-update"
    effect = Effect("removes the apk index that `apk update` downloaded", removes=("/var/cache/apk/**",))
    summary = "Drop a separate `RUN apk update` that later `apk add --no-cache` never reads"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        for inst, run in shell_runs(ctx):
            if inst.keyword == "ONBUILD" or doc.stage_of(inst) is None or run.unsupported or inst.heredocs or run.opaque_heredocs:
                continue
            commands = run.commands()
            if len(commands) != 1 or not _is_apk_update(commands[0]):
                continue
            if not reaches_image(ctx, inst) or mounted(inst, *_INDEX) or mount_takes_over(ctx, inst, "SF605"):
                continue
            message = "a separate `RUN apk update` keeps the package index in a layer of its own"
            at = command_span(inst, commands[0])
            if inst.effective.flags:
                yield self.not_fixed(inst, message, f"line {inst.start_line} has flags of its own", at=at)
                continue
            if leading_comments_start(doc, inst) < inst.span.start:
                yield self.not_fixed(inst, message, f"the comment above line {inst.start_line} may describe it: "
                                     "delete both by hand", at=at)
                continue
            blocker = _index_reader(ctx, inst)
            if blocker is not None:
                yield self.not_fixed(inst, message, blocker, at=at)
                continue
            yield self.finding(inst, message, at=at,
                               edits=[Edit.delete(inst.span.start, end_with_blank_collapsed(doc, inst.span.start, inst))])


def _apk(cmd: SimpleCommand) -> list[str] | None:
    """The words after ``apk`` of an apk command, or None."""
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "apk" or any(a is None for a in argv):
        return None
    return argv[1:]


def _is_apk_update(cmd: SimpleCommand) -> bool:
    args = _apk(cmd)
    if args is None or "--no-cache" in args:
        return False
    words = [a for a in args if not a.startswith("-")]
    return words == ["update"]


# A word that looks like an apk program (``apk``, ``/sbin/apk``, ``xx-apk``), not a path
# under /etc/apk or a package named apk-tools.
_MENTIONS_APK = re.compile(r"(?:^|[\s;&|(`'\"])(?:(?:/usr)?/s?bin/)?[\w.-]*apk(?=[\s;&|)`'\"]|$)")


def _index_reader(ctx: RuleContext, inst: Instruction) -> str | None:
    """Why a later RUN might read the index the update stored, or None when none can."""
    for other in later_runs(ctx, inst):
        where = f"line {other.start_line}"
        run = ctx.run(other)
        if run is None:
            return f"{where} is an exec-form RUN, which slimfix does not read"
        if run.unsupported:
            return f"the shell of {where} could not be read ({run.unsupported})"
        if run.opaque_heredocs:
            return f"{where} feeds a heredoc to a program slimfix does not read"
        seen = 0
        for cmd in run.commands():
            prog = program(cmd)
            if prog is None or script_file(cmd):
                return f"{where} runs a script slimfix cannot see into"
            if prog in ("sh", "bash", "dash", "ash") and len(
                    [w for w in cmd.words if not (w.value or "").startswith("-")]) == 1:
                return f"{where} runs a script piped into a shell"
            if prog != "apk":
                continue
            seen += 1
            words = [a for a in program_words(cmd)[1:] if a is None or not a.startswith("-")]
            if words[:1] == ["del"] or has_word(cmd, "--no-cache"):
                continue
            return f"{where} runs apk without --no-cache, which may read the index"
        if len(_MENTIONS_APK.findall(run_text(other))) > seen:
            return f"{where} names apk outside a command slimfix reads"
    return None
