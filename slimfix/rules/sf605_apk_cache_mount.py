from __future__ import annotations

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words, subcommand_token
from ..syntax import Instruction
from .base import RuleContext
from ..managers import apk
from .common.cache_mounts import CacheMountRule, Mount, Plan, Refusal, option_tokens, removes_only
from ..analysis.stages import first_later

_TARGETS = apk.CACHE_TARGETS


def _verb(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "apk":
        return None
    tok = subcommand_token(cmd, {"add", "update", "upgrade", "fix", "cache", "del"})
    return tok.value if tok is not None else None


class ApkCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts apk's caches into a RUN that runs `apk add`, `apk
    update` or `apk upgrade`: `--mount=type=cache,target=/etc/apk/cache,sharing=locked`
    (with it present apk keeps the index and the packages there) and
    `--mount=type=cache,target=/var/cache/apk,sharing=locked`. `--no-cache`, with which apk
    would not use a cache at all, becomes `--update` (apk then fetches a fresh index, which
    `--no-cache` did too); an `apk add` with neither and no `apk update` before it in the
    RUN gets `--update` as well, because the mount hides any index an earlier step left. A
    `rm -rf /var/cache/apk/*` or `apk cache clean` chained with `&&` is removed. SF302 does
    not add `--no-cache` to a RUN this rule mounts.

    ## Why is this bad?
    With `--no-cache` every rebuild of the step downloads the index and every package again.
    In a cache mount they stay on the build machine between builds, out of the image.

    ## Example
    ```dockerfile
    RUN apk add --no-cache build-base
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/etc/apk/cache,sharing=locked --mount=type=cache,target=/var/cache/apk,sharing=locked apk add --update build-base
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it. The mount point `/etc/apk/cache` may stay in the image as an empty directory.
    No fix is offered (the finding is still reported) when a later RUN of the stage (a stage
    built from it, an ONBUILD trigger) runs `apk add` without `--no-cache`, `--update` or its
    own `apk update`, or another command that reads the index (`apk fetch`, `search`,
    `policy`, `info`...; `apk fetch` never refreshes a missing one): it relies on the index
    this RUN would leave in the mount; when a later
    `COPY --from` takes the cache from the stage; when the RUN is commented as warming a
    cache; when its shell or heredoc cannot be read; under a `# syntax=` older than 1.2; and
    when apk installs into another root (`-p`, `--root`: it keeps its caches below that
    root, so the mounts would stay empty and `--update` would leave the index there) or is
    given its own `--cache-dir`.
    Silent on Windows images, for exec-form RUNs and ONBUILD triggers, and when the RUN
    already has a cache mount of apk's cache.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `--no-network` without a command before it in the RUN that
    downloads), which on an empty cache mount fails; when an earlier step of the stage, or
    of a stage it is built from, filled the cache folder without a mount (a RUN this rule
    does not mount, a COPY into it): the mount would hide what it stored; when the cache
    folder's name has characters BuildKit's `--mount` reading would split (spaces, commas,
    quotes).
    """

    code = "SF605"
    triggers = ("apk",)
    name = "apk-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep apk's index and packages in a BuildKit cache mount between builds"
    message = "apk downloads its index and packages again on every rebuild: mount its cache"
    known_targets = _TARGETS
    offline_options = apk.OFFLINE_OPTIONS
    cache_off_options = apk.CACHE_OFF_OPTIONS
    looks_like = apk.LOOKS_LIKE

    def wants(self, cmd: SimpleCommand) -> bool:
        return _verb(cmd) in ("add", "update", "upgrade")

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        later = first_later(ctx, inst, f"{self.code} reads the index", lambda other: _reads_index(ctx, other))
        if later is not None:
            return Refusal(f"line {later[0].start_line} {later[1]}")
        plan = Plan([Mount(t, "locked") for t in _TARGETS])
        updated = False
        for cmd in commands:
            elsewhere = _other_root(cmd)
            if elsewhere:
                return Refusal(f"`apk {elsewhere}` keeps its caches under that folder, not where the mounts are")
            verb = _verb(cmd)
            updated = updated or verb == "update"
            if verb not in ("add", "upgrade"):
                continue
            off = option_tokens(cmd, "--no-cache")
            has_update = bool(option_tokens(cmd, "--update", "-U", "--update-cache"))
            if off:
                plan.options += [(cmd, t) for t in off]
            if not updated and not has_update:
                tok = subcommand_token(cmd, {verb})
                if tok is None:
                    return Refusal("the apk command could not be read")
                plan.inserts.append((cmd, tok, " --update"))
        targets = list(_TARGETS)
        for cmd in run.commands():
            argv = program_words(cmd)
            if removes_only(cmd, "rm", targets) or argv[:3] == ["apk", "cache", "clean"]:
                plan.cleanups.append(cmd)
        return plan


def _other_root(cmd: SimpleCommand) -> str | None:
    """The option that moves apk's caches: ``-p``/``--root`` (apk opens ``etc/apk/cache``
    and ``var/cache/apk`` below the root it installs into) or ``--cache-dir``."""
    for w in cmd.words:
        v = w.value
        if v is None:  # a variable's words are taken for packages, as everywhere else
            continue
        if v in ("-p", "--root", "--cache-dir") or v.startswith(("--root=", "--cache-dir=")):
            return v.split("=", 1)[0]
        if v.startswith("-p") and not v.startswith("--"):
            return "-p"
    return None


def _reads_index(ctx: RuleContext, other: Instruction) -> str | None:
    """Why a later RUN needs the index a mounted RUN would leave in the mount: it adds
    packages without updating first."""
    other_run = ctx.run(other)
    if other_run is None or other_run.unsupported:
        return None
    updated = False
    for cmd in other_run.commands():
        argv = program_words(cmd)
        if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "apk":
            continue
        tok = subcommand_token(cmd, {"update", *_INDEX_READERS})
        verb = tok.value if tok is not None else None
        updated = updated or verb == "update"
        if verb in _INDEX_READERS and not updated and not option_tokens(cmd, "--no-cache", "--update", "-U"):
            if verb == "add":
                return "adds packages from the index this RUN leaves, which would be in the mount"
            return f"runs `apk {verb}`, which reads the index this RUN leaves (it would be in the mount)"
    return None


# What reads the repositories' index (`apk fetch` never refreshes a missing one: apk-tools 2.14).
_INDEX_READERS = {"add", "fetch", "search", "policy", "list", "dot", "info", "version", "upgrade", "fix"}
