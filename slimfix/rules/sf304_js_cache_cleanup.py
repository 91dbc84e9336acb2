from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from ..analysis.cache_warming import installs_into_writable_bind_mount
from .common.cleanup import missing_cleanup, run_text
from .common.cache_mounts import mount_takes_over
from ..analysis.mounts import cache_mount_targets
from ..managers import npm, yarn
from ..managers.yarn import yarn_flavour

_NPM = npm.CACHE_CLEAN
_YARN = yarn.CACHE_CLEAN


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
    cache; and when the cache is the point: a RUN commented as warming or priming a cache
    (or running `npm cache add`, or installing inside a read-write bind mount, whose files
    are thrown away with the mount), and Yarn Berry (2 and later: `.yarnrc.yml`,
    `.yarn/releases`, `packageManager: yarn@2+`, a Berry `yarn.lock`), whose Plug'n'Play
    installation lives in its cache, so that cleaning it breaks the app at run time.
    When the build context cannot be read, or shows neither Yarn 1 nor Berry, `yarn cache
    clean` is reported but not added. A BuildKit cache mount
    (`RUN --mount=type=cache,target=/root/.npm`) keeps the cache out of the image and
    between builds: prefer it where BuildKit is used.
    When the install runs through `sudo`, the cleanup runs through the same
    words (`sudo`, `sudo -E -H`): under a non-root USER a plain cleanup would fail or
    clean another user's cache. When some of them run through it and some do not, the
    finding is reported without a fix.
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent: its cache is
    thrown away with the stage.
    """

    code = "SF304"
    triggers = ("npm", "yarn")
    name = "js-cache-cleanup"
    effect = Effect("removes the npm or yarn download cache",
                    removes=("~/.npm/_cacache/**", "~/.cache/yarn/**", "/usr/local/share/.cache/yarn/**"))
    summary = "Clean the npm or yarn cache in the RUN that installs"
    hadolint = ("DL3060",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        flavour = None
        for finding in missing_cleanup(
                self, ctx, _needs,
                lambda inst, cleanup: _cleaned(inst, cleanup) or installs_into_writable_bind_mount(ctx, inst)
                or mount_takes_over(ctx, inst, "SF603")
                or (cleanup == _YARN and yarn_flavour(ctx) == "berry"),
                "dependency install without `{cleanup}` leaves the download cache in the layer",
                looks_like={_NPM: re.compile(r"\bnpm\s+(ci|install|i)\b"),
                            _YARN: re.compile(r"\byarn\s+install\b")}):
            if finding.fix is not None and _YARN in finding.message:
                flavour = flavour or yarn_flavour(ctx)
                if flavour == "unknown":
                    finding = dataclasses.replace(finding, fix=None, not_fixed=(
                        "without the build context's package.json, yarn.lock or "
                        ".yarnrc.yml, Yarn 1 cannot be told from Yarn Berry, whose Plug'n'Play "
                        "installation is its cache"))
            yield finding


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
