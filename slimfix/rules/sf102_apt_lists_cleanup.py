from __future__ import annotations

import re
from typing import Iterable

from ..edits import CannotEdit, append_command, file_offset
from ..effects import Effect
from ..fixes import Applicability, Edit
from ..shell.packages import apt_subcommand, is_apt_install, is_apt_update, program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext, command_span
from ..analysis.mounts import mounted
from ..analysis.stages import later_runs, program, reaches_image, script_file
from ..analysis.shells import shell_runs
from ..analysis.later_reads import later_apt_without_update
from .common.cache_mounts import mount_takes_over
from ..analysis.cache_warming import warms_cache
from ..analysis.sudo import elevation_prefix

CLEANUP = "rm -rf /var/lib/apt/lists/*"


class AptListsCleanup(Rule):
    """
    ## What it does
    Finds a RUN that runs `apt-get update` (or `apt update`, `aptitude update`) and then
    something else (an install, an upgrade, a purge, a script) but never removes
    `/var/lib/apt/lists/*`, and appends `&& rm -rf /var/lib/apt/lists/*` to it. A RUN
    that only updates is left to SF101, which merges it with the install after it, unless
    nothing after it can use the lists: then it gets the cleanup too.

    ## Why is this bad?
    `apt-get update` downloads the package lists (tens of megabytes) into
    `/var/lib/apt/lists`. Whatever a RUN leaves on disk is stored in its layer for good:
    deleting the lists in a later RUN hides them but saves nothing. They must go in the
    same RUN that fetched them.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Safe. The cleanup is added to the same RUN as the update, before a trailing shell
    comment, in the file's continuation style, escape character and line endings. In a
    heredoc script it becomes the new last line under `set -e`; without `set -e` it is
    chained with `&&` to the script's last command, because a new line would hide the exit
    status of the line before it. When a later RUN of the stage or of a stage built from
    this one installs with apt without its own update (it would fail without the lists;
    a script file the RUN executes counts when a COPY brought it from the build context and
    it installs with apt but never updates), the fix is unsafe: it adds `apt-get update &&` before that RUN's first apt install and
    the cleanup to both RUNs. The later install then reads fresh lists, not the ones this
    RUN fetched, so it may get newer package versions: review it. That fix is not offered
    (the finding is still reported, with the reason) when the later RUN is an ONBUILD
    trigger, has flags of its own (`--network=none`, a mount) or a heredoc, runs apt
    through a wrapper (`sudo`), inside a nested shell, in a script file or after an operator
    other than `&&` and `;` (`||`, `|`), or when yet another later RUN installs without an
    update. No fix
    is offered when the shell cannot be read, or when the RUN ends in a background job. A RUN that only updates is fixed only
    when no later RUN of the stage, of a stage built from it or of an ONBUILD trigger runs
    an apt command (`apt-get`, `apt`, `apt-cache`, `add-apt-repository`...) or anything
    slimfix cannot see into (an exec-form RUN, an unreadable shell, a script file, a
    script piped into a shell): otherwise it is silent, and SF101 merges it where it can. The rule is silent when the lists are
    already removed (or `apt-get dist-clean` runs), under a cache or tmpfs mount of
    `/var/lib/apt/lists`, after a SHELL that is not a POSIX shell, and for exec-form RUNs.
    It is also silent on a RUN that is there to fill the cache (commented as warming or
    priming one).
    When the update runs through `sudo`, the cleanup runs through the same
    words (`sudo`, `sudo -E -H`): under a non-root USER a plain cleanup would fail or
    clean another user's lists. When some of them run through it and some do not, the
    finding is reported without a fix.
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent: its cache is
    thrown away with the stage.
    """

    code = "SF102"
    triggers = ("apt",)
    name = "apt-lists-cleanup"
    effect = Effect("removes the contents of /var/lib/apt/lists", removes=("/var/lib/apt/lists/**",))
    summary = "Remove /var/lib/apt/lists/* in the RUN that ran apt-get update"
    hadolint = ("DL3009",)
    fix_safety = (Applicability.SAFE, Applicability.UNSAFE)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        for inst, run in shell_runs(ctx):
            if not reaches_image(ctx, inst):
                continue  # the lists of a builder stage never reach an image
            if mounted(inst, "/var/lib/apt/lists"):
                continue
            if _mentions_lists(inst):
                continue
            if mount_takes_over(ctx, inst, "SF601"):
                continue  # SF601 is selected and mounts the lists instead
            if run.unsupported:
                if "apt-get update" in inst.args or "apt update" in inst.args:
                    yield self.shell_not_read(inst, "apt lists are left in the layer", run)
                continue
            commands = run.commands()
            updates = [c for c in commands if is_apt_update(c)]
            if not updates or warms_cache(ctx, inst):
                continue
            at = command_span(inst, updates[0])
            message = "apt-get update without `rm -rf /var/lib/apt/lists/*` in the same RUN"
            # The lists cost the same whatever follows the update (an install, a purge, a
            # script). A RUN that only updates is SF101's to merge with the install after
            # it; when nothing after it can use the lists, they are only weight.
            if len(updates) == len(commands):
                if _lists_may_be_used_later(ctx, inst):
                    continue
                message = "`apt-get update` whose lists nothing after it uses stays in the layer"
            if any(apt_subcommand(c) == "dist-clean" for c in commands):
                continue  # apt >= 2.7 removes the lists itself
            # the lists belong to whoever ran the update: remove them the same way (`sudo`)
            prefixes = sorted({elevation_prefix(c) for c in updates})
            if len(prefixes) > 1:
                yield self.not_fixed(inst, message, "the updates do not all run the same way (through sudo and "
                                     "not): slimfix cannot tell as whom to remove the lists", at=at)
                continue
            cleanup = prefixes[0] + CLEANUP
            if cleanup != CLEANUP:
                message = message.replace(f"`{CLEANUP}`", f"`{cleanup}`")
            later = later_apt_without_update(ctx, inst)
            if later is not None:
                needs = f"line {later.start_line} installs with apt without its own update and needs these lists"
                try:
                    edits = [append_command(doc, inst, run, cleanup)] + _update_later(ctx, inst, later)
                except CannotEdit as exc:
                    yield self.not_fixed(inst, message, f"{needs}, and {exc}", at=at)
                    continue
                yield self.finding(inst, f"{message} ({needs}: the fix updates there too)", edits=edits,
                                   applicability=Applicability.UNSAFE, end=later.lines[0].content_end)
                continue
            try:
                edit = append_command(doc, inst, run, cleanup)
            except CannotEdit as exc:
                yield self.not_fixed(inst, message, exc, at=at)
                continue
            yield self.finding(inst, message, edits=[edit], at=at)


def _mentions_lists(inst: Instruction) -> bool:
    """Any removal of the lists already there counts; being wrong here costs nothing."""
    bodies = "".join(h.content for h in inst.heredocs)
    return "/var/lib/apt/lists" in inst.effective.args + bodies


_APT_TOOLS = {"apt-get", "apt", "aptitude", "apt-cache", "apt-file", "add-apt-repository", "apt-add-repository"}


def _lists_may_be_used_later(ctx: RuleContext, inst: Instruction) -> bool:
    """Whether anything after a lone ``apt-get update`` might read the lists: an apt
    command in a later RUN of the stage, of a stage built from it, or of an ONBUILD
    trigger; or a RUN slimfix cannot see into (exec form, an unreadable shell, a
    script file, a script piped into a shell)."""
    for other in later_runs(ctx, inst):
        run = ctx.run(other)
        if run is None or run.unsupported or run.opaque_heredocs:
            return True
        for cmd in run.commands():
            prog = program(cmd)
            if prog is None or prog in _APT_TOOLS or script_file(cmd):
                return True
            if prog in ("sh", "bash", "dash") and len([w for w in cmd.words if not (w.value or "").startswith("-")]) == 1:
                return True  # reads its script from a pipe or a heredoc
    return False


def _update_later(ctx: RuleContext, inst: Instruction, later: Instruction) -> list[Edit]:
    """The unsafe half of the fix when ``later`` installs with the lists ``inst`` leaves:
    ``apt-get update &&`` before its first apt install and the cleanup at its end. Raises
    CannotEdit (the reason) where that edit is not certain to keep the build working."""
    doc = ctx.doc
    where = f"line {later.start_line}"
    if later.keyword == "ONBUILD":
        raise CannotEdit(f"{where} is an ONBUILD trigger")
    if later.effective.flags:
        raise CannotEdit(f"{where} has flags of its own (a mount or a network setting)")
    if later.heredocs:
        raise CannotEdit(f"{where} uses a heredoc")
    after = later_apt_without_update(ctx, later)
    if after is not None:
        raise CannotEdit(f"line {after.start_line} also installs without an update")
    run = ctx.run(later)
    installs = [c for c in run.commands() if is_apt_install(c)]
    if not installs:
        raise CannotEdit(f"the install on {where} is in a script file it runs")
    cmd = installs[0]
    argv = program_words(cmd)
    lead = cmd.words[: len(cmd.words) - len(argv)]  # only variable assignments may come first
    if any(w.value is None or not re.match(r"^[A-Za-z_]\w*=", w.value) for w in lead) \
            or argv[0] is None or argv[0].rsplit("/", 1)[-1] not in ("apt-get", "apt"):
        raise CannotEdit(f"the install on {where} runs through a wrapper")
    scripts = run.scripts()
    if not scripts or cmd.script is not scripts[0]:
        raise CannotEdit(f"the install on {where} is inside a nested shell")
    start = file_offset(later, cmd.script, cmd.start)
    before = doc.text[later.span.start:start]
    # the install must start a command list or follow `&&` or `;`: after `||` or `|`
    # a new `apt-get update &&` would change what runs
    head = re.sub(r"\\\r?\n|\s", "", before)
    if not (re.fullmatch(r"RUN", head, re.I) or head.endswith(("&&", ";"))):
        raise CannotEdit(f"the install on {where} follows an operator other than && or ;")
    edits = [Edit.insert(start, f"{argv[0]} update && ")]
    if not _mentions_lists(later):
        edits.append(append_command(doc, later, run, CLEANUP))
    return edits
