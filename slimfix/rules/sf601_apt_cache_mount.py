from __future__ import annotations

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import APT_INSTALLS, apt_subcommand, program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import apt
from ..managers.apt import LOSES_TRAP, SET_ASIDE
from ..analysis.later_reads import later_apt_without_update
from .common.cache_mounts import CacheMountRule, Mount, Plan, Refusal, removes_only, under
from ..analysis.users import not_root
from ..analysis.stages import first_later

_TARGETS = apt.CACHE_TARGETS


class AptCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts apt's caches into a RUN that runs `apt-get update` or
    installs with apt-get, apt or aptitude:
    `--mount=type=cache,target=/var/cache/apt,sharing=locked` (the downloaded packages) and
    `--mount=type=cache,target=/var/lib/apt/lists,sharing=locked` (the package lists). Only
    the lists of /var/lib/apt: apt's record of automatically installed packages
    (`extended_states`) and what other tools keep there stay in the image. Debian's and
    Ubuntu's images ship `/etc/apt/apt.conf.d/docker-clean`, whose hooks delete every
    downloaded package after each install and would leave the mount empty; apt's `-o`
    cannot switch those hooks off, so the RUN sets the file aside first and an EXIT trap
    puts it back when the RUN's shell ends, however it ends (nothing happens on an image
    without the file): the image keeps its apt configuration. A `rm -rf /var/lib/apt/lists/*`,
    `rm -rf /var/cache/apt/*`, `apt-get clean` or `apt-get dist-clean` chained with `&&` in the RUN is removed: it would
    empty the mount; so are apt's folders among the operands of an `rm -rf` that also removes
    other paths (`rm -rf /var/lib/apt/lists/* /tmp/*` keeps `rm -rf /tmp/*`).
    SF102 does not add its cleanup to a RUN this rule mounts.

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
    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked { [ ! -e /etc/apt/apt.conf.d/docker-clean ] || { mv /etc/apt/apt.conf.d/docker-clean /etc/apt/docker-clean.aside && trap 'mv /etc/apt/docker-clean.aside /etc/apt/apt.conf.d/docker-clean' EXIT; }; } && apt-get update && apt-get install -y --no-install-recommends gcc
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit (Docker 18.09 and later), buildah or podman; the
    legacy builder and kaniko reject it. Without a `# syntax=` line Docker 23 and later
    read it; older Docker needs `# syntax=docker/dockerfile:1`, which slimfix never adds.
    buildah 1.28 leaves the mount points out of the image it commits (no /var/cache/apt
    and no /var/lib/apt/lists); apt recreates both when it next needs them. The rule is
    silent on Windows images, after a SHELL that is not a POSIX shell, for exec-form RUNs
    and ONBUILD triggers, and when the RUN already has a cache mount of apt's directories.
    It reports without a fix: when the RUN's user is not known to be root (a base image
    other than the official ones may set its own USER) or apt runs through `sudo`, since
    setting docker-clean aside needs root; when the RUN or a later RUN of the stage (a stage
    built from it, an ONBUILD trigger) runs `apt-mark`, `autoremove` or `--auto-remove`;
    when the RUN sets its own `trap` or runs `exec` (the trap would not run); when a `# syntax=`
    directive names a frontend older than 1.2 (or one slimfix does not know); when a later
    RUN installs with apt without its own update (the lists would be in the mount, not the
    image); for
    `--download-only`; when a later `COPY --from` takes apt's directories from the stage;
    when the RUN is commented as warming a cache; when its shell or heredoc cannot be read.
    A RUN that handles docker-clean itself (names it) is left to do so.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `--no-download` without a command before it in the RUN that
    downloads), which on an empty cache mount fails; when an earlier step of the stage, or
    of a stage it is built from, filled the cache folder without a mount (a RUN this rule
    does not mount, a COPY into it): the mount would hide what it stored; when the cache
    folder's name has characters BuildKit's `--mount` reading would split (spaces, commas,
    quotes).
    """

    code = "SF601"
    triggers = ("apt",)
    name = "apt-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep apt's lists and packages in a BuildKit cache mount between builds"
    message = "apt downloads its lists and packages again on every rebuild: mount its caches"
    known_targets = apt.KNOWN_TARGETS
    offline_options = apt.OFFLINE_OPTIONS
    looks_like = apt.LOOKS_LIKE

    def wants(self, cmd: SimpleCommand) -> bool:
        sub = apt_subcommand(cmd)
        return sub == "update" or sub in APT_INSTALLS

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        why = not_root(ctx, inst, commands)
        if why:
            return Refusal(f"setting docker-clean aside and putting it back needs root, and {why}")
        for cmd in run.commands():
            if reads_apt_marks(cmd):
                return Refusal(f"`{cmd.text()}` {MARKS}")
            if cmd.argv[:1] and cmd.argv[0] in LOSES_TRAP:
                return Refusal(f"`{cmd.text()}` would keep the RUN's shell from putting docker-clean back")
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
        if "docker-clean" not in text:  # a RUN that handles docker-clean itself is left to do so
            plan.prepend = SET_ASIDE
        for cmd in run.commands():
            if removes_only(cmd, "rm", _TARGETS) or apt_subcommand(cmd) in ("clean", "dist-clean"):
                plan.cleanups.append(cmd)
            else:
                plan.options += [(cmd, w) for w in _mounted_operands(cmd)]
        return plan


def _mounted_operands(cmd: SimpleCommand) -> list:
    """The operands of a plain ``rm -rf`` that are in apt's mounted folders, when it also
    removes something else (``rm -rf /var/lib/apt/lists/* /tmp/*``): those words go, the
    rest of the command stays. In the mount they would only empty the cache."""
    words = cmd.words
    if (cmd.compound or cmd.assignments or cmd.redirects or not words or words[0].value != "rm"
            or any(w.value is None for w in words)):
        return []
    operands = [w for w in words[1:] if not w.value.startswith("-")]
    options = [w.value for w in words[1:] if w.value.startswith("-")]
    if any(o not in ("-r", "-f", "-rf", "-fr", "-R", "-Rf", "-fR", "--recursive", "--force") for o in options):
        return []
    mounted = [w for w in operands if w.value.startswith("/") and under(w.value, _TARGETS)]
    # one word at a time: two deletions that each take the gap before their word could meet
    return mounted if len(mounted) == 1 and len(operands) > 1 else []


# The mounts do not cover extended_states, but a RUN (or a later one) that decides what to
# purge from apt's marks (docker-library's savedAptMark idiom) is left to run as it does.
MARKS = "acts on apt's record of automatically installed packages: slimfix leaves apt's caches unmounted around it"


def reads_apt_marks(cmd: SimpleCommand) -> bool:
    """``apt-mark``, ``autoremove`` and ``--auto-remove``: they act on apt's record of which
    packages were installed automatically (/var/lib/apt/extended_states)."""
    argv = program_words(cmd)
    prog = argv[0].rsplit("/", 1)[-1] if argv and argv[0] else None
    return prog == "apt-mark" or apt_subcommand(cmd) == "autoremove" or any(
        a in ("--auto-remove", "--autoremove") for a in argv[1:])


def _needs_apt_state(ctx: RuleContext, other: Instruction) -> str | None:
    """Why a RUN after a mounted one must not have it: it acts on apt's marks. (A later
    install without a mount is fine: docker-clean is back in place when it runs.)"""
    other_run = ctx.run(other)
    if other_run is None or other_run.unsupported:
        return None
    for cmd in other_run.commands():
        if reads_apt_marks(cmd):
            return f"runs `{cmd.text()}`, which {MARKS}"
    return None
