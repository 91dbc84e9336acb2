"""Maven: the POM and the project's .mvn/ folder and wrapper (SF201: `mvn
dependency:go-offline` before the source when a build has no download step), and its local
repository, ~/.m2/repository, as a cache mount (SF610)."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from ..shell.packages import program_words
from .files import Manifests, add, join, missing
from .install import DownloadStep, Install, first_option_problem, literal_words, runs
from .mounts import CacheMount

PROGRAM = re.compile(r"^mvnw?$")
# the goals that download what the build needs without building (the dependency plugin's)
_DOWNLOAD_GOALS = ("dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins")
# the phases (and the goals of the usual packaging plugins) that download as they build
_BUILDS = {"compile", "test-compile", "test", "package", "integration-test", "verify", "install", "deploy",
           "spring-boot:repackage", "spring-boot:build-image", "quarkus:build", "jib:build", "jib:dockerBuild"}
# options that need files or choices the download step would need too: another POM or
# settings file, profiles (they may add dependencies), a part of a multi-module build
_NEEDS_MORE = ("-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P", "--activate-profiles",
               "-pl", "--projects", "-am", "--also-make", "-rf", "--resume-from", "-o", "--offline")
DOWNLOAD = "dependency:go-offline"


def _goals(rest: list[str]) -> list[str]:
    return [w for w in rest if not w.startswith("-")]


def _needs_more(rest: list[str]) -> str | None:
    for w in rest:
        if w.split("=", 1)[0] in _NEEDS_MORE or (w.startswith("-P") and len(w) > 2):
            return f"`{w}` names files or profiles the download step would need too"
        if w.startswith("-D") and not w.startswith(("-DskipTests", "-Dmaven.test.skip")):
            return f"`{w}` sets a property the POM may need to resolve its dependencies"
    return None


def recognise(prog: str, rest: list[str]) -> Install | None:
    """``mvn dependency:go-offline`` (``dependency:resolve``): it downloads what the POM
    names, and reads only the POM and .mvn/."""
    if not PROGRAM.match(prog) or not any(g in _DOWNLOAD_GOALS for g in _goals(rest)):
        return None
    found = Install("maven", ["pom.xml"])
    if any(g not in _DOWNLOAD_GOALS for g in _goals(rest)):
        found.needs_source = "the same command also builds"
    else:
        found.needs_source = _needs_more(rest)
    return found


def _problem(pom: str, text: str) -> str | None:
    if re.search(r"<modules>", text):
        return (f"{pom} is a multi-module build: dependency:go-offline would try to download the project's own "
                "modules, which only the build makes")
    if re.search(r"<relativePath>\s*[^<\s]", text):
        return f"{pom} takes its parent POM from a path in the source tree"
    if re.search(r"<systemPath>", text):
        return f"{pom} has a system-scoped dependency from a path in the source tree"
    if re.search(r"<url>\s*file:|\$\{(?:project\.)?basedir\}", text):
        return f"{pom} names a repository or a file in the source tree, which go-offline would need too"
    return None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    """pom.xml (one module: a multi-module build needs its modules built first), the
    wrapper script mvnw and .mvn/ (the wrapper's settings, maven.config, extensions)."""
    pom = join(cwd, "pom.xml")
    add(found, pom)
    if context is None:
        return
    if not context.included(pom):
        found.problem = missing(pom)
        return
    found.problem = _problem(pom, context.read(pom) or "")
    if found.problem:
        return
    config = context.read(join(cwd, ".mvn/maven.config")) if context.included(join(cwd, ".mvn/maven.config")) else ""
    if config and _needs_more(config.split()):
        found.problem = f"{join(cwd, '.mvn/maven.config')} names files or profiles the download step would need too"
        return
    if context.included(join(cwd, "mvnw")):
        add(found, join(cwd, "mvnw"))
    if context.exists_dir(join(cwd, ".mvn")):
        found.dirs.append(join(cwd, ".mvn"))


READERS = {"maven": read_manifests}


# --- SF201: a build with no download step before it -------------------------------------

def _builds(cmd) -> bool:
    argv = literal_words(cmd, PROGRAM)
    goals = _goals(argv[1:]) if argv else []
    return any(g in _BUILDS for g in goals) and not any(g in _DOWNLOAD_GOALS for g in goals)


def _downloads(cmd) -> bool:
    argv = literal_words(cmd, PROGRAM)
    return bool(argv) and any(g in _DOWNLOAD_GOALS for g in _goals(argv[1:]))


def _command(builds) -> str:
    return f"{program_words(builds[0])[0]} {DOWNLOAD}"  # the build's own mvn or ./mvnw


def _refuse(builds) -> str | None:
    return first_option_problem(builds, _needs_more)


DOWNLOAD_STEP = DownloadStep(
    program="mvn", manifest="pom.xml",
    missing="dependency download step: every source edit downloads the dependencies again",
    builds=_builds, downloads=_downloads, command=_command, install=lambda: Install("maven", ["pom.xml"]),
    refuse=_refuse)


# --- its local repository as a cache mount (SF610) ---------------------------------------

def _uses(cmd) -> bool:
    return runs(cmd, PROGRAM)


_SETTINGS_OPTIONS = ("-s", "--settings", "-gs", "--global-settings")


def _moves_repository(ctx, inst, commands) -> str | None:
    """``-Dmaven.repo.local`` (or MAVEN_OPTS / MAVEN_ARGS, which may hold it) puts the local
    repository somewhere else; so may a settings file (``-s``, ``-gs``, or a settings.xml
    the Dockerfile copies in: its ``<localRepository>``, as the official image's
    settings-docker.xml sets /usr/share/maven/ref/repository)."""
    from ..analysis.variables import env_set

    for cmd in commands:
        if any(w.value is None or "maven.repo.local" in w.value for w in cmd.words):
            return f"`{cmd.text()}` may move the local repository (maven.repo.local, or a word slimfix cannot read)"
        given = next((w.value for w in cmd.words
                      if w.value in _SETTINGS_OPTIONS or w.value.startswith(("--settings=", "--global-settings="))),
                     None)
        if given:
            return f"`{given.split('=', 1)[0]}` names a settings file, whose <localRepository> may be elsewhere"
    for other in ctx.doc.instructions[: inst.index]:
        if other.keyword in ("COPY", "ADD") and ("settings.xml" in other.args or ".m2" in other.args):
            return (f"line {other.start_line} copies a settings.xml (or into .m2), whose <localRepository> may "
                    "put the local repository elsewhere")
    context = ctx.build_context
    if context is not None:
        config = context.read(".mvn/maven.config") or ""
        if "maven.repo.local" in config or any(o.split("=", 1)[0] in _SETTINGS_OPTIONS for o in config.split()):
            return ".mvn/maven.config moves the local repository or names a settings file"
    from .gradle import JAVA_HOME_NOT_ENV

    if env_set(ctx, inst, "HOME"):
        return JAVA_HOME_NOT_ENV
    for name in ("MAVEN_OPTS", "MAVEN_ARGS"):
        if env_set(ctx, inst, name):
            return f"{name} is set and may move the local repository (maven.repo.local)"
    return None


CACHE_MOUNT = CacheMount(
    program="mvn", uses=_uses, folders=(".m2/repository",), sharing="locked", markers=(".m2",),
    offline_options=("-o", "--offline"), looks_like=re.compile(r"(^|[\s/])mvnw?\s"), refuse=_moves_repository)
