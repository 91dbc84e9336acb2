from __future__ import annotations

from typing import Iterable

from ..edits import CannotEdit, block_text, end_with_blank_collapsed, leading_comments_start
from ..effects import NO_FILE_CHANGE
from ..fixes import Edit
from ..syntax import Instruction
from ..syntax.nodes import LineKind
from .base import Finding, Rule, RuleContext
from ..analysis.context_copy import absolute_dest, commutes_with_context_copy, context_copy, referenced_names

# Where system packages install files: a copy there must keep its place relative to them.
_SYSTEM_DIRS = ("/etc", "/usr", "/var", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/boot")
_SAFE_UNDER_SYSTEM = ("/usr/src/",)


class SinkContextCopy(Rule):
    """
    ## What it does
    Finds a COPY (or ADD) of the whole build context, `COPY . <dest>`, followed by
    instructions that cannot depend on the copied files, and moves the COPY below them.
    Those are LABEL, EXPOSE, USER, STOPSIGNAL, HEALTHCHECK, ENV and ARG that the COPY
    does not reference, and RUNs that only install system packages (apt-get, apt, apk,
    dnf, yum, microdnf, zypper) or create users and groups.

    ## Why is this bad?
    Any change to any file in the build context invalidates `COPY . .`, and with it
    every instruction after it. Installing system packages after the source copy means
    they are downloaded and installed again on every build, for every code edit.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
    EXPOSE 8000
    CMD ["python", "app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
    EXPOSE 8000
    COPY . .
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    Safe: the COPY moves only past the instructions listed above, together with the
    comment lines directly above it. It stops at any other RUN, at COPY and ADD (the order
    of overlapping copies matters), WORKDIR, VOLUME, SHELL, CMD, ENTRYPOINT, ONBUILD and
    the end of the stage; at an ENV or ARG whose name the COPY uses; and at a RUN with a
    bind mount, a heredoc, or package names that look like local files. A RUN that may
    read or write the copied tree stops it too, even when it runs only whitelisted
    commands: any redirection to or from a file (`echo x >> config.ini` would lose its
    line under the moved COPY, `cmd < file` would fail), and `useradd`/`adduser`/`usermod`
    whose home directory (`-d`, `--home`, or `/home/NAME` by default) is or contains the
    destination (`useradd -m -d /app app` would no longer own `/app`). `tee`, `sed -i`,
    `mkdir`, `touch`, `chown`, `chmod`, `ln`, `cp` and `mv` are not whitelisted. A COPY into `/`
    (as `COPY . .` without a WORKDIR does) or a system directory (`/etc`, `/usr` except
    `/usr/src`, `/var`, `/lib`, ...) is never moved: packages installed after it could
    overwrite it, or it them. Neither is a COPY whose destination depends on a variable.
    """

    code = "SF202"
    triggers = ("copy", "add")
    name = "sink-context-copy"
    effect = NO_FILE_CHANGE
    summary = "Move COPY . below the instructions that do not need the source tree"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        for inst in doc.instructions:
            copy = context_copy(inst)
            if copy is None:
                continue
            dest = absolute_dest(doc, inst, copy.dest)
            if _system_dest(dest):
                continue
            names = referenced_names(inst.text)
            crossed: list[Instruction] = []
            for nxt in doc.instructions[inst.index + 1 :]:
                if nxt.stage != inst.stage or not commutes_with_context_copy(ctx, nxt, names, dest):
                    break
                crossed.append(nxt)
            if crossed and _open_continuation(doc, crossed[-1]):
                crossed.pop()  # text put after it would continue it
            if not crossed:
                continue
            last = crossed[-1]
            following = doc.instructions[last.index + 1] if last.index + 1 < len(doc.instructions) else None
            move_from = leading_comments_start(doc, inst)
            moved = block_text(doc, move_from, inst)
            if following is not None and following.stage == inst.stage:
                insert = Edit.insert(leading_comments_start(doc, following), moved)
            else:
                # the stage ends here: go right after the last instruction crossed (which
                # has no line break when it ends the file)
                if last.text.endswith("\n"):
                    insert = Edit.insert(last.span.end, moved)
                else:
                    insert = Edit.insert(last.span.end, doc.newline + moved.rstrip("\r\n"))
            count = f"{len(crossed)} instruction{'s' if len(crossed) != 1 else ''}"
            message = (f"COPY of the whole context invalidates the {count} after it on every source edit; "
                       f"move it below line {last.start_line}")
            try:
                edits = [Edit.delete(move_from, end_with_blank_collapsed(doc, move_from, inst)), insert]
            except CannotEdit as exc:
                yield self.not_fixed(inst, message, exc, end=last.lines[0].content_end)
                continue
            yield self.finding(inst, message, edits=edits, end=last.lines[0].content_end)


def _open_continuation(doc, inst: Instruction) -> bool:
    """The file ends inside this instruction's continuation (`ENV A=1 \\` and no more)."""
    if inst.span.end != len(doc.text) or not inst.lines or inst.lines[-1].kind is LineKind.HEREDOC_END:
        return False
    code = [line for line in inst.lines if line.kind is LineKind.CODE]
    if not code:
        return False
    content = doc.text[code[-1].span.start : code[-1].content_end]
    return content.rstrip(" \t").endswith(doc.escape)


def _system_dest(dest: str | None) -> bool:
    """True for ``/`` and system directories, and when the destination is unknown."""
    if dest is None or dest == "/":
        return True
    if dest.startswith(_SAFE_UNDER_SYSTEM):
        return False
    return any(dest == s or dest.startswith(s + "/") for s in _SYSTEM_DIRS)
