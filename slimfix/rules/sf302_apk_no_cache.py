from __future__ import annotations

import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand, Token
from ..shell.packages import program_words, subcommand_token
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .common.cache_mounts import mount_takes_over
from ..analysis.cache_warming import warms_cache
from ..analysis.mounts import mounted
from .common.options import has_word, missing_option


class ApkNoCache(Rule):
    """
    ## What it does
    Adds `--no-cache` to `apk add`.

    ## Why is this bad?
    Without it, apk keeps the package index and downloaded packages under
    `/var/cache/apk`, and they are stored in the layer for good.

    ## Example
    ```dockerfile
    RUN apk add curl
    ```

    ## Use instead
    ```dockerfile
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    Safe: `--no-cache` fetches the index on the fly and keeps nothing. The rule is silent
    under a cache or tmpfs mount of `/var/cache/apk` (or `/etc/apk/cache`) and when the RUN
    removes `/var/cache/apk` itself, and for `apk add --no-network`, which downloads nothing
    (so keeps nothing new) and installs from what is already there: `--no-cache` would
    hide the cache it installs from. With `--no-cache`, a separate `apk update` is no longer
    needed; the rule leaves it in place.
    It is also silent on a RUN that is there to fill the cache (commented as warming or
    priming one).
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent: its cache is
    thrown away with the stage.
    """

    code = "SF302"
    triggers = ("apk",)
    name = "apk-no-cache"
    effect = Effect("removes apk's index and package cache", removes=("/var/cache/apk/**", "/etc/apk/cache/**"))
    summary = "Install Alpine packages without keeping apk's cache"
    hadolint = ("DL3019",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return missing_option(self, ctx, _apk_add, "--no-cache",
                              "apk add without --no-cache keeps apk's cache in the layer",
                              exempt=lambda inst: _exempt(inst) or warms_cache(ctx, inst) or mount_takes_over(ctx, inst, "SF605"),
                              looks_like=re.compile(r"\bapk\s+(-\S+\s+)*add\b"), image_only=True)


def _apk_add(cmd: SimpleCommand) -> Token | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "apk":
        return None
    if has_word(cmd, "--no-cache", "--cache-dir", "--no-network"):
        return None  # `--no-network` downloads nothing, and installs from the cache `--no-cache` hides
    return subcommand_token(cmd, {"add"})


def _exempt(inst: Instruction) -> bool:
    if mounted(inst, "/var/cache/apk", "/etc/apk/cache"):
        return True
    return "/var/cache/apk" in inst.effective.args + "".join(h.content for h in inst.heredocs)
