from __future__ import annotations

import posixpath
import re
from typing import Iterable

from ..edits import CannotEdit
from ..effects import Effect
from ..fixes import Applicability, Edit
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .common.cache_mounts import syntax_problem, windows_stage
from ..analysis.context_copy import source_path, workdir_at
from ..analysis.shells import non_posix_shell
from ..analysis.stages import reaches_image
from .common.layer_waste import (ARCHIVE, INERT, REMOTE, between, context_size, copied_file, copy_parts,
                                 delete_command, delete_instruction, human, resolve)

_EXTRACTORS = {"tar", "bsdtar", "unzip"}
# Commands that may name the archive in the extracting RUN: they only read it.
_READERS = _EXTRACTORS | {"rm", "sha256sum", "sha512sum", "sha1sum", "md5sum", "gpg", "ls", "file", "test", "["}
_RM_OPTIONS = re.compile(r"^-[rRfv]+$|^--(recursive|force|verbose)$")
_UNSAFE_IN_MOUNT = re.compile(r"[\s,\"'=]")


class ArchiveInLayer(Rule):
    """
    ## What it does
    Finds an archive that a COPY or an `ADD <url>` puts in a layer only for a later RUN to
    unpack (`tar -x`, `unzip`). Where the archive is a file of the build context and the
    unpacking RUN deletes it afterwards, the fix drops the COPY and bind-mounts the archive
    into that RUN instead (`RUN --mount=type=bind,source=x.tar.gz,target=/tmp/x.tar.gz`),
    taking out the `rm` the mount makes needless.

    ## Why is this bad?
    A layer can only add. The COPY's layer keeps the whole archive even when the next RUN
    deletes it, so the image ships the archive beside what was unpacked from it. A bind
    mount lends the file to the one RUN that reads it; it never reaches a layer. A URL
    downloaded and unpacked in one RUN (`curl -fsSL URL | tar -xz -C DIR`) likewise.

    ## Example
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:bookworm-slim
    COPY vendor/tool.tar.gz /tmp/
    RUN tar -xzf /tmp/tool.tar.gz -C /opt && rm /tmp/tool.tar.gz
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:bookworm-slim
    RUN --mount=type=bind,source=vendor/tool.tar.gz,target=/tmp/tool.tar.gz tar -xzf /tmp/tool.tar.gz -C /opt
    ```

    ## Fix safety
    Unsafe, and offered only where the Dockerfile is built by a builder that mounts: `RUN
    --mount` needs BuildKit (Docker 23 and later by default), buildah or podman; the legacy
    builder and kaniko reject it. As for the SF6 cache-mount rules, slimfix adds a mount
    only when told the builder takes one: the SF6 rules are selected (`--select ALL,SF6`),
    the file already has a `RUN --mount`, or a `# syntax=docker/dockerfile:...` directive
    (1.2 or later) says BuildKit builds it. Never on Windows images, nor after a SHELL that
    is not a POSIX shell, nor with a `# syntax=` frontend older than 1.2 or one slimfix does
    not know. The result is the same image: the archive was deleted in the RUN that unpacked
    it, and now is never copied; but buildah (1.28) leaves the mount point, an empty file
    where the archive was mounted (BuildKit removes it), and an older BuildKit (before 0.10)
    left it too.

    The fix needs: a COPY of one literal file of the build context (no `--from`,
    `--chown`, `--chmod`, `--link`, wildcard or variable) that `.dockerignore` lets in,
    landing in a folder that existed before it (`/`, `/tmp` or the WORKDIR); only
    instructions that touch no file (ENV, ARG, LABEL, USER, WORKDIR...) between the COPY and
    the RUN; a RUN that names the archive only to read it (`tar`, `unzip`, a checksum) and
    then removes exactly it with a plain `rm` of its `&&` chain, after which no command
    names the archive's folder, a folder above it or anything in it, nor a relative path
    while working there (the read-only mount stays until the RUN ends: a later `chown -R`
    or `mv` of the folder would meet it); no heredoc. Otherwise the
    finding is advice, with the reason: for an `ADD` of a URL, download and unpack in one
    RUN; for a COPY, the bind mount (or a build stage); for an archive the RUN does not
    remove, the image keeps it too. Silent in a build stage whose files reach no image (its
    layers are never shipped).
    """

    code = "SF703"
    triggers = (".tar", ".tgz", ".tbz", ".txz", ".tzst", ".zip")
    name = "archive-in-layer"
    effect = Effect("changes no file's content, owner or mode: the archive, deleted in the RUN that unpacked "
                    "it, is never copied", mount_points=True)
    summary = "Unpack archives from a bind mount or a download in the RUN, not from a copied layer"
    fix_safety = (Applicability.UNSAFE,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        for copy in doc.instructions:
            if copy.keyword not in ("COPY", "ADD") or copy.stage < 0 or not reaches_image(ctx, copy):
                continue  # a builder stage's layers are never shipped
            parts = copy_parts(copy)
            if parts is None or len(parts[0]) != 1:
                continue
            src = parts[0][0]
            remote = bool(REMOTE.match(src))
            name = src.split("?", 1)[0].rstrip("/")
            if not ARCHIVE.search(name) or (copy.keyword == "ADD" and not remote):
                continue  # not an archive, or a local one ADD unpacks itself
            if remote and copy.keyword == "COPY":
                continue
            path = copied_file(ctx, copy)
            if path is None:
                continue
            found = _extracting_run(ctx, copy, path)
            if found is None:
                continue
            run_inst, removes = found
            size = context_size(ctx, copy) if not remote else None
            where = f"unpacked on line {run_inst.start_line}"
            message = (f"{posixpath.basename(path)} stays in this layer ({where}"
                       + (", then deleted" if removes else "; slimfix sees no `rm` of it there") + ")")
            if size:
                message += f": {human(size)}"
            if remote:
                yield self.not_fixed(copy, message, "download and unpack in one RUN (`curl -fsSL URL | tar -xz -C "
                                     "DIR`, checking its sha256sum), so the archive never reaches a layer")
                continue
            try:
                edits = _fix(ctx, copy, src, path, run_inst, removes)
            except CannotEdit as exc:
                yield self.not_fixed(copy, message, exc)
                continue
            yield self.finding(copy, message, edits=edits, end=run_inst.lines[0].content_end)  # both edited


def _names(ctx: RuleContext, inst: Instruction, cmd: SimpleCommand, path: str) -> bool:
    for w in cmd.words[1:]:
        v = w.value
        if v is None:
            continue
        if v.startswith("--file="):
            v = v[len("--file="):]
        if resolve(ctx, inst, v) == path:
            return True
    return False


def _extracting_run(ctx: RuleContext, copy: Instruction, path: str) -> tuple[Instruction, SimpleCommand | None] | None:
    """The first later RUN of the stage that unpacks ``path``, and its ``rm`` of it."""
    for other in ctx.doc.instructions[copy.index + 1 :]:
        if other.stage != copy.stage or other.keyword == "FROM":
            return None
        if other.keyword != "RUN":
            continue
        run = ctx.run(other)
        if run is None or run.unsupported:
            continue
        cmds = run.commands()
        if not any(c.name in _EXTRACTORS and _names(ctx, other, c, path) for c in cmds):
            continue
        rm = next((c for c in cmds if c.name == "rm" and _names(ctx, other, c, path)), None)
        return other, rm
    return None


def _reaches_folder(doc, inst: Instruction, later: list[SimpleCommand], folder: str) -> SimpleCommand | None:
    """A command after the ``rm`` that names the archive's folder, a folder above it or
    anything in it (``/tmp``, ``/tmp/*``, ``/``), or any relative path while the working
    directory is that folder or above it; a script run by a relative path; or one whose
    words slimfix cannot read."""
    cwd = workdir_at(doc, inst) or "/"
    in_cwd = folder == cwd or cwd == "/" or folder.startswith(cwd.rstrip("/") + "/")
    for cmd in later:
        words = program_words(cmd)
        if not words or any(w is None for w in words) or len(words) != len(cmd.words):
            return cmd
        if "/" in words[0] and not words[0].startswith("/"):
            return cmd
        for w in words[1:]:
            if w.startswith("-"):
                continue
            if w.startswith("/"):
                p = posixpath.normpath(w.split("*", 1)[0].rstrip("/") or "/")
                if p == "/" or folder == p or folder.startswith(p + "/") or p.startswith(folder.rstrip("/") + "/"):
                    return cmd
            elif in_cwd:  # a relative path from there may reach it (`.`, `*`, a subfolder)
                return cmd
    return None


def _fix(ctx: RuleContext, copy: Instruction, src: str, path: str, run_inst: Instruction,
         rm: SimpleCommand | None) -> list[Edit]:
    doc = ctx.doc
    if rm is None:
        raise CannotEdit("the RUN does not remove the archive by its path, so it may stay in the image too: "
                         "remove it there, or bind-mount it (`RUN --mount=type=bind,source=...`)")
    if windows_stage(ctx, copy) or non_posix_shell(ctx, run_inst):
        raise CannotEdit("a Windows image, or a shell that is not POSIX, cannot take RUN --mount")
    problem = syntax_problem(ctx)
    if problem:
        raise CannotEdit(problem)
    if not _mounts_allowed(ctx):
        raise CannotEdit("bind-mount it instead (`RUN --mount=type=bind,source=...`): slimfix adds a mount only "
                         "when the SF6 rules are selected, the file already mounts, or a `# syntax=` line names "
                         "BuildKit's frontend")
    if copy.command.flags:
        raise CannotEdit("the COPY has flags (--from, --chown, --chmod, --link...)")
    if re.search(r"[*?\[$]", src) or _UNSAFE_IN_MOUNT.search(src) or _UNSAFE_IN_MOUNT.search(path):
        raise CannotEdit("the source or its path has characters a mount option cannot hold")
    rel = source_path(src)
    if rel.startswith("..") or rel == ".":
        raise CannotEdit("the source is not a file inside the build context")
    bc = ctx.build_context
    if bc is not None:
        try:
            if not bc.included(rel):
                raise CannotEdit(f"{rel} is not a file of the build context")
        except CannotEdit:
            raise
        except Exception as exc:  # an unreadable .dockerignore
            raise CannotEdit(str(exc))
    folder = posixpath.dirname(path)
    if folder not in ("/", "/tmp") and folder != workdir_at(doc, copy):
        raise CannotEdit(f"the COPY may create {folder}, which would stay in the image")
    for other in between(doc, copy, run_inst):
        if other.keyword not in INERT and other.keyword not in ("USER", "WORKDIR"):
            raise CannotEdit(f"the {other.keyword} on line {other.start_line} lies between the COPY and the RUN")
    run = ctx.run(run_inst)
    assert run is not None
    if run.heredoc_scripts or run.opaque_heredocs:
        raise CannotEdit("the RUN uses a heredoc")
    if any(f.name.lower() != "mount" for f in run_inst.command.flags):
        raise CannotEdit("the RUN has flags other than mounts")
    cmds = run.commands()
    naming = [c for c in cmds if _names(ctx, run_inst, c, path) or path in c.text()]
    if any(c.name not in _READERS for c in naming):
        raise CannotEdit("the RUN does more with the archive than unpack and delete it")
    if naming[-1] is not rm or sum(c.name == "rm" for c in naming) != 1:
        raise CannotEdit("the archive is named after its removal")
    reaches = _reaches_folder(doc, run_inst, cmds[cmds.index(rm) + 1:], posixpath.dirname(path))
    if reaches is not None:
        # the mount stays until the RUN ends: a later chown -R, mv or cp of its folder would
        # meet the read-only archive the rm took away
        raise CannotEdit(f"`{reaches.text()}` runs after its rm and may reach the archive's folder, where the "
                         "mounted archive would still be")
    targets = [w for w in program_words(rm)[1:] if w is not None and not _RM_OPTIONS.match(w)]
    if len(targets) != 1 or len(program_words(rm)) != len(rm.words) \
            or any(w is None or (w.startswith("-") and not _RM_OPTIONS.match(w)) for w in program_words(rm)[1:]):
        raise CannotEdit("its rm removes more than the archive")
    if rm.script is not run.line:
        raise CannotEdit("its rm is inside a nested shell")
    edits = [delete_instruction(doc, copy), delete_command(run_inst, rm)]
    at = run_inst.logical.to_file(run_inst.command.args_span.start)
    edits.append(Edit.insert(at, f"--mount=type=bind,source={rel},target={path} "))
    return edits


def _mounts_allowed(ctx: RuleContext) -> bool:
    if any(code.startswith("SF6") for code in ctx.selected):
        return True
    if ctx.doc.directives.get("syntax"):
        return True  # syntax_problem has vetted it
    return any(f.name.lower() == "mount" for o in ctx.doc.instructions if o.effective.name == "RUN"
               for f in o.effective.flags)
