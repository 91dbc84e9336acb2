from __future__ import annotations

import re

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import bundler
from .common.cache_mounts import (ALREADY_MOUNTED, CacheMountRule, Mount, Plan, Refusal, assigned, home_of,
                                  removes_only, user_cache)
from .common.cleanup import run_text
from ..analysis.variables import env_set
from ..managers.bundler import OFFICIAL_GEM_HOME, READS_GEM_CACHE, official_ruby
from ..analysis.users import RunUser, run_user
from ..analysis.stages import first_later

# Options that put the gems (and so their cache) somewhere other than GEM_HOME.
_GEM_ELSEWHERE = ("-i", "--install-dir", "--user-install", "--build-root", "--vendor")
_BUNDLE_ELSEWHERE = ("--path", "--deployment", "--standalone")
# Settings that move the gem cache, or share it between Rubies elsewhere (GEM_HOME is read).
_MOVES_CACHE = re.compile(r"\b(GEM_PATH|BUNDLE_PATH|BUNDLE_DEPLOYMENT|BUNDLE_GLOBAL_GEM_CACHE|BUNDLE_STANDALONE"
                          r"|RUBYGEMS_GLOBAL_GEM_CACHE|BUNDLE_APP_CONFIG)\b|\bbundle\s+config\b|\.bundle/config\b"
                          r"|\bgemrc\b")


def _tool(cmd: SimpleCommand) -> str | None:
    """``gem`` for ``gem install``, ``bundle`` for ``bundle install``, else None."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    words = [a for a in argv[1:] if a is None or not a.startswith("-")]
    if prog in ("gem", "bundle", "bundler") and words[:1] == ["install"]:
        return "gem" if prog == "gem" else "bundle"
    return None


class GemCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts the gem cache into a RUN that runs `gem install` or
    `bundle install` run as root: RubyGems keeps the `.gem` file of every gem it installs in the
    `cache` folder of `GEM_HOME` and installs from it when the file is already there, and
    Bundler installs into `GEM_HOME` too. The target is `/usr/local/bundle/cache` in the
    official `ruby` images (`GEM_HOME=/usr/local/bundle`), or `$GEM_HOME/cache` when the
    Dockerfile sets `GEM_HOME`. For `bundle install`, Bundler's own cache of the gem index (`~/.bundle/cache`, or `$BUNDLE_USER_CACHE`) is mounted as well. An
    `rm -rf` of a mounted cache chained with `&&` (`rm -rf /usr/local/bundle/cache`,
    `rm -rf ~/.bundle/cache`) is removed: it would empty the mount. SF308 does not add its
    cleanup to a RUN this rule mounts; SF305's `--no-document` stays (the documentation is
    not in the cache, and the mount does not keep it out of the image).

    ## Why is this bad?
    Without a cache mount every rebuild of the install step downloads every gem again: one
    new line in the `Gemfile` fetches the whole bundle. A cache mount keeps the `.gem` files
    on the build machine, out of the image (where SF308 would otherwise have to delete them).

    ## Example
    ```dockerfile
    FROM ruby:3.3
    RUN bundle install && rm -rf /usr/local/bundle/cache
    ```

    ## Use instead
    ```dockerfile
    FROM ruby:3.3
    RUN --mount=type=cache,target=/usr/local/bundle/cache --mount=type=cache,target=/root/.bundle/cache bundle install
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it (older Docker needs `# syntax=docker/dockerfile:1`, which slimfix never adds).
    No fix is offered (the finding is still reported) when the stage is neither built from
    the official `ruby` image (2.6 or later, or an unversioned tag) nor sets `GEM_HOME`, so
    the gem directory is not known (a distribution's ruby keeps it under `/var/lib/gems`
    per version, or in the user's home); when the Dockerfile sets `BUNDLE_PATH`,
    `BUNDLE_APP_CONFIG`, `GEM_PATH`, a global gem cache or a `gemrc`, or runs
    `bundle config`; when the install names `--path`, `--deployment`, `--standalone`,
    `--install-dir`, `--user-install` or words slimfix cannot read; when the RUN or a later
    RUN of the stage (of a stage built from it, an ONBUILD trigger) reads the cached `.gem`
    files (`--local`, `--prefer-local`, `bundle cache`, `bundle pristine`, `gem pristine`)
    without mounting the cache; when the user that runs the RUN is not known from the
    Dockerfile, or is not root: the builder creates a mount point owned by root, which
    would stay in `GEM_HOME` where that user could then no longer install a gem; when a later `COPY --from` takes the cache itself from the
    stage (copying all of `GEM_HOME` is fine: nothing reads the `.gem` files when the
    application runs); when the RUN is commented as warming a cache; when its shell or
    heredoc cannot be read; and under a `# syntax=` older than 1.2. Silent on Windows images,
    for exec-form RUNs and ONBUILD triggers, and when the RUN already mounts a gem cache.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `--local` without a command before it in the RUN that downloads),
    which on an empty cache mount fails; when an earlier step of the stage, or of a stage it
    is built from, filled the cache folder without a mount (a RUN this rule does not mount,
    a COPY into it): the mount would hide what it stored; when the cache folder's name has
    characters BuildKit's `--mount` reading would split (spaces, commas, quotes).
    """

    code = "SF608"
    triggers = ("gem", "bundle")
    name = "gem-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep RubyGems' and Bundler's gem downloads in a BuildKit cache mount between builds"
    message = "gem/bundle install downloads every gem again on each rebuild of this step: mount the gem cache"
    known_targets = bundler.KNOWN_TARGETS
    mount_markers = bundler.MOUNT_MARKERS
    offline_options = bundler.OFFLINE_OPTIONS
    looks_like = bundler.LOOKS_LIKE
    copies_above_ok = True  # COPY --from=builder /usr/local/bundle is the point of a builder stage

    def wants(self, cmd: SimpleCommand) -> bool:
        return _tool(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        moved = _MOVES_CACHE.search(ctx.doc.text)
        if moved:
            return Refusal(f"the Dockerfile configures RubyGems or Bundler (`{moved.group(0)}`), so the gem "
                           "cache's place is not known")
        tools = set()
        for cmd in commands:
            tool = _tool(cmd)
            tools.add(tool)
            argv = program_words(cmd)
            elsewhere = _GEM_ELSEWHERE if tool == "gem" else _BUNDLE_ELSEWHERE
            if any(a is None or a.split("=", 1)[0] in elsewhere for a in argv):
                return Refusal("the install names an option that moves it, or words slimfix cannot read")
            if assigned(cmd, "GEM_HOME") or assigned(cmd, "BUNDLE_PATH"):
                return Refusal("the gem directory is set on the command")
        if READS_GEM_CACHE.search(run_text(inst)):
            return Refusal("the RUN reads the cached .gem files, which would be those of the last build")
        user = run_user(ctx, inst)
        if isinstance(user, RunUser) and not user.root:
            # the builder creates the mount point owned by root, and it stays in GEM_HOME:
            # the user could no longer install a gem there without the mount
            return Refusal(f"the RUN runs as {user.name}, and the builder would leave the gem cache's mount "
                           f"point in GEM_HOME owned by root, where {user.name} could no longer install gems")
        if env_set(ctx, inst, "GEM_HOME"):
            gems = user_cache(ctx, inst, "", env="GEM_HOME", env_suffix="/cache")
        else:
            why = official_ruby(ctx, inst)
            if why:
                return Refusal(why.replace("the gem cache's place", "the gem directory"))
            gems = user_cache(ctx, inst, "", explicit=f"{OFFICIAL_GEM_HOME}/cache")
        if isinstance(gems, Refusal):
            return gems
        plan = Plan([gems])
        if "bundle" in tools:
            index = _bundler_index(ctx, inst)
            if index is not None:
                plan.mounts.append(index)
        later = first_later(ctx, inst, f"{self.code} reads the gem cache", lambda other: _reads_cache(ctx, other))
        if later is not None:
            return Refusal(f"line {later[0].start_line} {later[1]}")
        targets = [m.target for m in plan.mounts]
        home = home_of(ctx, inst)
        for cmd in run.commands():
            if removes_only(cmd, "rm", targets, home):
                plan.cleanups.append(cmd)
        return plan


def _bundler_index(ctx: RuleContext, inst: Instruction) -> Mount | None:
    """Bundler's cache of the gem index (``Bundler.user_cache``: ``$BUNDLE_USER_CACHE``,
    ``$BUNDLE_USER_HOME/cache``, else ``~/.bundle/cache``). None when it cannot be mounted:
    the gem cache alone still saves the downloads."""
    if env_set(ctx, inst, "BUNDLE_USER_HOME"):
        mount = user_cache(ctx, inst, "", env="BUNDLE_USER_HOME", env_suffix="/cache")
    else:
        mount = user_cache(ctx, inst, ".bundle/cache", env="BUNDLE_USER_CACHE")
    return None if isinstance(mount, Refusal) else mount


def _reads_cache(ctx: RuleContext, other: Instruction) -> str | None:
    """Why a later RUN needs the .gem files in the image: it reads them without mounting."""
    if not READS_GEM_CACHE.search(run_text(other)):
        return None
    theirs = GemCacheMount.plan(ctx, other)
    if theirs is ALREADY_MOUNTED:
        return None
    return "reads the cached .gem files, which would be in the mount"
