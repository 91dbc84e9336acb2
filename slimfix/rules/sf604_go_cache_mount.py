from __future__ import annotations

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import go
from .common.cache_mounts import CacheMountRule, Mount, Plan, Refusal, removes_only, unmounted_reader, user_cache
from ..analysis.variables import env_set
from ..analysis.official_images import is_official
from ..analysis.stages import ancestors

_NEEDS_MODULES = {"build", "install", "test", "run", "vet", "get", "list", "generate"}
_MOD_VERBS = {"download", "tidy", "vendor", "verify", "graph", "why"}
_COMPILES = {"build", "install", "test", "run", "vet"}
def _verb(cmd: SimpleCommand) -> str | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "go":
        return None
    words = [a for a in argv[1:] if a is None or not a.startswith("-")]
    if not words or words[0] is None:
        return None
    if words[0] == "mod":
        return "mod" if words[1:2] and words[1] in _MOD_VERBS else None
    return words[0] if words[0] in _NEEDS_MODULES else None


class GoCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts Go's caches into a RUN that runs the go command:
    the module cache (`/go/pkg/mod` in the golang images, else `$GOMODCACHE` or
    `$GOPATH/pkg/mod`) for `go mod download` and every command that reads modules, and the
    build cache (`/root/.cache/go-build`, or `$GOCACHE`) for `go build`, `go install`,
    `go test`, `go run` and `go vet`; with `uid=` for a non-root USER only where `$GOMODCACHE`
    and `$GOCACHE` are directly under a directory every image has (`/tmp`, `/opt`...). `go clean -modcache` / `-cache` and an `rm -rf` of a cache chained with
    `&&` are removed.

    ## Why is this bad?
    Without the mounts, a changed `go.mod` downloads every module again, and any source
    change compiles every package from scratch. In cache mounts modules and compiled
    packages stay on the build machine between builds, out of the layer.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go mod download
    RUN go build -o /out/app ./cmd/app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN --mount=type=cache,target=/go/pkg/mod go mod download
    RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /out/app ./cmd/app
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it. With the module cache in a mount, the modules are no longer in the layer:
    a later step that reads them must mount it too. No fix is offered (the finding is still
    reported) when a later RUN of the stage (or of a stage built from it, or an ONBUILD
    trigger) may read the module cache without the mount (an exec-form or unreadable RUN, a
    script, `make`, anything but the go command and a short list of file and package tools);
    when a later `COPY --from` takes a cache from the stage; when GOPATH is not known (not a
    golang image and no GOPATH or GOMODCACHE set); when the user that runs the RUN or its uid
    is not known, or is not root and a mount would need a new parent directory (the builder
    creates it owned by root, and it stays in the image); when the RUN is commented as warming a cache; when its shell or heredoc
    cannot be read; and under a `# syntax=` older than 1.2. Silent on Windows images, for
    exec-form RUNs and ONBUILD triggers, and when the RUN already mounts a Go cache.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or `GOPROXY=off` without a command before it in the RUN that
    downloads), which on an empty cache mount fails; when an earlier step of the stage, or
    of a stage it is built from, filled the cache folder without a mount (a RUN this rule
    does not mount, a COPY into it): the mount would hide what it stored; when the cache
    folder's name has characters BuildKit's `--mount` reading would split (spaces, commas,
    quotes). On a base image other than the official ones, which may set HOME,
    XDG_CACHE_HOME or the tool's own cache variable, only a cache folder the Dockerfile
    names (ENV, an option of the command) is mounted.
    """

    code = "SF604"
    triggers = ("go",)
    name = "go-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep Go's module and build caches in BuildKit cache mounts between builds"
    message = "go downloads modules and compiles every package again on each rebuild: mount its caches"
    known_targets = go.KNOWN_TARGETS
    mount_markers = go.MOUNT_MARKERS
    offline_env = go.OFFLINE_ENV
    looks_like = go.LOOKS_LIKE

    def wants(self, cmd: SimpleCommand) -> bool:
        return _verb(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        modcache = self._modcache(ctx, inst)
        if isinstance(modcache, Refusal):
            return modcache
        plan = Plan([modcache])
        if any(_verb(c) in _COMPILES for c in commands):
            build = user_cache(ctx, inst, ".cache/go-build", env="GOCACHE", xdg="go-build")
            if isinstance(build, Refusal):
                return build
            plan.mounts.append(build)
        why = unmounted_reader(ctx, type(self), inst, "go")
        if why:
            return Refusal(why)
        targets = [m.target for m in plan.mounts]
        for cmd in run.commands():
            argv = program_words(cmd)
            if removes_only(cmd, "rm", targets) or (argv[:2] == ["go", "clean"] and any(
                    a in ("-modcache", "-cache") for a in argv[2:])):
                plan.cleanups.append(cmd)
        return plan

    def _modcache(self, ctx: RuleContext, inst: Instruction) -> Mount | Refusal:
        if env_set(ctx, inst, "GOMODCACHE"):
            return user_cache(ctx, inst, "", env="GOMODCACHE")
        if env_set(ctx, inst, "GOPATH"):
            return user_cache(ctx, inst, "", env="GOPATH", env_suffix="/pkg/mod")
        stage = ctx.doc.stage_of(inst)
        base = ancestors(ctx.doc, stage)[-1].base if stage is not None else ""
        if not is_official(base, "golang"):
            return Refusal(f"GOPATH is not known: {base} is not a golang image and the Dockerfile sets neither "
                           "GOPATH nor GOMODCACHE")
        from ..analysis.users import run_user

        user = run_user(ctx, inst)  # the golang images set GOPATH=/go
        if isinstance(user, str):
            return Refusal(user)
        if not user.root:
            return Refusal("the RUN is not run as root: the builder would create /go/pkg owned by root")
        return Mount("/go/pkg/mod")
