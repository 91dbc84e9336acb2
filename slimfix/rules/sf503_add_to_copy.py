from __future__ import annotations

import re
from typing import Iterable

from ..effects import NO_FILE_CHANGE
from ..fixes import Edit
from .base import Finding, Rule, RuleContext

_ARCHIVE = re.compile(r"\.(tar|tgz|tbz2?|txz|tzst|tlz|gz|bz2|xz|zst|lz4|lzma|z|Z)$", re.I)
_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.I)
_ADD_ONLY_FLAGS = {"checksum", "keep-git-dir", "unpack"}


class AddToCopy(Rule):
    """
    ## What it does
    Replaces `ADD` with `COPY` when every source is a local file or directory that is
    not an archive.

    ## Why is this bad?
    `ADD` does more than copy: it downloads URLs, clones git repositories and unpacks
    local tar archives. Using it for plain files hides intent, and a file that later
    becomes an archive is unpacked by surprise. `COPY` says what it does.

    ## Example
    ```dockerfile
    ADD requirements.txt /app/
    ```

    ## Use instead
    ```dockerfile
    COPY requirements.txt /app/
    ```

    ## Fix safety
    Safe: only the keyword changes, keeping its case and every flag. Never applied when a
    source is an archive (`.tar`, `.tar.gz`, `.tgz`, `.xz`, ...), a URL or a git source,
    uses a wildcard or a variable (it could match an archive), or when ADD-only flags
    (`--checksum`, `--keep-git-dir`, `--unpack`) are present.
    """

    code = "SF503"
    triggers = ("add",)
    name = "add-to-copy"
    effect = NO_FILE_CHANGE
    summary = "Use COPY, not ADD, for local files that are not archives"
    hadolint = ("DL3020",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for inst in ctx.doc.instructions:
            cmd = inst.command
            if cmd.name != "ADD" or any(f.name.lower() in _ADD_ONLY_FLAGS for f in cmd.flags):
                continue
            values = inst.values()
            sources = values[:-1] if not inst.heredocs else []
            if not inst.heredocs and not sources:
                continue
            if any(_REMOTE.match(s) or _ARCHIVE.search(s) or re.search(r"[*?\[$]", s) for s in sources):
                continue
            start = inst.logical.to_file(cmd.keyword_span.start)
            end = inst.logical.end_to_file(cmd.keyword_span.end)
            if end - start != len(cmd.keyword):  # `AD\` + newline + `D`: a continuation inside it
                yield self.not_fixed(inst, "ADD of local files: use COPY", "a line continuation splits the keyword")
                continue
            new = "copy" if cmd.keyword.islower() else "COPY"
            yield self.finding(inst, "ADD of local files: use COPY",
                               edits=[Edit(start, start + len(cmd.keyword), new)])
