from __future__ import annotations

import re

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import npm, pnpm, yarn
from .common.cache_mounts import (CacheMountRule, Mount, Plan, Refusal, assigned, fixed_values, option_value,
                                  removes_only, user_cache)
from ..analysis.variables import env_set, variables_at
from ..managers.yarn import berry_major, berry_settings, yarn_flavour

_NPM_INSTALLS = {"install", "i", "ci", "clean-install", "add", "update", "install-clean"}
_PNPM_INSTALLS = {"install", "i", "add", "fetch", "update", "up"}


def _manager(cmd: SimpleCommand) -> str | None:
    """``npm``, ``yarn`` or ``pnpm`` for an install with that manager."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    words = [a for a in argv[1:] if a is None or not a.startswith("-")]
    if prog == "npm" and words[:1] and words[0] in _NPM_INSTALLS:
        return "npm"
    if prog == "yarn" and (not words or words[0] in ("install", "add")) and "--version" not in argv:
        return "yarn"
    if prog == "pnpm" and words[:1] and words[0] in _PNPM_INSTALLS:
        return "pnpm"
    return None


_ABSENT = object()  # a setting neither the environment nor .yarnrc.yml gives


def _berry_setting(ctx: RuleContext, inst: Instruction, settings: dict[str, str | None], key: str,
                   env: str) -> object:
    """``key`` of .yarnrc.yml, or the ``YARN_*`` variable the Dockerfile sets, which wins
    over the file; None when it is set to a value slimfix cannot read."""
    if env_set(ctx, inst, env):
        return fixed_values(ctx, inst).get(env)
    return settings.get(key, _ABSENT) if key in settings else _ABSENT


def _berry_mount(ctx: RuleContext, inst: Instruction, cmd: SimpleCommand) -> Mount | Refusal:
    """Yarn Berry's global cache (``globalFolder/cache``, ``~/.yarn/berry/cache`` by
    default), only for a project whose linker installs into node_modules: Plug'n'Play
    runs the packages from the cache, which a mount would take out of the image."""
    found = berry_settings(ctx, inst)
    if isinstance(found, str):
        return Refusal(found)
    project, settings = found
    for name in ("YARN_NODE_LINKER", "YARN_ENABLE_GLOBAL_CACHE", "YARN_GLOBAL_FOLDER", "YARN_CACHE_FOLDER"):
        if assigned(cmd, name):
            return Refusal(f"{name} is set on the command")
    linker = _berry_setting(ctx, inst, settings, "nodeLinker", "YARN_NODE_LINKER")
    if linker is _ABSENT or linker == "pnp":
        return Refusal("Yarn Berry installs with Plug'n'Play (no `nodeLinker: node-modules` in .yarnrc.yml), "
                       "which keeps the installed packages in its cache: a mount would take them out of the image")
    if linker != "node-modules":
        return Refusal(f"nodeLinker is {linker or 'a value slimfix cannot read'}: only node-modules keeps the "
                       "installation out of Yarn's cache")
    build = ctx.build_context
    if build is not None and build.is_dir((f"{project}/" if project else "") + ".yarn/cache"):
        return Refusal("the project commits its cache (.yarn/cache, zero-installs): Yarn installs from the "
                       "project's tree, not from a cache a mount could keep")
    enabled = _berry_setting(ctx, inst, settings, "enableGlobalCache", "YARN_ENABLE_GLOBAL_CACHE")
    if enabled is _ABSENT:
        major = berry_major(ctx, project, settings)
        if major is None:
            return Refusal("Yarn Berry's version is not known (packageManager in package.json, yarnPath): "
                           "only Yarn 4 keeps its cache out of the project (enableGlobalCache) by default")
        enabled = "true" if major >= 4 else f"false (Yarn {major}'s default)"
    if not isinstance(enabled, str) or enabled.split(" ")[0] not in ("true", "false", "1", "0"):
        return Refusal("enableGlobalCache is set to a value slimfix cannot read")
    if enabled.split(" ")[0] in ("false", "0"):
        why = enabled.partition(" ")[2]
        return Refusal(f"enableGlobalCache is off{' ' + why if why else ''}: Yarn Berry keeps its cache in the "
                       "project (cacheFolder, .yarn/cache by default), in the image's tree")
    if "XDG_DATA_HOME" in variables_at(ctx.doc, inst):
        return Refusal("XDG_DATA_HOME is set: Yarn Berry's global folder follows it")
    folder = _berry_setting(ctx, inst, settings, "globalFolder", "YARN_GLOBAL_FOLDER")
    if folder is _ABSENT:
        return user_cache(ctx, inst, ".yarn/berry/cache")
    if not isinstance(folder, str) or not folder.startswith("/"):
        return Refusal("Yarn's globalFolder is not an absolute path slimfix can read")
    return user_cache(ctx, inst, "", explicit=folder.rstrip("/") + "/cache")


class JsCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts the package cache into a RUN that installs with npm
    (`npm ci`, `npm install`), Yarn (`yarn install`, `yarn`) or pnpm (`pnpm install`,
    `pnpm fetch`): npm's `~/.npm` (or `npm_config_cache`, `--cache`), Yarn 1's
    `/usr/local/share/.cache/yarn` for root and `~/.cache/yarn` for other users (or
    `YARN_CACHE_FOLDER`, `--cache-folder`), Yarn Berry's global cache `~/.yarn/berry/cache`
    (`globalFolder/cache`, `YARN_GLOBAL_FOLDER`) for a project whose `.yarnrc.yml`, read from
    the build context and copied into the image before the install, says
    `nodeLinker: node-modules` and whose cache is global (`enableGlobalCache`, on by default
    from Yarn 4), pnpm's store at `$PNPM_HOME/store` (or
    `npm_config_store_dir`, `--store-dir`), for the USER that runs the RUN (`uid=` for a
    non-root user). `npm cache clean --force`, `yarn cache clean` and an `rm -rf` of the
    cache chained with `&&` are removed: they would empty the mount. SF304 does not add its
    cleanup to a RUN this rule mounts.

    ## Why is this bad?
    Without a cache mount every rebuild of the install step downloads every package again:
    one new dependency in `package.json` fetches the whole tree. A cache mount keeps the
    tarballs on the build machine, out of the image.

    ## Example
    ```dockerfile
    RUN npm ci && npm cache clean --force
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/root/.npm npm ci
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it. No fix is offered (the finding is still reported) for Yarn Berry (2 and
    later) with Plug'n'Play (no `nodeLinker`, or `pnp`; also when the `.yarnrc.yml` is not
    copied before the install), whose installation lives in its cache and would leave the
    image with the mount; for Berry with a cache in the project (`enableGlobalCache: false`,
    the default before Yarn 4, or a version slimfix cannot tell; a committed `.yarn/cache`
    of zero-installs), which is the project's tree and no download cache; for a
    `YARN_*` setting or `XDG_DATA_HOME` slimfix cannot read; and when the build context
    does not tell Yarn 1 from Berry; for pnpm when its store directory is not set
    (`PNPM_HOME`, `npm_config_store_dir` or `--store-dir`): pnpm moves the default store next
    to the project when it is on another filesystem, which would put it in the image; when
    the user that runs the RUN, its uid or the cache directory is not known from the
    Dockerfile; for a non-root user, when the cache is not directly under its home (created
    by the Dockerfile, or the node image's `node`) or a directory every image has: the
    builder creates missing parents of a mount target owned by root, and they stay; when a later `COPY --from` takes the cache from the stage; when the RUN is
    commented as warming a cache; when its shell or heredoc cannot be read; and under a
    `# syntax=` older than 1.2. Silent on Windows images, for exec-form RUNs and ONBUILD
    triggers, and when the RUN already has a cache mount of the manager's cache.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `--offline`, `npm_config_offline` or `YARN_ENABLE_OFFLINE_MODE`
    without a command before it in the RUN that downloads), which on an empty cache mount
    fails; when an earlier step of the stage, or of a stage it is built from, filled the
    cache folder without a mount (a RUN this rule does not mount, a COPY into it): the mount
    would hide what it stored; when the cache folder's name has characters BuildKit's
    `--mount` reading would split (spaces, commas, quotes). On a base image other than the
    official ones, which may set HOME, XDG_CACHE_HOME or the tool's own cache variable, only
    a cache folder the Dockerfile names (ENV, an option of the command) is mounted.
    """

    code = "SF603"
    triggers = ("npm", "yarn", "pnpm")
    name = "js-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep npm's, Yarn's and pnpm's package cache in a BuildKit cache mount between builds"
    message = "the install downloads every package again on each rebuild of this step: mount the package cache"
    mount_markers = npm.MOUNT_MARKERS + yarn.MOUNT_MARKERS + pnpm.MOUNT_MARKERS
    offline_options = npm.OFFLINE_OPTIONS
    offline_env = {**npm.OFFLINE_ENV, **yarn.OFFLINE_ENV}
    looks_like = re.compile(r"\b(npm\s+(ci|install|i)|yarn(\s+install)?|pnpm\s+(install|i|fetch))\b")

    def wants(self, cmd: SimpleCommand) -> bool:
        return _manager(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        plan = Plan([])
        for cmd in commands:
            manager = _manager(cmd)
            if manager == "npm":
                present, value = option_value(cmd, "--cache")
                env = "npm_config_cache" if env_set(ctx, inst, "npm_config_cache") else "NPM_CONFIG_CACHE"
                mount = user_cache(ctx, inst, ".npm", env=env, explicit=value)
            elif manager == "yarn":
                flavour = yarn_flavour(ctx)
                if flavour == "berry":
                    mount = _berry_mount(ctx, inst, cmd)
                    if isinstance(mount, Refusal):
                        return mount
                    if mount not in plan.mounts:
                        plan.mounts.append(mount)
                    continue
                if flavour != "classic":
                    return Refusal("without the build context's package.json, yarn.lock or .yarnrc.yml, Yarn 1 "
                                   "cannot be told from Yarn Berry, whose installation is its cache")
                present, value = option_value(cmd, "--cache-folder")
                from ..analysis.users import image_environment_unknown, run_user

                user = run_user(ctx, inst)
                rel = ".cache/yarn"
                if not isinstance(user, str) and user.root and "XDG_CACHE_HOME" not in variables_at(ctx.doc, inst) \
                        and not env_set(ctx, inst, "YARN_CACHE_FOLDER") and image_environment_unknown(ctx, inst) is None:
                    value = value or "/usr/local/share/.cache/yarn"
                mount = user_cache(ctx, inst, rel, env="YARN_CACHE_FOLDER", xdg="yarn", explicit=value)
            else:
                present, value = option_value(cmd, "--store-dir")
                if value is None and not present:
                    if env_set(ctx, inst, "npm_config_store_dir"):
                        mount = user_cache(ctx, inst, "", env="npm_config_store_dir")
                    elif env_set(ctx, inst, "PNPM_HOME"):
                        mount = user_cache(ctx, inst, "", env="PNPM_HOME", env_suffix="/store")
                    else:
                        return Refusal("pnpm's store directory is not set (PNPM_HOME, npm_config_store_dir or "
                                       "--store-dir): by default pnpm moves it next to the project when the "
                                       "store is on another filesystem")
                else:
                    mount = user_cache(ctx, inst, "", explicit=value)
            if present and value is None:
                return Refusal("the cache option's value is not a literal")
            if isinstance(mount, Refusal):
                return mount
            if assigned(cmd, "npm_config_cache") or assigned(cmd, "YARN_CACHE_FOLDER"):
                return Refusal("the cache directory is set on the command")
            if mount not in plan.mounts:
                plan.mounts.append(mount)
        targets = [m.target for m in plan.mounts]
        for cmd in run.commands():
            argv = program_words(cmd)
            if removes_only(cmd, "rm", targets) or argv[:3] == ["npm", "cache", "clean"] or \
                    argv[:3] == ["yarn", "cache", "clean"]:
                plan.cleanups.append(cmd)
        return plan
