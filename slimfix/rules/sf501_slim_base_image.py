from __future__ import annotations

import re
from typing import Iterable

from ..fixes import Applicability, Edit
from ..shell.packages import apt_subcommand
from ..syntax import Stage
from .base import Finding, Rule, RuleContext

# image -> where "-slim" goes in the tag: "version" (python:3.12-slim-bookworm) or "end"
# (node:20-bookworm-slim, debian:bookworm-slim).
_SLIM = {"python": "version", "ruby": "version", "node": "end", "debian": "end", "openjdk": "end"}
_ALPINE = {"python", "ruby", "node"}
_NOT_FULL = re.compile(r"slim|alpine|windowsservercore|nanoserver|distroless|buster|stretch|jessie", re.I)


def slim_tag(image: str, tag: str) -> str | None:
    """The slim variant of ``image:tag``, or None when there is none to suggest."""
    where = _SLIM.get(image)
    if where is None or _NOT_FULL.search(tag):
        return None
    if image == "openjdk" and "-" in tag:
        return None
    if tag in ("", "latest"):
        return "slim"
    if where == "end" or "-" not in tag:
        return f"{tag}-slim"
    version, _, distro = tag.partition("-")
    return f"{version}-slim-{distro}"


class SlimBaseImage(Rule):
    """
    ## What it does
    Suggests the `-slim` variant for the final stage's base image when it is a full
    `python`, `node`, `ruby`, `openjdk` or `debian` image: `python:3.12` becomes
    `python:3.12-slim`, `node:20-bookworm` becomes `node:20-bookworm-slim`. Where an
    `-alpine` variant exists and the stage uses no apt, the message mentions it too.

    ## Why is this bad?
    The full images carry compilers, headers, documentation and hundreds of libraries
    for building software: `python:3.12` is about 1 GB, `python:3.12-slim` about 150 MB.
    A final image rarely needs them.

    ## Example
    ```dockerfile
    FROM python:3.12
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ```

    ## Fix safety
    Unsafe: slim images lack compilers and headers, so a `pip install` that builds a
    native extension, or a program that expects a tool of the full image, can fail. The
    fix is applied only with `--unsafe-fixes`, and only to the final stage (build stages
    usually need the tools). It never rewrites to Alpine (musl: many Python wheels must
    then be built from source), and leaves digests (`@sha256:`), variables and
    non-official images alone.
    """

    code = "SF501"
    name = "slim-base-image"
    summary = "Use the -slim variant of the final stage's base image"
    fix_safety = Applicability.UNSAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        if not doc.stages:
            return
        stage = doc.stages[-1]
        ref = stage.base
        m = re.fullmatch(r"(?:(?:docker\.io/)?library/)?([a-z0-9._-]+)(?::([A-Za-z0-9._-]+))?", ref)
        if not m or "$" in ref:
            return
        image, tag = m.group(1), m.group(2) or ""
        new_tag = slim_tag(image, tag)
        if new_tag is None:
            return
        head = stage.from_
        args_start = head.command.args_span.start
        base_start = head.logical.to_file(args_start)
        base_end = head.logical.end_to_file(args_start + len(ref))
        new_ref = ref.rsplit(":", 1)[0] + ":" + new_tag if tag else f"{ref}:{new_tag}"
        message = f"{ref} is the full image: {image}:{new_tag} is much smaller"
        if image in _ALPINE and not _uses_apt(ctx, stage):
            version = tag.split("-", 1)[0] if tag and tag != "latest" else ""
            alpine = f"{version}-alpine" if version else "alpine"
            message += f" ({image}:{alpine} is smaller still, but musl-based: many wheels must be built)"
        if doc.text[base_start:base_end] != ref:  # `deb\` + newline + `ian`: a continuation inside it
            yield self.finding(head, message, note="not fixed: a line continuation splits the image name")
            return
        yield self.finding(head, message, edits=[Edit(base_start, base_end, new_ref)])


def _uses_apt(ctx: RuleContext, stage: Stage) -> bool:
    for inst in stage.instructions:
        run = ctx.run(inst)
        if run is not None and any(apt_subcommand(c) for c in run.commands()):
            return True
    return False
