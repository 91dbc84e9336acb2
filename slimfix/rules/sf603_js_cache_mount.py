from __future__ import annotations

import re

from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from .common.cache_mounts import CacheMountRule, Plan, Refusal, assigned, option_value, removes_only, user_cache
from .common.guards import env_set
from .common.js import yarn_flavour
from .common.variables import variables_at

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


class JsCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts the package cache into a RUN that installs with npm
    (`npm ci`, `npm install`), Yarn 1 (`yarn install`, `yarn`) or pnpm (`pnpm install`,
    `pnpm fetch`): npm's `~/.npm` (or `npm_config_cache`, `--cache`), Yarn 1's
    `/usr/local/share/.cache/yarn` for root and `~/.cache/yarn` for other users (or
    `YARN_CACHE_FOLDER`, `--cache-folder`), pnpm's store at `$PNPM_HOME/store` (or
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
    later), whose Plug'n'Play installation lives in its cache, and when the build context
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
    """

    code = "SF603"
    name = "js-cache-mount"
    summary = "Keep npm's, Yarn 1's and pnpm's package cache in a BuildKit cache mount between builds"
    message = "the install downloads every package again on each rebuild of this step: mount the package cache"
    mount_markers = (".npm", "yarn", "pnpm")
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
                    return Refusal("Yarn Berry keeps its Plug'n'Play installation in its cache")
                if flavour != "classic":
                    return Refusal("without the build context's package.json, yarn.lock or .yarnrc.yml, Yarn 1 "
                                   "cannot be told from Yarn Berry, whose installation is its cache")
                present, value = option_value(cmd, "--cache-folder")
                from .common.run_user import run_user

                user = run_user(ctx, inst)
                rel = ".cache/yarn"
                if not isinstance(user, str) and user.root and "XDG_CACHE_HOME" not in variables_at(ctx.doc, inst) \
                        and not env_set(ctx, inst, "YARN_CACHE_FOLDER"):
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
