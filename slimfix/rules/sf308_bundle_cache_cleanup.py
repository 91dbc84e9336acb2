from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from ..managers import bundler
from .base import Finding, Rule, RuleContext
from .common.cache_mounts import mount_takes_over
from .common.cleanup import missing_cleanup, run_text
from ..analysis.mounts import mounted
from ..analysis.users import RunUser, run_user
from ..managers.bundler import BUNDLER_MOVES, READS_GEM_CACHE, official_ruby
from ..analysis.stages import later_runs

_CACHE = bundler.GEM_CACHE
CLEANUP = f"rm -rf {_CACHE}"
# Options that install somewhere other than GEM_HOME, or install nothing.
_ELSEWHERE = ("--path", "--deployment", "--standalone", "--system")


class BundleCacheCleanup(Rule):
    """
    ## What it does
    Appends `rm -rf /usr/local/bundle/cache` to a RUN that runs `bundle install` in a
    stage built from the official `ruby` image, when the RUN does not clean up.

    ## Why is this bad?
    RubyGems keeps the `.gem` file of every gem it installs in the `cache` folder of the
    gem directory, and Bundler installs into `GEM_HOME` (`/usr/local/bundle` in the
    official images): every gem is stored twice in the layer, once packed and once
    installed. Nothing reads the packed copies when the application runs.

    ## Example
    ```dockerfile
    FROM ruby:3.3
    RUN bundle install
    ```

    ## Use instead
    ```dockerfile
    FROM ruby:3.3
    RUN bundle install && rm -rf /usr/local/bundle/cache
    ```

    ## Fix safety
    Safe: the cleanup goes into the same RUN, after its chain, in the file's style. The
    fix is offered only where the cache's place is certain: the stage is built from the
    official `ruby` image (ruby 2.6 or later, or an unversioned tag), whose `GEM_HOME` is
    `/usr/local/bundle` and whose `BUNDLE_APP_CONFIG` keeps a project's `.bundle/config`
    from moving it. `bundle clean` is not the cleanup: it removes installed gems the
    lockfile does not name, not the cache. Removing the cache leaves the installed gems,
    and those from git, whole.
    No fix is offered (the finding is still reported, with the reason) on another base
    image, when the Dockerfile sets `GEM_HOME`, `BUNDLE_PATH`, `BUNDLE_APP_CONFIG` or
    another Bundler setting, runs `bundle config` or writes a `.bundle/config`, when the
    install names `--path`, `--deployment`, `--standalone` or `--system`, when the RUN
    runs as a user other than root (the cache folder may hold another user's files), and
    when a later RUN of the stage or of a stage built from it reads the cache
    (`--local`, `--prefer-local`, `bundle cache`, `bundle pristine`, `gem pristine`).
    The rule is silent when SF608 is selected and mounts the gem cache of the RUN, when the
    RUN already removes the cache (`bundle/cache`,
    `$GEM_HOME/cache`, `$BUNDLE_PATH/ruby/*/cache`), under a cache or tmpfs mount of it,
    for `bundle install` through a wrapper (`sudo`, `env`), and in a build stage whose
    files reach no image (not the last stage, not a stage nothing else uses, not a stage
    one of those is built FROM, not copied from at `/` or above a cache directory).
    It is also silent on a RUN that is there to fill the cache (commented as warming or
    priming one).
    """

    code = "SF308"
    triggers = ("bundle",)
    name = "bundle-cache-cleanup"
    effect = Effect("removes the downloaded .gem files of bundle install",
                    removes=("/usr/local/bundle/cache/**", "/usr/local/lib/ruby/gems/*/cache/**", "/var/lib/gems/*/cache/**",
                             "**/vendor/bundle/ruby/*/cache/**", "~/.bundle/cache/**"))
    summary = "Remove the gem cache in the RUN that runs bundle install"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for finding in missing_cleanup(
                self, ctx, _needs, lambda inst, cleanup: _cleaned(inst) or mount_takes_over(ctx, inst, "SF608"),
                "bundle install without `{cleanup}` keeps every gem twice in the layer",
                looks_like={CLEANUP: re.compile(r"\bbundle\s+(-\S+\s+)*install\b")}):
            if finding.fix is not None:
                inst = next(i for i in ctx.doc.instructions if i.span.start <= finding.start < i.span.end)
                reason = _uncertain(ctx, inst)
                if reason:
                    finding = dataclasses.replace(finding, fix=None, not_fixed=reason)
            yield finding


def _needs(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or len(argv) != len(cmd.words) or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "bundle":
        return None
    words = [a for a in argv[1:] if a is None or not a.startswith("-")]
    return CLEANUP if words[:1] == ["install"] else None


def _cleaned(inst: Instruction) -> bool:
    return re.search(r"(bundle|GEM_HOME\}?|BUNDLE_PATH\}?|ruby/\*|ruby/[\d.]+)/cache\b", run_text(inst)) is not None \
        or mounted(inst, _CACHE)


def _uncertain(ctx: RuleContext, inst: Instruction) -> str | None:
    """Why the cache might not be at /usr/local/bundle/cache, or might still be needed."""
    doc = ctx.doc
    why = official_ruby(ctx, inst)
    if why:
        return why
    moved = BUNDLER_MOVES.search(doc.text)
    if moved:
        return f"the Dockerfile configures Bundler (`{moved.group(0)}`), so the gem cache's place is not known"
    argv = [a for c in ctx.run(inst).commands() if _needs(c) for a in program_words(c)]
    if any(a is None or a.split("=", 1)[0] in _ELSEWHERE for a in argv):
        return "the install names an option that moves it, or words slimfix cannot read"
    user = run_user(ctx, inst)
    if not isinstance(user, RunUser) or not user.root:
        return "the RUN may run as a user other than root, who may not remove others' files from the cache"
    for other in later_runs(ctx, inst):
        if READS_GEM_CACHE.search(run_text(other)):
            return f"line {other.start_line} reads the gem cache"
    return None
