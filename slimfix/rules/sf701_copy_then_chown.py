from __future__ import annotations

import posixpath
import re
from typing import Iterable

from ..edits import CannotEdit, file_offset
from ..effects import NO_FILE_CHANGE
from ..fixes import Applicability, Edit
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..shell.tokens import TokenKind
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext, command_span
from .common.cache_mounts import syntax_problem, windows_stage
from ..analysis.shells import shell_runs
from ..analysis.stages import ancestors, reaches_image
from .common.layer_waste import (ARCHIVE, INERT, REMOTE, context_size, copy_parts, delete_command,
                                 delete_instruction, delete_word, human, landing, mentions, resolve,
                                 set_flags, under)
from ..analysis.context_copy import workdir_at
from ..analysis.official_images import official_image
from ..analysis.users import created_users

# Folders a base image fills: a recursive chown there also re-owns the base image's files.
_SYSTEM = re.compile(r"^/(bin|boot|dev|etc|lib\w*|media|mnt|proc|root|run|sbin|sys|tmp|usr|var|home|opt|srv|"
                     r"nix|snap|go)?$|^/(bin|boot|dev|etc|lib\w*|proc|root|run|sbin|sys|tmp|var|home|nix|snap|go)/|"
                     r"^/usr/(?!src/)|^/usr/src$")
# Folders every Linux base image has (a destination right under one creates only itself).
_PARENTS = {"/", "/opt", "/srv", "/usr/local", "/usr/share", "/usr/lib", "/home", "/var", "/etc", "/tmp",
            "/usr/src", "/var/lib", "/var/www"}
_OCTAL = re.compile(r"^0?[0-7]{3}$")
# Users the official images create themselves.
_IMAGE_USERS = {"node": {"node"}}
_RECURSIVE = ("-R", "--recursive")
_HARMLESS_OPTIONS = {"-v", "--verbose", "-c", "--changes", "-f", "--silent", "--quiet", "-h",
                     "--no-dereference", "-P"}


class CopyThenChown(Rule):
    """
    ## What it does
    Finds a `RUN chown -R` or `RUN chmod -R` of exactly the tree the COPY or ADD just before
    it brought in, and moves the ownership or mode into the COPY (`--chown`, `--chmod`),
    dropping the recursive command. When the destination folder itself existed before the
    copy (a `WORKDIR` made it), the command stays, without `-R`: it then re-owns that one
    folder, which `COPY --chown` leaves as it was.

    ## Why is this bad?
    A layer can only add. `chown -R` and `chmod -R` change every file's metadata, so every
    file of the tree is stored again, whole, in the RUN's layer: the image carries the
    copied tree twice. `COPY --chown`/`--chmod` writes each file once, already owned and
    moded.

    ## Example
    ```dockerfile
    RUN useradd --create-home app
    COPY . /app
    RUN chown -R app:app /app
    ```

    ## Use instead
    ```dockerfile
    RUN useradd --create-home app
    COPY --chown=app:app . /app
    ```

    ## Fix safety
    Unsafe. The fix holds for BuildKit and buildah, which give `--chown` to every file the
    copy brings and every folder it creates, leave a folder that existed alone, and resolve
    user and group names from the image's /etc/passwd and /etc/group as `chown` does. Other
    builders differ (the legacy builder and kaniko treat created parent folders, and kaniko
    names, their own way), and `--chmod` needs BuildKit (`# syntax=docker/dockerfile:1.3` or
    later frontends, Docker 23 and later by default) or buildah: review it. `chown app` (no
    group) keeps the group the copy gave, so it becomes `--chown=app:0`; `chown :grp` becomes
    `--chown=0:grp` (for a `COPY --from`, which keeps the owners the other stage gave its
    files, both must be named).

    The fix is offered only when the recursive command covers exactly what the copy
    brought: the command's one target is the copy's destination; nothing between the copy
    and the RUN touches files (only ENV, ARG, LABEL, EXPOSE, USER, WORKDIR outside the tree,
    CMD and the like); the commands are the first ones of the RUN's `&&` chain (a command
    before them could add files they would re-own); no earlier instruction of the stage (or
    of a stage it is built from) wrote into the destination, and the base image is an
    official one, `scratch` or a stage of the file, with a destination outside the folders
    a base image fills (`/usr`, `/opt`, `/var`, `/home`..., though a folder inside the home
    of a user the Dockerfile creates is fine); the destination's parent folder
    exists already (the copy would create and re-own it). User and group names must be
    created earlier in the stage (`useradd`, `adduser`, `groupadd`, `addgroup`), be `root`
    or a numeric id, or be an official image's own user (`node`).

    Reported without a fix: a chown or chmod that runs after other commands of the RUN or
    outside a plain `&&` chain, a symbolic or non-octal mode (`u+x`, `a+X`: `--chmod` takes
    octal modes only), `chown user:` (the login group is not known), `-L`/`-H`/`--from`/
    `--reference`, a target that is not exactly the copy's destination, an ADD of a URL or
    an archive (ADD unpacks it), a `COPY --link` (it copies onto scratch: a name cannot be
    resolved there, and `--chown` would also own the parent folders it creates), a
    `# syntax=` frontend older than 1.3 for `--chmod`, and unknown names. Silent on Windows images, and in a build stage whose files reach no image
    (only what a later `COPY --from` picks leaves it, with the owners of that stage).
    """

    code = "SF701"
    triggers = ("chown", "chmod")
    name = "copy-then-chown"
    effect = NO_FILE_CHANGE
    summary = "Set owner and mode in the COPY (--chown, --chmod), not in a later recursive chown or chmod"
    fix_safety = (Applicability.UNSAFE,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for inst, run in shell_runs(ctx):
            if inst.keyword != "RUN" or inst.stage < 0 or windows_stage(ctx, inst) or run.unsupported or not reaches_image(ctx, inst):
                continue
            commands = run.commands()
            picks = [c for c in commands if _verb(c) in ("chown", "chmod")]
            if not picks:
                continue
            copy = _copy_before(ctx, inst)
            if copy is None:
                continue
            dest = landing(ctx, copy)
            if dest is None:
                continue
            ours = [c for c in picks if _targets(ctx, inst, c) == [dest] and _recursive(c)]
            if not ours:
                wider = next((c for c in picks if dest in _targets(ctx, inst, c) and _recursive(c)), None)
                if wider is not None:
                    yield self.not_fixed(inst, f"`{wider.text()}` stores every file of line {copy.start_line}'s copy "
                                         f"again: use COPY --{_verb(wider)}", "it also changes paths the copy did not "
                                         "bring", at=command_span(inst, wider))
                continue
            size = context_size(ctx, copy)
            verbs = sorted({f"--{_verb(c)}" for c in ours})
            message = (f"`{ours[0].text()}` stores every file of line {copy.start_line}'s copy again: "
                       f"use COPY {' and '.join(verbs)}")
            if size:
                message += f" (saves about {human(size)})"
            at = command_span(inst, ours[0])
            try:
                edits = self._fix(ctx, inst, run, commands, ours, copy, dest)
            except CannotEdit as exc:
                yield self.not_fixed(inst, message, exc, at=at)
                continue
            # the fix edits the COPY and the RUN: the finding spans both
            end = at[1] if at else inst.lines[0].content_end
            yield self.finding(inst, message, edits=edits, at=(copy.span.start, end))

    def _fix(self, ctx: RuleContext, inst: Instruction, run, commands: list[SimpleCommand],
             ours: list[SimpleCommand], copy: Instruction, dest: str) -> list[Edit]:
        doc = ctx.doc
        if run.heredoc_scripts or run.opaque_heredocs:
            raise CannotEdit("the RUN uses a heredoc")
        if commands[: len(ours)] != ours:
            raise CannotEdit("other commands of the RUN run before it and may add files it re-owns")
        for cmd in ours:
            before_after = _chain_ok(cmd)
            if before_after is not None:
                raise CannotEdit(before_after)
        parts = copy_parts(copy)
        assert parts is not None
        if copy.effective.name == "ADD" and any(REMOTE.match(s) or ARCHIVE.search(s) for s in parts[0]):
            raise CannotEdit("the ADD downloads or unpacks: its files' owners are not a plain copy's")
        if copy.keyword == "ONBUILD":
            raise CannotEdit("the copy is an ONBUILD trigger")
        if copy.effective.flag("link"):
            # a linked copy runs onto scratch: a name there has no /etc/passwd to resolve in
            # (BuildKit's containerd store fails), and --chown owns the parent folders it makes
            raise CannotEdit("the COPY has --link: its --chown would also own the parent folders it creates, "
                             "and names cannot be resolved there")
        new_dest = _check_tree(ctx, copy, inst, dest)
        owner = group = mode = None
        flags = {f.name.lower(): f.value for f in copy.command.flags}
        for cmd in ours:
            if _verb(cmd) == "chown":
                owner, group = _owner(ctx, copy, cmd, flags.get("chown"))
                flags["chown"] = f"{owner}:{group}"
            else:
                mode = _mode(ctx, cmd)
                flags["chmod"] = mode
        wanted = {}
        if owner is not None:
            wanted["chown"] = f"{owner}:{group}"
        if mode is not None:
            wanted["chmod"] = mode
        edits = set_flags(copy, wanted)
        # the destination folder itself: the copy re-owns (re-modes) it only when it creates it
        keep = [cmd for cmd in ours
                if not (new_dest and (_verb(cmd) == "chown" or _mode(ctx, cmd).lstrip("0") == "755"))]
        if not keep and len(ours) == len(commands):
            return edits + [delete_instruction(doc, inst)]
        if not keep:
            edits.append(_delete_leading(inst, ours))
            return edits
        if len(keep) != len(ours):
            raise CannotEdit("of its recursive commands some must stay for the folder itself and some not")
        for cmd in ours:
            idx = [i for i, w in enumerate(cmd.words) if w.value in _RECURSIVE]
            if len(idx) != 1:
                raise CannotEdit("its -R is combined with other options")
            edits.append(delete_word(inst, cmd, idx[0]))
        return edits


def _delete_leading(inst: Instruction, ours: list[SimpleCommand]) -> Edit:
    """``cmd1 && cmd2 && `` at the start of the RUN's chain."""
    if len(ours) == 1:
        return delete_command(inst, ours[0])
    first = delete_command(inst, ours[0])
    last = delete_command(inst, ours[-1])  # `` && cmdN``: what follows it is ``&& next``
    nxt = [t for t in ours[-1].script.tokens if t.start >= ours[-1].end and t.kind is not TokenKind.COMMENT]
    if len(nxt) < 2 or nxt[0].text != "&&":
        raise CannotEdit("the chain does not go on with `&&` after it")
    end = file_offset(inst, ours[-1].script, nxt[1].start)
    del last
    return Edit.delete(first.start, end)


def _verb(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or len(argv) != len(cmd.words):  # through sudo & co: not ours
        return None
    return argv[0].rsplit("/", 1)[-1]


def _operands(cmd: SimpleCommand) -> tuple[list[str | None], list[str | None]]:
    opts, rest = [], []
    for i, w in enumerate(cmd.args):
        if not rest and w is not None and w.startswith("-") and w != "-":
            if w == "--":
                rest = list(cmd.args[i + 1 :]) or [None]
                break
            opts.append(w)
        else:
            rest.append(w)
    return opts, rest


def _recursive(cmd: SimpleCommand) -> bool:
    opts, _ = _operands(cmd)
    return any(o in _RECURSIVE or (o is not None and not o.startswith("--") and "R" in o[1:]) for o in opts)


def _targets(ctx: RuleContext, inst: Instruction, cmd: SimpleCommand) -> list[str | None]:
    _, rest = _operands(cmd)
    return [resolve(ctx, inst, w) if w else None for w in rest[1:]]


def _chain_ok(cmd: SimpleCommand) -> str | None:
    opts, rest = _operands(cmd)
    for o in opts:
        if o is None:
            return "an option is not a literal"
        if o in _RECURSIVE or o in _HARMLESS_OPTIONS:
            continue
        if not o.startswith("--") and all(c in "Rvcfh" for c in o[1:]):
            continue
        return f"`{o}` changes what it re-owns or follows"
    if cmd.redirects or cmd.assignments or cmd.compound:
        return "it is not a plain command of the RUN's chain"
    return None


def _copy_before(ctx: RuleContext, inst: Instruction) -> Instruction | None:
    """The COPY/ADD the RUN follows, with only instructions that touch no file between."""
    for other in reversed(ctx.doc.instructions[: inst.index]):
        if other.stage != inst.stage or other.keyword == "FROM":
            return None
        kw = other.keyword
        if kw in INERT or kw in ("USER", "WORKDIR"):
            continue
        return other if kw in ("COPY", "ADD") else None
    return None


def _workdir_set(ctx: RuleContext, other: Instruction) -> str | None:
    """The folder a WORKDIR instruction makes the working directory."""
    cwd = workdir_at(ctx.doc, other)
    value = resolve(ctx, other, other.args.strip()) if other.args.strip() else None
    if cwd is None or value is None:
        return None
    return value


def _check_tree(ctx: RuleContext, copy: Instruction, run: Instruction, dest: str) -> bool:
    """Raise CannotEdit unless the destination holds only what the copy brought; say
    whether the copy creates the destination folder (True) or it existed (False)."""
    doc = ctx.doc
    for other in doc.instructions[copy.index + 1 : run.index]:
        if other.keyword == "WORKDIR":
            wd = _workdir_set(ctx, other)
            if wd is None or (under(wd, dest) and wd != dest):
                raise CannotEdit(f"the WORKDIR on line {other.start_line} creates a folder inside {dest}")
    home = re.match(r"^/home/([^/]+)/.", dest)
    if _SYSTEM.search(dest) and not (home and home.group(1) in _created_names(ctx, copy)[0]):
        raise CannotEdit(f"{dest} is a folder base images fill: the recursive command re-owns their files too")
    stage = doc.stage_of(copy)
    assert stage is not None
    chain = ancestors(doc, stage)
    top = chain[-1]
    base = top.base.lower()
    if base != "scratch" and official_image(top.base) is None:
        raise CannotEdit(f"the base image {top.base} may already hold files in {dest}")
    exists = False
    for other in doc.instructions[: copy.index]:
        if other.stage not in {s.index for s in chain} or other.keyword == "FROM":
            continue
        kw = other.effective.name
        where = f"line {other.start_line}"
        if other.keyword == "ONBUILD":
            continue
        if kw == "WORKDIR":
            wd = _workdir_set(ctx, other)
            if wd is None:
                raise CannotEdit(f"the WORKDIR on {where} uses a variable")
            if wd == dest:
                exists = True
            elif under(wd, dest):
                raise CannotEdit(f"the WORKDIR on {where} creates a folder inside {dest}")
            elif under(dest, wd):
                pass
        elif kw in ("COPY", "ADD"):
            d = landing(ctx, other)
            if d is None or under(d, dest) or under(dest, d):
                raise CannotEdit(f"{where} copies into or above {dest} too")
        elif kw == "VOLUME":
            if any(under(dest, posixpath.normpath(v)) or under(posixpath.normpath(v), dest)
                   for v in other.values() if v.startswith("/")):
                raise CannotEdit(f"{where} declares a volume over {dest}")
        elif kw == "RUN":
            text = other.text
            cwd = workdir_at(doc, other)
            if mentions(text, dest) or cwd is None or under(cwd, dest):
                raise CannotEdit(f"the RUN on {where} may write into {dest}")
            rel = posixpath.relpath(dest, cwd) if under(dest, cwd) else None
            if rel and re.search(r"(?<![\w./-])" + re.escape(rel) + r"(?![\w.-])", _words_outside_users(ctx, other)):
                raise CannotEdit(f"the RUN on {where} may write into {dest}")
    if not exists:
        parent = posixpath.dirname(dest)
        made = any(other.keyword == "WORKDIR" and other.stage in {s.index for s in chain}
                   and other.index < copy.index and (w := _workdir_set(ctx, other)) is not None
                   and under(w, parent) for other in doc.instructions)
        if not (made or parent == "/" or (parent in _PARENTS and base != "scratch")):
            raise CannotEdit(f"the copy would create {parent} too, and re-own it")
    return not exists


def _words_outside_users(ctx: RuleContext, inst: Instruction) -> str:
    """The RUN's command words, less those of user and group commands (their names are not
    paths)."""
    run = ctx.run(inst)
    if run is None or run.unsupported:
        return inst.text
    words = []
    for cmd in run.commands():
        if cmd.name in ("useradd", "adduser", "groupadd", "addgroup", "usermod", "chown"):
            continue
        words += [w.text for w in cmd.words]
    return " ".join(words)


def _owner(ctx: RuleContext, copy: Instruction, cmd: SimpleCommand, current: str | None) -> tuple[str, str]:
    _, rest = _operands(cmd)
    spec = rest[0] if rest else None
    if spec is None:
        raise CannotEdit("the owner is not a literal")
    if "." in spec and ":" not in spec:
        raise CannotEdit("`user.group` is an old spelling whose meaning depends on the names")
    user, colon, group = spec.partition(":")
    if colon and not group and user:
        raise CannotEdit("`user:` takes the user's login group, which slimfix cannot know")
    if (not user or not group) and current is None and copy.effective.flag("from"):
        raise CannotEdit("it sets only the user or only the group, and the other comes from the stage the "
                         "copy reads (COPY --from keeps its owners): `--chown` would need both")
    cur_user, _, cur_group = (current or "0:0").partition(":")
    if current and not _:
        cur_group = cur_user  # `--chown=u` gives the group of the same id
    user = user or cur_user
    group = group or cur_group
    users, groups = _created_names(ctx, copy)
    for name, known, what in ((user, users, "user"), (group, groups, "group")):
        if not (name.isdigit() or name == "root" or name in known):
            raise CannotEdit(f"the {what} {name} is not created earlier in this Dockerfile (and is not "
                             "numeric): its existence when the copy runs cannot be checked")
    return user, group


def _mode(ctx: RuleContext, cmd: SimpleCommand) -> str:
    _, rest = _operands(cmd)
    mode = rest[0] if rest else None
    if mode is None or not _OCTAL.match(mode):
        raise CannotEdit(f"the mode {mode or '(a variable)'} is not an octal one, which --chmod needs")
    problem = syntax_problem(ctx)
    value = ctx.doc.directives.get("syntax", "")
    v = re.search(r"dockerfile:(\d+)\.(\d+)", value)
    if problem or (v and int(v.group(1)) == 1 and int(v.group(2)) < 3):
        raise CannotEdit(f"`# syntax={value}` predates COPY --chmod (docker/dockerfile:1.3)")
    return mode


def _created_names(ctx: RuleContext, copy: Instruction) -> tuple[set[str], set[str]]:
    doc = ctx.doc
    stage = doc.stage_of(copy)
    chain = ancestors(doc, stage) if stage is not None else []
    users: set[str] = set()
    groups: set[str] = set()
    image = official_image(chain[-1].base) if chain else None
    if image is not None:
        users |= _IMAGE_USERS.get(image.name, set())
        groups |= _IMAGE_USERS.get(image.name, set())
    in_chain = {s.index for s in chain}
    earlier = [other for other in doc.instructions[: copy.index] if other.stage in in_chain]
    made = set(created_users(ctx, earlier))  # a user's own group is made with it
    users |= made
    groups |= made
    for other in earlier:
        run = ctx.run(other)
        if run is None or run.unsupported:
            continue
        for cmd in run.commands():
            argv = program_words(cmd)
            if not argv or argv[0] is None:
                continue
            prog = argv[0].rsplit("/", 1)[-1]
            if prog in ("groupadd", "addgroup") and all(a is not None for a in argv[1:]):
                names = [a for a in argv[1:] if a and not a.startswith("-") and not a.isdigit()]
                if len(names) == 1:  # Debian's `addgroup USER GROUP` adds a member: not a creation
                    groups.add(names[0])
    return users, groups
