from __future__ import annotations

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import cargo
from .common.cache_mounts import CacheMountRule, Mount, Plan, Refusal, removes_only, unmounted_reader, user_cache
from ..analysis.variables import env_set
from ..analysis.official_images import is_official
from ..analysis.stages import ancestors

_VERBS = {"build", "install", "fetch", "test", "run", "check", "clippy", "doc", "update", "generate-lockfile",
          "b", "t", "r", "c"}


def _verb(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "cargo":
        return None
    words = [a for a in argv[1:] if a is None or not a.startswith(("-", "+"))]
    return words[0] if words and words[0] in _VERBS else None


class CargoCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts cargo's download caches into a RUN that runs `cargo
    build`, `cargo install`, `cargo fetch` and the other commands that fetch crates:
    `$CARGO_HOME/registry` and `$CARGO_HOME/git` (`/usr/local/cargo` in the rust images,
    else `/root/.cargo`), for a RUN run as root. The build's
    `target/` directory is never mounted: the binaries built there must reach the layer.

    ## Why is this bad?
    Without the mounts, a changed `Cargo.toml` or `Cargo.lock` downloads the index and
    every crate again. In cache mounts they stay on the build machine between builds, out
    of the layer.

    ## Example
    ```dockerfile
    FROM rust:1.79 AS build
    RUN cargo build --release
    ```

    ## Use instead
    ```dockerfile
    FROM rust:1.79 AS build
    RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/usr/local/cargo/git cargo build --release
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it. With the caches in mounts the downloaded crates are no longer in the layer:
    a later step that builds must mount them too. No fix is offered (the finding is still
    reported) when a later RUN of the stage (a stage built from it, an ONBUILD trigger) may
    read the crates without the mounts (an exec-form or unreadable RUN, a script, `make`,
    anything but cargo and a short list of file and package tools); when a later `COPY
    --from` takes a cache from the stage; when CARGO_HOME or the user that runs the RUN is
    not known, or is not root (the builder creates a missing parent of a mount target owned by
    root, and it stays in the image); when the RUN is commented as warming a cache; when its shell or heredoc
    cannot be read; and under a `# syntax=` older than 1.2. Silent on Windows images, for
    exec-form RUNs and ONBUILD triggers, and when the RUN already mounts cargo's caches.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `--offline`, `--frozen` or `CARGO_NET_OFFLINE` without a command
    before it in the RUN that downloads), which on an empty cache mount fails; when an
    earlier step of the stage, or of a stage it is built from, filled the cache folder
    without a mount (a RUN this rule does not mount, a COPY into it): the mount would hide
    what it stored; when the cache folder's name has characters BuildKit's `--mount` reading
    would split (spaces, commas, quotes). On a base image other than the official ones,
    which may set HOME, XDG_CACHE_HOME or the tool's own cache variable, only a cache folder
    the Dockerfile names (ENV, an option of the command) is mounted.
    """

    code = "SF607"
    triggers = ("cargo",)
    name = "cargo-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep cargo's crate downloads in BuildKit cache mounts between builds"
    message = "cargo downloads the index and every crate again on each rebuild: mount its caches"
    mount_markers = cargo.MOUNT_MARKERS
    offline_options = cargo.OFFLINE_OPTIONS
    offline_env = cargo.OFFLINE_ENV
    looks_like = cargo.LOOKS_LIKE

    def wants(self, cmd: SimpleCommand) -> bool:
        return _verb(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        home = self._cargo_home(ctx, inst)
        if isinstance(home, Refusal):
            return home
        if home.uid:
            return Refusal("the RUN is not run as root: the builder would create the mounts' parent "
                           f"{home.target} owned by root")
        plan = Plan([Mount(f"{home.target}/registry", None, home.uid, home.gid),
                     Mount(f"{home.target}/git", None, home.uid, home.gid)])
        why = unmounted_reader(ctx, type(self), inst, "cargo")
        if why:
            return Refusal(why)
        targets = [m.target for m in plan.mounts]
        for cmd in run.commands():
            if removes_only(cmd, "rm", targets):
                plan.cleanups.append(cmd)
        return plan

    def _cargo_home(self, ctx: RuleContext, inst: Instruction) -> Mount | Refusal:
        if env_set(ctx, inst, "CARGO_HOME"):
            return user_cache(ctx, inst, "", env="CARGO_HOME")
        stage = ctx.doc.stage_of(inst)
        base = ancestors(ctx.doc, stage)[-1].base if stage is not None else ""
        if is_official(base, "rust"):
            owner = user_cache(ctx, inst, "")
            if isinstance(owner, Refusal):
                return owner
            return Mount("/usr/local/cargo", None, owner.uid, owner.gid)
        return user_cache(ctx, inst, ".cargo")
