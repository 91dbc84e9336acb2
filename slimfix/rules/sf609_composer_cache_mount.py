from __future__ import annotations

import re

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import composer
from .common.cache_mounts import (CacheMountRule, Plan, Refusal, assigned, home_of, option_tokens, removes_only,
                                  user_cache)
from ..analysis.variables import env_set, variables_at
from ..analysis.official_images import hub_image
from ..analysis.stages import ancestors

_INSTALLS = {"install", "i", "update", "u", "upgrade", "require", "r", "create-project", "reinstall"}
_CLEARS = {"clear-cache", "clearcache", "cc"}
# The official composer image (and composer/composer) sets COMPOSER_HOME=/tmp, so that any
# user can write there (composer/docker#13): the cache is then /tmp/cache.
IMAGE_HOME = "/tmp"


def _rest(cmd: SimpleCommand) -> list[str | None] | None:
    """The words after ``composer`` (``composer.phar``, ``php composer.phar``), or None."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    if prog in ("composer", "composer.phar"):
        return argv[1:]
    if re.match(r"^php[\d.]*$", prog) and len(argv) > 1 and (argv[1] or "").endswith("composer.phar"):
        return argv[2:]
    return None


def _verb(cmd: SimpleCommand) -> str | None:
    rest = _rest(cmd)
    if rest is None:
        return None
    words = [w for w in rest if w is None or not w.startswith("-")]
    return words[0] if words else None


class ComposerCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts Composer's cache into a RUN that runs
    `composer install` (`update`, `require`, `create-project`; `composer.phar` and
    `php composer.phar` too): at `$COMPOSER_CACHE_DIR`, else `$COMPOSER_HOME/cache`, when
    the Dockerfile sets it, or `/tmp/cache` in a stage built from the official `composer`
    image (which sets `COMPOSER_HOME=/tmp`); with `uid=` (and `gid=`) for a non-root USER.
    `--no-cache`, which keeps the mount empty, is removed, and so are `composer clear-cache`
    and an `rm -rf` of the cache chained with `&&`.

    ## Why is this bad?
    Without a cache mount every rebuild of the install step downloads every package again:
    one new requirement in `composer.json` fetches the whole `vendor` tree. A cache mount
    keeps the archives and the repository metadata on the build machine, out of the image.

    ## Example
    ```dockerfile
    FROM composer:2
    RUN composer install --no-dev --no-cache
    ```

    ## Use instead
    ```dockerfile
    FROM composer:2
    RUN --mount=type=cache,target=/tmp/cache composer install --no-dev
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it (older Docker needs `# syntax=docker/dockerfile:1`, which slimfix never adds).
    No fix is offered (the finding is still reported) when neither `COMPOSER_CACHE_DIR` nor
    `COMPOSER_HOME` is known: Composer then uses `~/.composer/cache` or
    `~/.cache/composer` depending on whether the image has `/etc/xdg` or sets an `XDG_`
    variable, which the Dockerfile does not tell (set `COMPOSER_CACHE_DIR` with ENV to
    get the fix); when either is set on the command or from a value slimfix cannot read,
    or `COMPOSER_CACHE_DIR` is `/dev/null`; when the user that runs the RUN or its uid is
    not known from the Dockerfile, or, for a non-root user, the cache is not directly under
    its created home or a directory every image has (the builder would create the missing
    parents owned by root); when a later `COPY --from` takes the cache from the stage; when
    the RUN is commented as warming a cache; when its shell or heredoc cannot be read; and
    under a `# syntax=` older than 1.2. Silent on Windows images, for exec-form RUNs and
    ONBUILD triggers, and when the RUN already mounts a Composer cache.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `COMPOSER_DISABLE_NETWORK` without a command before it in the RUN
    that downloads), which on an empty cache mount fails; when an earlier step of the stage,
    or of a stage it is built from, filled the cache folder without a mount (a RUN this rule
    does not mount, a COPY into it): the mount would hide what it stored; when the cache
    folder's name has characters BuildKit's `--mount` reading would split (spaces, commas,
    quotes).
    """

    code = "SF609"
    triggers = ("composer",)
    name = "composer-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep Composer's package cache in a BuildKit cache mount between builds"
    message = "composer downloads every package again on each rebuild of this step: mount its cache"
    mount_markers = composer.MOUNT_MARKERS
    offline_env = composer.OFFLINE_ENV
    cache_off_options = composer.CACHE_OFF_OPTIONS
    looks_like = composer.LOOKS_LIKE

    def wants(self, cmd: SimpleCommand) -> bool:
        return _verb(cmd) in _INSTALLS

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        for cmd in commands:
            if assigned(cmd, "COMPOSER_CACHE_DIR") or assigned(cmd, "COMPOSER_HOME"):
                return Refusal("the cache directory is set on the command")
        if env_set(ctx, inst, "COMPOSER_CACHE_DIR"):
            if variables_at(ctx.doc, inst).get("COMPOSER_CACHE_DIR") == "/dev/null":
                return Refusal("COMPOSER_CACHE_DIR is /dev/null: the cache is turned off")
            mount = user_cache(ctx, inst, "", env="COMPOSER_CACHE_DIR")
        elif env_set(ctx, inst, "COMPOSER_HOME"):
            mount = user_cache(ctx, inst, "", env="COMPOSER_HOME", env_suffix="/cache")
        elif _from_composer_image(ctx, inst):
            mount = user_cache(ctx, inst, "", explicit=f"{IMAGE_HOME}/cache")
        else:
            return Refusal("neither COMPOSER_CACHE_DIR nor COMPOSER_HOME is set, and Composer then picks "
                           "~/.composer/cache or ~/.cache/composer by what the image holds (/etc/xdg): set "
                           "COMPOSER_CACHE_DIR with ENV")
        if isinstance(mount, Refusal):
            return mount
        plan = Plan([mount])
        for cmd in commands:
            plan.options += [(cmd, t) for t in option_tokens(cmd, "--no-cache")]
        home = home_of(ctx, inst)
        for cmd in run.commands():
            if removes_only(cmd, "rm", [mount.target], home) or _verb(cmd) in _CLEARS:
                plan.cleanups.append(cmd)
        return plan


def _from_composer_image(ctx: RuleContext, inst: Instruction) -> bool:
    stage = ctx.doc.stage_of(inst)
    image = hub_image(ancestors(ctx.doc, stage)[-1].base) if stage is not None else None
    return image is not None and image.name in ("composer", "composer/composer")
