from __future__ import annotations

from ..effects import Effect

import re

from ..shell import RunShell, SimpleCommand
from ..shell.packages import APT_INSTALLS, apt_subcommand, program_words
from ..syntax import Instruction
from .base import RuleContext
from .common.apt_lists import later_apt_without_update
from .common.cache_mounts import ALREADY_MOUNTED, CacheMountRule, Mount, Plan, Refusal, removes_only
from .common.stage_needs import first_later

_TARGETS = ("/var/cache/apt", "/var/lib/apt")
DOCKER_CLEAN = "rm -f /etc/apt/apt.conf.d/docker-clean"


class AptCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts apt's caches into a RUN that runs `apt-get update` or
    installs with apt-get, apt or aptitude:
    `--mount=type=cache,target=/var/cache/apt,sharing=locked` and
    `--mount=type=cache,target=/var/lib/apt,sharing=locked`, and runs
    `rm -f /etc/apt/apt.conf.d/docker-clean` first in the same RUN, as Docker's
    documentation shows: Debian and Ubuntu images ship that file, which deletes every
    downloaded package and would leave the mount empty. A `rm -rf /var/lib/apt/lists/*`,
    `rm -rf /var/cache/apt/*` or `apt-get clean` chained with `&&` in the RUN is removed:
    it would empty the mount. SF102 does not add its cleanup to a RUN this rule mounts.

    ## Why is this bad?
    Without a cache mount, every rebuild of the RUN (any change to its line, or to a layer
    before it) downloads the package lists and every package again. In a cache mount they
    stay on the build machine between builds and never reach the image.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked rm -f /etc/apt/apt.conf.d/docker-clean && apt-get update && apt-get install -y --no-install-recommends gcc
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit (Docker 18.09 and later), buildah or podman; the
    legacy builder and kaniko reject it. Without a `# syntax=` line Docker 23 and later
    read it; older Docker needs `# syntax=docker/dockerfile:1`, which slimfix never adds.
    The removal of `docker-clean` stays in the image: apt run later in a container keeps
    downloaded packages. The rule is silent on Windows images, after a SHELL that is not a
    POSIX shell, for exec-form RUNs and ONBUILD triggers, and when the RUN already has a
    cache mount of apt's directories. It reports without a fix: when a `# syntax=`
    directive names a frontend older than 1.2 (or one slimfix does not know); when a later
    RUN of the stage (a stage built from it, an ONBUILD trigger) installs with apt without
    its own update (the lists would be in the mount, not the image), runs `autoremove` or
    `apt-mark` (apt's record of what was installed would be in the mount), or installs with
    apt where this rule cannot mount the cache (its downloaded packages would stay in its
    layer once `docker-clean` is gone); for `--download-only`; when a later `COPY --from`
    takes apt's directories from the stage; when the RUN is commented as warming a cache;
    when its shell or heredoc cannot be read.
    """

    code = "SF601"
    name = "apt-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep apt's lists and packages in a BuildKit cache mount between builds"
    message = "apt downloads its lists and packages again on every rebuild: mount its caches"
    known_targets = ("/var/cache/apt", "/var/lib/apt")
    looks_like = re.compile(r"\bapt(-get)?\s+(\S+\s+)*(update|install)\b")

    def wants(self, cmd: SimpleCommand) -> bool:
        sub = apt_subcommand(cmd)
        return sub == "update" or sub in APT_INSTALLS

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        for cmd in commands:
            argv = program_words(cmd)
            if any(a in ("-d", "--download-only") for a in argv):
                return Refusal("`--download-only` keeps the packages for a later step: they must stay in the image")
        if not any(apt_subcommand(c) == "update" for c in commands):
            return Refusal("the RUN installs without its own `apt-get update`: the mount would hide the lists "
                           "an earlier step left")
        later = later_apt_without_update(ctx, inst)
        if later is not None:
            return Refusal(f"line {later.start_line} installs with apt without its own update and needs the "
                           "lists in the image")
        later = first_later(ctx, inst, f"{self.code} needs apt's state", lambda other: _needs_apt_state(ctx, other))
        if later is not None:
            return Refusal(f"line {later[0].start_line} {later[1]}")
        plan = Plan([Mount(t, "locked") for t in _TARGETS])
        text = inst.effective.args + "".join(h.content for h in inst.heredocs)
        if "docker-clean" not in text and "Keep-Downloaded-Packages" not in text:
            plan.prepend = DOCKER_CLEAN
        for cmd in run.commands():
            if removes_only(cmd, "rm", _TARGETS) or apt_subcommand(cmd) == "clean":
                plan.cleanups.append(cmd)
        return plan


def _needs_apt_state(ctx: RuleContext, other: Instruction) -> str | None:
    """Why a RUN after a mounted one needs what the mount takes out of the image: apt's
    record of what was installed, or (where it cannot mount the cache itself) the
    downloaded packages that docker-clean no longer deletes."""
    other_run = ctx.run(other)
    if other_run is None or other_run.unsupported:
        return None
    for cmd in other_run.commands():
        sub = apt_subcommand(cmd)
        if sub == "autoremove" or (cmd.name == "apt-mark") or "--auto-remove" in cmd.argv:
            return "relies on apt's record of installed packages, which would be in the mount"
        if sub in APT_INSTALLS:
            theirs = AptCacheMount.plan(ctx, other)
            if not (isinstance(theirs, Plan) or theirs is ALREADY_MOUNTED):
                return ("installs with apt without a cache mount: once docker-clean is gone its packages would "
                        "stay in its layer")
    return None
