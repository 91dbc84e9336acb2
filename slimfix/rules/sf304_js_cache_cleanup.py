from __future__ import annotations

import re
from typing import Iterable

from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .common.cleanup import missing_cleanup, run_text
from .common.guards import cache_mount_targets

_NPM = "npm cache clean --force"
_YARN = "yarn cache clean"


class JsCacheCleanup(Rule):
    """
    ## What it does
    Appends `yarn cache clean` to a RUN that runs `yarn install` (or a bare `yarn`), and
    `npm cache clean --force` to one that runs `npm install` or `npm ci`, when the RUN
    does not clean the cache itself.

    ## Why is this bad?
    npm keeps every downloaded tarball in `~/.npm/_cacache` and yarn in its global cache
    folder. Nothing in the image reuses them, but they are stored in the layer, often as
    large as `node_modules`.

    ## Example
    ```dockerfile
    RUN yarn install --frozen-lockfile
    ```

    ## Use instead
    ```dockerfile
    RUN yarn install --frozen-lockfile && yarn cache clean
    ```

    ## Fix safety
    Safe: the cleanup goes into the same RUN, after its chain, in the file's style. The
    rule is silent when the RUN already cleans the cache or removes it, sets its own cache
    folder (`--cache`, `--cache-folder`), or has a cache or tmpfs mount of npm's or yarn's
    cache. A BuildKit cache mount (`RUN --mount=type=cache,target=/root/.npm`) keeps the
    cache out of the image and between builds: prefer it where BuildKit is used.
    """

    code = "SF304"
    name = "js-cache-cleanup"
    summary = "Clean the npm or yarn cache in the RUN that installs"
    hadolint = ("DL3060",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return missing_cleanup(self, ctx, _needs, _cleaned,
                               "dependency install without `{cleanup}` leaves the download cache in the layer",
                               looks_like={_NPM: re.compile(r"\bnpm\s+(ci|install|i)\b"),
                                           _YARN: re.compile(r"\byarn\s+install\b")})


def _needs(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or any(a is None for a in argv):
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    if any(a.startswith(("--cache", "--cache-folder")) for a in args):
        return None
    words = [a for a in args if not a.startswith("-")]
    if prog == "npm" and words[:1] and words[0] in ("install", "i", "ci", "clean-install"):
        return _NPM
    if prog == "yarn" and (not words or words[0] in ("install", "add")) and "--version" not in args:
        return _YARN
    return None


def _cleaned(inst: Instruction, cleanup: str) -> bool:
    text = run_text(inst)
    if cleanup == _NPM:
        caches = ("/root/.npm", "~/.npm", ".npm/_cacache")
        return "npm cache clean" in text or any(c in text for c in caches) or any(
            ".npm" in t for t in cache_mount_targets(inst))
    caches = ("/usr/local/share/.cache/yarn", ".cache/yarn", ".yarn/cache", ".yarn-cache")
    return "yarn cache clean" in text or any(c in text for c in caches) or any(
        "yarn" in t for t in cache_mount_targets(inst))
