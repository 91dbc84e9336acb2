from __future__ import annotations

import posixpath
import re
from typing import Iterable

from ..edits import CannotEdit, append_command
from ..effects import NO_FILE_CHANGE
from ..fixes import Applicability, Edit
from ..shell import SimpleCommand
from ..shell.packages import apt_subcommand, program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext, command_span
from ..analysis.shells import shell_runs
from ..analysis.stages import apt_packages, reaches_image
from .common.layer_waste import (ARCHIVE, INERT, between, copied_file, copy_parts, delete_command,
                                 delete_instruction, human, landing, mentions, path_size, resolve, under)

_RM_OPTIONS = re.compile(r"^-[rRfv]+$|^--(recursive|force|verbose)$")
# Commands whose mention of a path writes it (a download, a clone, a copy, a new folder).
_WRITERS = {"curl", "wget", "git", "mkdir", "cp", "mv", "tar", "unzip", "touch", "ln", "install", "rsync",
            "echo", "printf", "cat", "tee", "sed", "bsdtar", "gunzip", "gzip", "xz", "bzip2", "npm", "yarn", "pip",
            "pip3", "python", "python3", "go", "cargo", "make", "cmake", "mvn", "gradle", "dotnet", "composer"}
_ADVICE_COPY = ("keep the files out of the layer instead: a `.dockerignore` line when the image never needs "
                "them, a narrower COPY, a build stage that uses them and copies only its result, or "
                "`RUN --mount=type=bind` when only one RUN reads them")


class DeleteInLaterLayer(Rule):
    """
    ## What it does
    Finds a RUN that deletes what an earlier instruction of the same stage created: a file a
    RUN downloaded or built and a later RUN removes (`rm`), packages an earlier RUN installed
    with apt and a later RUN purges, files a COPY brought in and a RUN removes. Where the
    creating instruction is a RUN, the removal moves to the end of that RUN's chain.

    ## Why is this bad?
    A layer can only add. Deleting in a later layer hides the files from the final
    filesystem, but the earlier layer still holds them, and the image ships them. Only a
    deletion in the same RUN that created them keeps them out of every layer.

    ## Example
    ```dockerfile
    RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool.tar.gz && tar -xzf /tmp/tool.tar.gz -C /opt
    ENV PATH=/opt/tool/bin:$PATH
    RUN rm -rf /tmp/tool.tar.gz
    ```

    ## Use instead
    ```dockerfile
    RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool.tar.gz && tar -xzf /tmp/tool.tar.gz -C /opt && rm -rf /tmp/tool.tar.gz
    ENV PATH=/opt/tool/bin:$PATH
    ```

    ## Fix safety
    Unsafe: the `rm` now runs at the end of the creating RUN, so nothing between the two
    RUNs may read what it removes, and slimfix proves that only from what it can read. The
    fix is offered when the `rm` names absolute literal paths (no wildcard, no variable) that
    one earlier RUN of the stage writes (a download, a clone, a copy, a new folder), the `rm`
    is a plain command of its RUN's `&&` chain (or the whole RUN), the creating RUN can take
    a command at its end (as SF102 appends: before a trailing comment, into a heredoc under
    `set -e`), and every instruction between the two is one that touches no file (ENV, ARG,
    LABEL, EXPOSE, a WORKDIR outside the path...): a RUN between may read the files, or make
    them again (a later `pip install` fills the cache folder an earlier RUN made), a COPY
    could put them back, a USER would run the `rm` as another user.

    Advice only: files a COPY or ADD brought in (a `.dockerignore` line, a narrower COPY, a
    build stage or a bind mount keeps them out), packages an earlier RUN installed and a
    later RUN purges (install, use and purge them in one RUN, or build in a separate
    stage), a path an earlier RUN only reads. Silent on what the same RUN created, on paths
    no instruction of the stage names (the base image's own files), in stages whose files
    reach no image, and on archives a COPY brought in for a RUN to unpack (SF703's case).
    """

    code = "SF702"
    triggers = ("rm", "purge", "remove")
    name = "delete-in-later-layer"
    effect = NO_FILE_CHANGE
    summary = "Delete files in the RUN that created them, not in a later layer"
    fix_safety = (Applicability.UNSAFE,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for inst, run in shell_runs(ctx):
            if inst.keyword != "RUN" or inst.stage < 0 or run.unsupported or not reaches_image(ctx, inst):
                continue
            commands = run.commands()
            for i, cmd in enumerate(commands):
                if cmd.name == "rm" and _plain(cmd):
                    found = self._removal(ctx, inst, run, commands, i)
                elif apt_subcommand(cmd) in ("purge", "remove"):
                    found = self._purge(ctx, inst, cmd)
                else:
                    continue
                if found is not None:
                    yield found

    def _removal(self, ctx: RuleContext, inst: Instruction, run, commands: list[SimpleCommand],
                 i: int) -> Finding | None:
        cmd = commands[i]
        words = [w for w in cmd.args if not (w or "").startswith("-")]
        if not words or any(w is None or re.search(r"[*?\[{$]", w) for w in words):
            return None
        paths = [resolve(ctx, inst, w) for w in words]
        if any(p is None or p == "/" for p in paths):
            return None
        earlier = " ".join(c.text() for c in commands[:i])
        for path in paths:
            assert path is not None
            if mentions(earlier, path):
                return None  # created and deleted in one RUN
        at = command_span(inst, cmd)
        made = [_creator(ctx, inst, p) for p in paths]
        first = next((m for m in made if m is not None), None)
        if first is None:
            return None
        path = paths[made.index(first)]
        other = first
        if other.effective.name in ("COPY", "ADD"):
            parts = copy_parts(other)
            if parts and any(ARCHIVE.search(s) for s in parts[0]) and copied_file(ctx, other) == path:
                return None  # an archive copied in to unpack: SF703
            size = path_size(ctx, other, path)
            if size == 0:
                return None  # the context does not hold it: the copy did not bring it
            message = f"`{cmd.text()}` deletes what line {other.start_line}'s copy brought: its layer keeps it"
            if size:
                message += f" ({human(size)})"
            return self.not_fixed(inst, message, _ADVICE_COPY, at=at)
        message = f"`{cmd.text()}` deletes what line {other.start_line} created: that layer keeps it"
        try:
            edits = _move(ctx, inst, run, commands, cmd, paths, made, other)
        except CannotEdit as exc:
            return self.not_fixed(inst, message, exc, at=at)
        # the fix edits both RUNs: the finding spans them
        end = at[1] if at else inst.lines[0].content_end
        return self.finding(inst, message, edits=edits, at=(other.span.start, end))

    def _purge(self, ctx: RuleContext, inst: Instruction, cmd: SimpleCommand) -> Finding | None:
        argv = program_words(cmd)
        names = {w for w in argv[2:] if w and not w.startswith("-")}
        if not names:
            return None
        for other in reversed(ctx.doc.instructions[: inst.index]):
            if other.stage != inst.stage or other.keyword != "RUN":
                continue
            run = ctx.run(other)
            if run is None or run.unsupported:
                continue
            installed = {p for c in run.commands() for p in apt_packages(c)}
            purged = {p for c in run.commands() if apt_subcommand(c) in ("purge", "remove")
                      for p in program_words(c)[2:] if p}
            both = sorted((names & installed) - purged)
            if both:
                message = (f"`{' '.join(both[:3])}{' ...' if len(both) > 3 else ''}` installed on line "
                           f"{other.start_line} and removed here: that layer keeps the packages")
                return self.not_fixed(inst, message, "install, use and purge them in one RUN, or use them in a "
                                      "build stage and copy only its result", at=command_span(inst, cmd))
        return None


def _plain(cmd: SimpleCommand) -> bool:
    argv = program_words(cmd)
    return len(argv) == len(cmd.words) and all(
        w is not None and (not w.startswith("-") or _RM_OPTIONS.match(w)) for w in cmd.args)


def _creator(ctx: RuleContext, inst: Instruction, path: str) -> Instruction | None:
    """What put ``path`` there: the first RUN of the stage that names it since the last
    COPY or ADD that lands on, in or above it (that copy, when it brought the path or no
    RUN names it), or None."""
    first_run = None
    for other in reversed(ctx.doc.instructions[: inst.index]):
        if other.stage != inst.stage or other.keyword == "FROM":
            break
        kw = other.keyword
        if kw in ("COPY", "ADD"):
            land = landing(ctx, other)
            file = copied_file(ctx, other)
            if land is not None and (file == path or (file is None and under(path, land))
                                     or (file is not None and under(path, file))):
                if first_run is None or file == path or land == path or (path_size(ctx, other, path) or 0) > 0:
                    return other
                return first_run
        elif kw == "RUN" and mentions(other.text, path):
            if _removes(ctx, other, path):
                return None  # it did not survive that RUN: what is there now, something later made
            first_run = other
    return first_run


def _removes(ctx: RuleContext, inst: Instruction, path: str) -> bool:
    run = ctx.run(inst)
    if run is None or run.unsupported:
        return True  # cannot tell: as good as removed
    return any(cmd.name == "rm" and any(resolve(ctx, inst, w or "") in (path, *_parents(path))
                                        for w in cmd.args) for cmd in run.commands())


def _parents(path: str) -> list[str]:
    out = []
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        out.append(path)
    return out[:-1]  # not `/`


def _writes(ctx: RuleContext, run_inst: Instruction, path: str) -> bool:
    run = ctx.run(run_inst)
    if run is None or run.unsupported:
        return False
    for cmd in run.commands():
        text = cmd.text()
        if not mentions(text, path) and not any(mentions(t.text, path) for t in cmd.redirects):
            continue
        if cmd.name in _WRITERS or cmd.redirects:
            return True
    return False


def _move(ctx: RuleContext, inst: Instruction, run, commands: list[SimpleCommand], cmd: SimpleCommand,
          paths: list[str | None], made: list[Instruction | None], creator: Instruction) -> list[Edit]:
    doc = ctx.doc
    if cmd.script is not run.line or cmd.compound:
        raise CannotEdit("the rm is not a plain command of the RUN's chain")
    if any(c.name != "rm" for c in commands[: commands.index(cmd)]):
        raise CannotEdit("commands before it in its RUN may create the same path again")
    if any(m is not creator for m in made):
        raise CannotEdit("its paths were not all created by one RUN")
    if any(not (w or "").startswith("/") for w in cmd.args if not (w or "").startswith("-")):
        raise CannotEdit("it names a relative path")
    for path in paths:
        assert path is not None
        if not _writes(ctx, creator, path):
            raise CannotEdit(f"line {creator.start_line} names {path} but slimfix cannot tell that it creates it")
    if creator.effective.flags or inst.effective.flags:
        raise CannotEdit("a RUN has flags of its own (a mount, a network setting)")
    for other in between(doc, creator, inst):
        kw = other.keyword
        if kw == "WORKDIR":
            wd = resolve(ctx, other, other.args.strip())
            if wd is None or any(p is not None and under(wd, p) for p in paths):
                raise CannotEdit(f"the WORKDIR on line {other.start_line} may create it again")
            continue
        if kw == "USER":
            raise CannotEdit(f"the USER on line {other.start_line} lies between: the rm would run as another user")
        if kw not in INERT:
            raise CannotEdit(f"the {kw} on line {other.start_line} lies between: it may read the files, or "
                             "make them again")
    creator_run = ctx.run(creator)
    if creator_run is None or creator_run.unsupported:
        raise CannotEdit(f"the shell of line {creator.start_line} cannot be read")
    if run.heredoc_scripts or run.opaque_heredocs:
        raise CannotEdit("the RUN uses a heredoc")
    edits = [append_command(doc, creator, creator_run, cmd.text())]
    if len(commands) == 1:
        edits.append(delete_instruction(doc, inst))
    else:
        edits.append(delete_command(inst, cmd))
    return edits
