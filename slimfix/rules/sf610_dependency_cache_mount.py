from __future__ import annotations

import re

from ..analysis.stages import program
from ..effects import Effect
from ..managers import cache_mounts
from ..shell import RunShell, SimpleCommand
from ..syntax import Instruction
from .base import RuleContext
from .common.cache_mounts import CacheMountRule, Plan, Refusal, removes_only, unmounted_reader, user_cache

_SPECS = cache_mounts()


class DependencyCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts the download cache of the build tools whose manager
    module describes one (`CACHE_MOUNT` in `slimfix/managers/`) into a RUN that runs them:
    Maven's local repository (`~/.m2/repository`, `sharing=locked`) for `mvn` and `./mvnw`,
    Gradle's caches and wrapper distributions (`$GRADLE_USER_HOME/caches` and
    `/wrapper`, else `~/.gradle/...`) for `gradle` and `./gradlew`, and Bun's install
    cache (`$BUN_INSTALL_CACHE_DIR`, which the Dockerfile must set) for `bun install`, for
    the user that runs the RUN. An `rm -rf` of a mounted folder chained with `&&` is removed.

    ## Why is this bad?
    Without the mount, a changed `pom.xml` or build script downloads every dependency (and
    the wrapper's Gradle) again, and the downloads stay in the layer. In a cache mount they
    stay on the build machine between builds, out of the image.

    ## Example
    ```dockerfile
    FROM maven:3.9-eclipse-temurin-21 AS build
    WORKDIR /app
    COPY . .
    RUN mvn -B package -DskipTests
    ```

    ## Use instead
    ```dockerfile
    FROM maven:3.9-eclipse-temurin-21 AS build
    WORKDIR /app
    COPY . .
    RUN --mount=type=cache,target=/root/.m2/repository,sharing=locked mvn -B package -DskipTests
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it. With the cache in a mount the downloads are no longer in the layer: a later
    step that builds must mount it too. No fix is offered (the finding is still reported)
    when a later RUN of the stage (a stage built from it, an ONBUILD trigger) may read the
    downloads without the mount (anything but the same tool and a short list of file and
    package tools); when a later `COPY --from` takes the cache from the stage; when the
    cache may be elsewhere (`-Dmaven.repo.local`, MAVEN_OPTS or MAVEN_ARGS set, a Maven
    settings file whose `<localRepository>` may move it: `-s`/`-gs`, a copied settings.xml,
    `.mvn/maven.config` naming one, as the official image's settings-docker.xml does; Gradle's
    `-g`, the official gradle image, whose Gradle user home is a VOLUME, unless the
    Dockerfile sets GRADLE_USER_HOME; Bun without BUN_INSTALL_CACHE_DIR, or with a
    bunfig.toml that configures the cache); when the user that runs the RUN is not known or is
    not root and the folder's parent would be created owned by root; when the RUN works
    offline (`--offline`, `-o`, `RUN --network=none`); and for the reasons every SF6 rule
    has: sudo, a RUN commented as warming a cache, an earlier step that filled the folder
    without a mount, an unreadable shell or heredoc, a `# syntax=` older than 1.2, a folder
    name BuildKit's `--mount` would split. Silent on Windows images, for exec-form RUNs and
    ONBUILD triggers, and when the RUN already mounts the cache.
    """

    code = "SF610"
    triggers = tuple(dict.fromkeys(spec.program for spec in _SPECS))  # mvn, gradle, bun (mvnw, gradlew)
    name = "dependency-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep Maven's, Gradle's and Bun's downloads in BuildKit cache mounts between builds"
    message = "the build downloads every dependency again on each rebuild: mount its cache"
    mount_markers = tuple(m for spec in _SPECS for m in spec.markers)
    offline_options = tuple(dict.fromkeys(o for spec in _SPECS for o in spec.offline_options))
    looks_like = re.compile("|".join(f"(?:{spec.looks_like.pattern})" for spec in _SPECS) or r"(?!)")

    def wants(self, cmd: SimpleCommand) -> bool:
        return any(spec.uses(cmd) for spec in _SPECS)

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        plan = Plan([])
        for spec in _SPECS:
            used = [c for c in commands if spec.uses(c)]
            if not used:
                continue
            why = spec.refuse(ctx, inst, used)
            if why:
                return Refusal(why)
            suffixes = spec.env_suffixes or ("",) * len(spec.folders)
            for folder, suffix in zip(spec.folders, suffixes):
                mount = user_cache(ctx, inst, folder, env=spec.env, env_suffix=suffix, sharing=spec.sharing)
                if isinstance(mount, Refusal):
                    return mount
                plan.mounts.append(mount)
            why = unmounted_reader(ctx, type(self), inst, program(used[0]) or spec.program)
            if why:
                return Refusal(why)
        targets = [m.target for m in plan.mounts]
        for cmd in run.commands():
            if removes_only(cmd, "rm", targets):
                plan.cleanups.append(cmd)
        return plan
