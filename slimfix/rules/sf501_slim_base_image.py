from __future__ import annotations

from typing import Iterable

from ..effects import Effect
from ..fixes import Applicability, Edit
from ..shell.packages import apt_subcommand
from ..syntax import Stage
from .base import Finding, Rule, RuleContext
from ..analysis.official_images import official_image
from ..analysis.slim_variants import slim_tag
from ..analysis.stages import descendants, hidden_fetch_failure, slim_would_lack

# What moving to musl costs, per image with an -alpine variant.
_MUSL_COST = {"python": "many wheels must be built", "ruby": "native gems must be built",
              "node": "native modules must be built"}
_ALPINE = set(_MUSL_COST)


class SlimBaseImage(Rule):
    """
    ## What it does
    Suggests the `-slim` variant for the final stage's base image when it is a full
    `python`, `node`, `ruby`, `openjdk` or `debian` image: `python:3.12` becomes
    `python:3.12-slim`, `node:20-bookworm` becomes `node:20-bookworm-slim`, `debian`
    becomes `debian:stable-slim`. Tags come from a table of the slim variants that exist
    (`slim_variants.py`); a tag with no entry there gets no suggestion. Where an
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
    Unsafe, applied only with `--unsafe-fixes`, and only to the final stage (build stages
    usually need the tools). Slim images lack curl, wget, unzip, git, compilers and `-dev`
    headers, so the swap is refused, with the reason in the note, when the stage uses one
    of these tools (in a RUN, a HEALTHCHECK, CMD or ENTRYPOINT) without installing it
    first; when it runs a step that may compile (`pip install` of anything but pip,
    setuptools and wheel, `npm`/`yarn`/`pnpm install`, `gem install`, `bundle install`,
    `python setup.py`) without installing a compiler first; when a RUN runs a script
    slimfix cannot read or a shell it cannot parse; and when a RUN pipes `curl` or `wget`
    into another program without pipefail (a missing tool would then go unnoticed). It
    never makes up a tag (`debian:slim` does not exist), never rewrites to Alpine (musl:
    many Python wheels must then be built from source), and leaves digests (`@sha256:`),
    variables and non-official images alone. An official image is recognised under every
    spelling (`docker.io/library/python`, `docker.io/python`, `index.docker.io/library/...`,
    `registry.docker.com/library/ruby`), and the tag keeps the spelling.
    It is refused too when the image's workload is not in the Dockerfile: a stage with no
    CMD or ENTRYPOINT that copies programs from another stage or image (into or from a
    `bin` or `sbin` folder, or a folder ENV PATH names: what they run, such as Hugo
    running `git`, cannot be seen),
    and a `debian` stage with no CMD or ENTRYPOINT, a base image for others (buildpack-deps'
    own curl variant is one), whose users expect the full image: the slim variant's dpkg
    filters (no documentation, manual pages or translations) would reach every image
    built FROM it. `buildpack-deps` itself, whose purpose is the full toolchain, has no
    slim variant, and gets no suggestion.
    """

    code = "SF501"
    name = "slim-base-image"
    effect = Effect("changes the base image to its -slim variant", base=True)
    summary = "Use the -slim variant of the final stage's base image"
    fix_safety = (Applicability.UNSAFE,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        if not doc.stages:
            return
        stage = doc.stages[-1]
        ref = stage.base
        official = official_image(ref)
        if official is None or official.digest or "$" in ref:
            return
        image, tag = official.name, official.tag
        new_tag = slim_tag(image, tag)
        if new_tag is None:
            return
        head = stage.from_
        args_start = head.command.args_span.start
        base_start = head.logical.to_file(args_start)
        base_end = head.logical.end_to_file(args_start + len(ref))
        new_ref = ref[: len(ref) - len(tag)] + new_tag if tag else f"{ref}:{new_tag}"
        message = f"{ref} is the full image: {image}:{new_tag} is much smaller"
        if image in _ALPINE and not _uses_apt(ctx, stage):
            version = tag.split("-", 1)[0] if tag and tag != "latest" else ""
            alpine = f"{version}-alpine" if version else "alpine"
            message += f" ({image}:{alpine} is smaller still, but musl-based: {_MUSL_COST[image]})"
        stages = descendants(doc, stage)
        reason = slim_would_lack(ctx, stages)
        if reason is None and (pipe := hidden_fetch_failure(ctx, stages)) is not None:
            reason = (f"line {pipe[0].start_line} pipes {pipe[1]} without pipefail: a tool the slim "
                      "image lacks would fail unnoticed")
        if reason is None:
            reason = _workload_not_in_file(stage, image)
        if reason is None and doc.text[base_start:base_end] != ref:  # `deb\` + newline + `ian`
            reason = "a line continuation splits the image name"
        at = (base_start, base_end)
        if reason is not None:
            yield self.not_fixed(head, message, reason, at=at)
            return
        yield self.finding(head, message, edits=[Edit(base_start, base_end, new_ref)], at=at)


def _uses_apt(ctx: RuleContext, stage: Stage) -> bool:
    for inst in stage.instructions:
        run = ctx.run(inst)
        if run is not None and any(apt_subcommand(c) for c in run.commands()):
            return True
    return False


_PROGRAM_DIRS = {"bin", "sbin"}


def _workload_not_in_file(stage: Stage, image: str) -> str | None:
    """Why the image's real workload is outside the Dockerfile, where slimfix cannot check
    it against what the slim image lacks: a stage without CMD or ENTRYPOINT (it is run with
    a command given at run time, or built FROM) that copies programs from other stages or
    images (into or from a `bin` folder, or a folder ENV PATH names; skaffold's docs image:
    the Hugo it copies runs `git`), or that is a Debian base
    image (buildpack-deps' curl variant): the slim variant's dpkg filters (no
    documentation, manual pages or translations) would reach every image built FROM it."""
    if any(i.keyword in ("CMD", "ENTRYPOINT") for i in stage.instructions):
        return None
    path_dirs = [d for i in stage.instructions if i.keyword == "ENV"
                 for name, value in zip(i.values()[0::3], i.values()[1::3]) if name == "PATH"
                 for d in value.split(":") if d.startswith("/")]
    for inst in stage.instructions:
        if inst.keyword not in ("COPY", "ADD") or not inst.command.flag("from"):
            continue
        paths = inst.values()
        dest = paths[-1].rstrip("/") if paths else ""
        on_path = dest.startswith("/") and any(d == dest or d.startswith(dest + "/") for d in path_dirs)
        if on_path or any(part in _PROGRAM_DIRS for p in paths for part in p.split("/")):
            return (f"line {inst.start_line} copies programs from another stage or image, and the stage has no "
                    "CMD or ENTRYPOINT: what runs them, and what they run (git, curl, a compiler), is not in the "
                    "Dockerfile")
    if image == "debian":
        return ("the stage has no CMD or ENTRYPOINT: a Debian base image for others (buildpack-deps and the "
                "like), whose users expect the full image; the slim variant's dpkg filters (no documentation, "
                "manual pages or translations) would reach every image built FROM it")
    return None
