from __future__ import annotations

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import rpm
from .common.cache_mounts import CacheMountRule, Mount, Plan, Refusal, removes_only

_INSTALLS = {"install", "groupinstall", "reinstall", "update", "upgrade", "localinstall", "makecache", "in", "up",
             "refresh", "ref", "dist-upgrade", "dup"}
_CACHES = rpm.CACHES


def _manager(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    if prog not in _CACHES:
        return None
    words = [a for a in argv[1:] if a is not None and not a.startswith("-")]
    return prog if words and words[0] in _INSTALLS else None


def _cleans(cmd: SimpleCommand) -> bool:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] not in _CACHES:
        return False
    words = [a for a in argv[1:] if a is not None and not a.startswith("-")]
    return words[:1] in (["clean"], ["cc"])


class RpmCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts the package cache into a RUN that installs with dnf,
    yum, microdnf or zypper, with `sharing=locked`: `/var/cache/dnf` and
    `/var/cache/libdnf5` for dnf (dnf5 on Fedora 41 and later), `/var/cache/yum` and
    `/var/cache/dnf` for yum (dnf on EL8 and later), `/var/cache/yum` and
    `/var/cache/libdnf5` for microdnf, `/var/cache/zypp` for zypper. A `dnf clean all` (`yum`,
    `microdnf`, `zypper clean`) or an `rm -rf` of the cache chained with `&&` is removed:
    it would empty the mount. SF303 does not add its cleanup to a RUN this rule mounts.

    ## Why is this bad?
    Without a cache mount every rebuild of the step downloads the repository metadata
    (often tens of megabytes) and every package again. In a cache mount they stay on the
    build machine between builds, out of the image.

    ## Example
    ```dockerfile
    RUN dnf install -y gcc && dnf clean all
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/var/cache/dnf,sharing=locked --mount=type=cache,target=/var/cache/libdnf5,sharing=locked dnf install -y gcc
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it. An image whose dnf.conf moves `cachedir` elsewhere would keep its cache in
    the layer once the clean is gone. dnf keeps only the metadata unless `keepcache=1`.
    No fix is offered (the finding is still reported) for `--downloadonly` (the packages
    are for a later step), when a later `COPY --from` takes the
    cache from the stage, when the RUN is commented as warming a cache, when its shell or
    heredoc cannot be read, and under a `# syntax=` older than 1.2. Silent on Windows
    images, for exec-form RUNs and ONBUILD triggers, and when the RUN already has a cache
    mount of the manager's cache.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `-C` / `--cacheonly` without a command before it in the RUN that
    downloads), which on an empty cache mount fails; when an earlier step of the stage, or
    of a stage it is built from, filled the cache folder without a mount (a RUN this rule
    does not mount, a COPY into it): the mount would hide what it stored; when the cache
    folder's name has characters BuildKit's `--mount` reading would split (spaces, commas,
    quotes).
    """

    code = "SF606"
    triggers = ("yum", "dnf", "zypper")
    name = "rpm-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep dnf's, yum's and zypper's package cache in a BuildKit cache mount between builds"
    message = "the package manager downloads its metadata and packages again on every rebuild: mount its cache"
    known_targets = rpm.KNOWN_TARGETS
    offline_options = rpm.OFFLINE_OPTIONS
    looks_like = rpm.LOOKS_LIKE

    def wants(self, cmd: SimpleCommand) -> bool:
        return _manager(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        targets: list[str] = []
        for cmd in commands:
            if any(a in ("--downloadonly", "--download-only", "--download-only-all") for a in cmd.argv):
                return Refusal("the packages are downloaded for a later step: they must stay in the image")
            for t in _CACHES[_manager(cmd) or ""]:
                if t not in targets:
                    targets.append(t)
        plan = Plan([Mount(t, "locked") for t in targets])
        for cmd in run.commands():
            if removes_only(cmd, "rm", targets) or (_cleans(cmd) and all(
                    t in targets for t in _CACHES[program_words(cmd)[0].rsplit("/", 1)[-1]])):
                plan.cleanups.append(cmd)
        return plan
