from __future__ import annotations

import re
from typing import Iterable

from ..effects import Effect
from ..fixes import Applicability, FixAvailability, Kind
from ..shell.packages import program_words
from .base import Finding, Rule, RuleContext
from .common.split_go import go_builds, golang_tag, plan_go
from .common.split_java import java_tag, maven_builds, plan_java
from .common.split_node import build_command, plan_node
from .common.split_python import plan_python
from .common.split_stages import Refuse, rename_edit, single_stage_problem, tail_edit

_TOOLS = re.compile(r"^(build-essential|build-base|gcc|g\+\+|gcc-c\+\+|make|cmake|clang|llvm|"
                    r"autoconf|automake|libtool|pkg-config|pkgconf|[a-z0-9.+-]+-(dev|devel))$")
_INSTALL = {"apt-get": {"install"}, "apt": {"install"}, "apk": {"add"}, "yum": {"install"},
            "dnf": {"install"}, "microdnf": {"install"}}
_REMOVE = {"purge", "remove", "autoremove", "del"}


def _virtual_group(argv: list) -> str | None:
    """NAME of ``apk add --virtual NAME`` (or ``-t NAME``)."""
    for i, a in enumerate(argv):
        if a in ("--virtual", "-t") and i + 1 < len(argv):
            return argv[i + 1]
        if a and a.startswith("--virtual="):
            return a.split("=", 1)[1]
    return None


class BuildToolsInFinalStage(Rule):
    """
    ## What it does
    Reports a final stage that carries its build tools into the image: compilers and
    development headers it installs and never removes (`build-essential`, `gcc`, `make`,
    `*-dev`, ...), the Go toolchain of a `golang` image that builds and runs a binary, or
    the devDependencies left behind by `npm run build` (yarn, pnpm). Where the split is
    mechanical, it offers to split the stage into a `build` stage and a runtime stage:

    - **Go**: one `go build -o PATH` whose binary the ENTRYPOINT or CMD starts. The runtime
      stage is `gcr.io/distroless/static-debian12` for a static build (`CGO_ENABLED=0`)
      started in exec form, otherwise the Debian slim image of the release the golang tag
      names (`golang:1.22-bookworm` -> `debian:bookworm-slim`), where it installs
      `ca-certificates` first (the golang images have them, the slim ones do not, and
      outbound HTTPS would fail without them). It copies the binary, and
      the files of the source tree the Go code reads at run time by literal relative paths
      (`http.Dir("static")`, `template.ParseFiles(...)`); `//go:embed` files are in the
      binary already. ENV (not the Go build settings), LABEL, USER, EXPOSE, WORKDIR and
      what followed the build are carried over.
    - **Java (Maven)**: a `maven:*-eclipse-temurin-N` stage (or `eclipse-temurin:N-jdk*` with
      `./mvnw`) that packages once with Maven and starts `java -jar` in exec form. The jar
      must be the one the POM builds (`target/<finalName>.jar`, or
      `target/<artifactId>-<version>.jar` with literal values): the runtime stage is the
      Temurin JRE of the same release (`eclipse-temurin:21-jre`, `17-jre-jammy`); it
      repeats the project COPYs in the same WORKDIR (files the program opens by a relative
      path stay where they were) and copies that jar; ENV (not Maven's settings), LABEL,
      EXPOSE and what followed the build are carried over.
    - **Python**: an apt RUN installs build packages, then `pip install` builds. The build
      stage installs into a virtualenv in /opt/venv; the runtime stage, on the same base,
      installs the runtime library of each `-dev` package (`libpq-dev` -> `libpq5`,
      `libxml2-dev` -> `libxml2`, ...: `runtime_libs.py`) without the build tools, copies
      the virtualenv, puts it first on PATH, and keeps every other instruction.
    - **Node**: one `npm ci`/`npm install`/`yarn install`/`pnpm install`, then the build
      (`tsc`, `babel -d`, `nest build`) into the folder that the CMD (or the `start`
      script) runs with node. The runtime stage replays the stage with a production install
      (`--omit=dev`, `--production`, `--prod`) instead of the full one, copies the build
      output, and keeps the files the stage copied.

    ## Why is this bad?
    Build tools are needed to build, not to run: they add hundreds of megabytes and a
    larger attack surface to every container. A multi-stage build compiles in one stage
    and copies only the result into a clean final stage.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    CMD ["python", "-m", "app"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim AS build
    RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN python3 -m venv /opt/venv
    ENV PATH="/opt/venv/bin:$PATH"
    RUN pip install --no-cache-dir -r requirements.txt

    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y libpq5 && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    COPY --from=build /opt/venv /opt/venv
    ENV PATH="/opt/venv/bin:$PATH"
    CMD ["python", "-m", "app"]
    ```

    ## Fix safety
    Unsafe, applied only with `--unsafe-fixes`: the image's contents change on purpose,
    and what the program needs at run time can only be inferred. Prove it with
    `slimfix verify --unsafe-fixes`. Everything else stays advice, with the reason in the
    note: files with several stages or a named stage (`--target` would then build the
    build stage); Windows images and ONBUILD; for Go, `go run`, a command other than the
    binary, other RUNs (packages the program may use), a shell-form command or cgo build
    whose runtime base the golang tag does not determine, a CMD, ENTRYPOINT or HEALTHCHECK
    before the build, Go code that runs other programs
    (`exec.Command`) or reads files by names that are not literals, and no build context
    to read; for Java, any RUN that is not Maven (packages, fonts), Maven options naming
    other POMs, modules, profiles or properties (also through `.mvn/maven.config` or
    MAVEN_ARGS), native images and jlink, WAR packaging, multi-module POMs, a jar name set
    by a property, a classifier, shade, assembly, thin jar or other build directory, a jar
    the command names that the POM does not build (`COPY --from` would fail a build that
    worked), a shell-form command, program arguments (also a CMD beside the ENTRYPOINT),
    options other than memory sizes, `-XX` flags and plain-word `-D` properties, Java
    options or paths set with ENV, a USER other than root (the JRE image lacks the stage's
    users), a CMD, ENTRYPOINT or HEALTHCHECK before the build or a HEALTHCHECK anywhere, a
    WORKDIR after it, a COPY before the build of anything but the project or into another
    folder, POM profiles that change the build, a `target/` in the build context, and a
    program that may need what only the JDK image has (another program through
    `ProcessBuilder` or `exec`, `javax.tools`, the attach API and other JDK-only modules,
    `RandomGenerator` before Java 23, native libraries, target/ or `.m2/`); a dependency
    that needs a JDK-only module cannot be seen: prove the split with `slimfix verify
    --smoke`. Gradle, other JDKs and the deprecated `openjdk` images are left alone; for
    Python, a `-dev` package missing from the table (or whose runtime name
    differs between Debian releases when the base does not name its release), pip options
    that bypass a virtualenv (`--user`, `--target`, `-e`), other installers (uv, poetry),
    RUNs that compile, and a command started by an absolute python path; for Node,
    lifecycle scripts (`postinstall`, `prepare`) the production install would run without
    the devDependencies, code importing a devDependency, build scripts slimfix cannot read,
    Yarn 2+, and RUNs around the build. Packages that the stage removes again are not
    reported: `apt-get purge`, `apk del` (also of an `apk add --virtual` group), and the
    `apt-mark auto '.*'` then `apt-get purge --auto-remove` idiom of the official images.
    """

    code = "SF502"
    name = "build-tools-in-final-stage"
    effect = Effect("builds in a new stage and changes the final stage's base image", base=True)
    summary = "Build tools in the final stage: split it into a build and a runtime stage"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (Applicability.UNSAFE,)
    kind = Kind.ADVICE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        if not doc.stages:
            return
        stage = doc.stages[-1]
        tag = golang_tag(stage)
        if tag is not None and go_builds(ctx, stage):
            message = (f"the final stage runs on {stage.base}, the whole Go toolchain: build the binary in a "
                       "build stage and run it on a small base")
            yield self._split(ctx, stage.from_, message, lambda: plan_go(ctx, stage, tag))
            return
        java = java_tag(stage)
        if java is not None and maven_builds(ctx, stage):
            message = (f"the final stage runs on {stage.base}, a whole JDK and Maven: build the jar in a build "
                       f"stage and run it on {java[2]}")
            yield self._split(ctx, stage.from_, message, lambda: plan_java(ctx, stage, java[2]))
            return
        left, first = self._build_tools(ctx, stage)
        if left:
            message = (f"the final stage installs build tools ({', '.join(left)}): build in an earlier stage "
                       "and copy only the result")
            runs = {i.index for i in first.values()}
            yield self._split(ctx, first[left[0]], message, lambda: plan_python(ctx, stage, runs))
            return
        found = build_command(ctx, stage)
        if found is not None:
            inst, cmd = found
            message = ("the final stage keeps the devDependencies its build needed: build in an earlier stage "
                       "and install only the production dependencies")
            yield self._split(ctx, inst, message, lambda: plan_node(ctx, stage, inst, cmd))

    def _split(self, ctx: RuleContext, inst, message: str, plan) -> Finding:
        problem = single_stage_problem(ctx)
        if problem is None:
            try:
                split = plan()
            except Refuse as exc:
                problem = str(exc)
        if problem is not None:
            return self.not_fixed(inst, message, problem)
        stage = ctx.doc.stages[0]
        edits = [rename_edit(stage), *split.edits, tail_edit(ctx.doc, split)]
        # the fix rewrites the whole stage: the finding covers it, from its FROM
        last = stage.instructions[-1] if stage.instructions else stage.from_
        return self.finding(stage.from_, message, edits=edits, detail=split.detail, end=last.span.end)

    def _build_tools(self, ctx: RuleContext, stage) -> tuple[list[str], dict[str, object]]:
        """The build packages the stage installs and never removes, and the RUN of each."""
        installed: dict[str, object] = {}
        removed: set[str] = set()
        for inst in stage.instructions:
            run = ctx.run(inst)
            if run is None:
                continue
            this_run: set[str] = set()
            groups: dict[str, list[str]] = {}  # apk add --virtual NAME: the packages under NAME
            auto_marked = False
            for cmd in run.commands():
                argv = program_words(cmd)
                if not argv or argv[0] is None:
                    continue
                prog = argv[0].rsplit("/", 1)[-1]
                words = [w for w in argv[1:] if w is not None and not w.startswith("-")]
                if prog == "apt-mark" and "auto" in words:
                    auto_marked = True  # the docker-library idiom: mark all, purge what is unneeded
                    continue
                if not words or prog not in _INSTALL:
                    continue
                if words[0] in _INSTALL[prog]:
                    pkgs = [re.split(r"[=:]", p, maxsplit=1)[0] for p in words[1:]]
                    group = _virtual_group(argv)
                    if group:
                        pkgs = [p for p in pkgs if p != group]
                        groups[group] = pkgs
                    for name in pkgs:
                        if _TOOLS.match(name):
                            installed.setdefault(name, inst)
                            this_run.add(name)
                elif words[0] in _REMOVE:
                    names = [re.split(r"[=:]", p, maxsplit=1)[0] for p in words[1:]]
                    for name in names:
                        removed.update(groups.get(name, [name]))
                    if auto_marked and ("--auto-remove" in argv or words[0] == "autoremove"):
                        removed.update(this_run)
        left = [p for p in installed if p not in removed]
        return left, {p: installed[p] for p in left}
