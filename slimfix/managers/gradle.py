"""Gradle: the settings and build scripts, gradle.properties, the wrapper (gradlew and
gradle/) (SF201: `gradle dependencies` before the source when a build has no download
step), and the Gradle user home's caches as a cache mount (SF610)."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from ..shell.packages import program_words
from .files import Manifests, add, join, missing
from .install import DownloadStep, Install, first_option_problem, literal_words, runs
from .mounts import CacheMount

PROGRAM = re.compile(r"^gradlew?$")
# the tasks that build (and download what they compile against)
_BUILDS = {"build", "assemble", "jar", "war", "bootJar", "bootWar", "installDist", "distTar", "distZip", "shadowJar",
           "test", "check", "classes", "compileJava", "compileKotlin", "quarkusBuild", "buildFatJar"}
# a task that resolves the dependencies without building
_DOWNLOADS = {"dependencies", "androidDependencies", "buildEnvironment"}
_SCRIPTS = ("settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts")
_OPTIONAL = ("gradle.properties", "gradlew")
# options that name files or projects the download step would need too
_NEEDS_MORE = ("-b", "--build-file", "-c", "--settings-file", "-p", "--project-dir", "-I", "--init-script",
               "--include-build", "--offline")
# What in a script needs the source tree: other projects or builds it includes, another
# script it applies, files of the project it reads.
_NEEDS_SOURCE = (
    (re.compile(r"\b(include|includeBuild|includeFlat)\b\s*[(\"']"),
     "includes other projects or builds, whose scripts live in the source tree"),
    (re.compile(r"\bapply\s*\(?\s*from\b"), "applies another script of the source tree"),
    (re.compile(r"\b(file|files|fileTree|File)\s*\(|\breadText\b|\bProperties\s*\(\s*\)"),
     "reads other files of the project"),
)
DOWNLOAD = "dependencies"


def _needs_more(rest: list[str]) -> str | None:
    for w in rest:
        if w.split("=", 1)[0] in _NEEDS_MORE:
            return f"`{w}` names files or projects the download step would need too"
    return None


def _tasks(argv: list[str]) -> list[str]:
    return [w.rsplit(":", 1)[-1] for w in argv[1:] if not w.startswith("-")]


def _builds(cmd) -> bool:
    argv = literal_words(cmd, PROGRAM)
    return bool(argv) and any(t in _BUILDS for t in _tasks(argv))


def _downloads(cmd) -> bool:
    argv = literal_words(cmd, PROGRAM)
    return bool(argv) and any(t in _DOWNLOADS for t in _tasks(argv))


def _command(builds) -> str:
    return f"{program_words(builds[0])[0]} {DOWNLOAD} --no-daemon"  # the build's own gradle or ./gradlew


def _refuse(builds) -> str | None:
    return first_option_problem(builds, _needs_more)


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    """The settings and build scripts, gradle.properties, gradlew and gradle/ (the
    wrapper's properties and jar, the version catalog libs.versions.toml). A multi-project
    or composite build, buildSrc/, or a script that reads other project files needs the
    source tree."""
    if context is None:
        add(found, join(cwd, "build.gradle"))
        return
    scripts = [join(cwd, s) for s in _SCRIPTS if context.included(join(cwd, s))]
    if not any(s.rsplit("/", 1)[-1].startswith("build.") for s in scripts):
        found.problem = missing(join(cwd, "build.gradle"))
        return
    if context.exists_dir(join(cwd, "buildSrc")):
        found.problem = f"{join(cwd, 'buildSrc')}/ holds build logic compiled from the source tree"
        return
    for script in scripts:
        text = context.read(script) or ""
        for pattern, why in _NEEDS_SOURCE:
            m = pattern.search(text)
            if m:
                found.problem = f"{script} {why} (`{m.group(0).strip()}`)"
                return
    for rel in scripts + [join(cwd, n) for n in _OPTIONAL if context.included(join(cwd, n))]:
        add(found, rel)
    if context.exists_dir(join(cwd, "gradle")):
        found.dirs.append(join(cwd, "gradle"))


READERS = {"gradle": read_manifests}

DOWNLOAD_STEP = DownloadStep(
    program="gradle", manifest="build.gradle",
    missing="dependency download step: every source edit downloads the dependencies (and the wrapper's Gradle) again",
    builds=_builds, downloads=_downloads, command=_command, install=lambda: Install("gradle", ["build.gradle"]),
    refuse=_refuse)


# --- the Gradle user home's caches as cache mounts (SF610) -------------------------------

def _uses(cmd) -> bool:
    return runs(cmd, PROGRAM)


# Java takes user.home from the user's /etc/passwd entry, not from $HOME (JDK-8280357):
# a mount under an ENV HOME would stay empty while the tool writes the real home's folder.
JAVA_HOME_NOT_ENV = "HOME is set with ENV, but Java takes the home folder from /etc/passwd, not from $HOME"


def _moves_user_home(ctx, inst, commands) -> str | None:
    """``-g``/``--gradle-user-home`` moves the Gradle user home; so does the official gradle
    image, which keeps it in a VOLUME (/home/gradle/.gradle, with /root/.gradle a link to it)
    unless the Dockerfile sets GRADLE_USER_HOME."""
    from ..analysis.official_images import is_official
    from ..analysis.stages import ancestors
    from ..analysis.variables import env_set

    for cmd in commands:
        if any(w.value is None or w.value.split("=", 1)[0] in ("-g", "--gradle-user-home") for w in cmd.words):
            return f"`{cmd.text()}` may move the Gradle user home (-g, or a word slimfix cannot read)"
    if env_set(ctx, inst, "GRADLE_USER_HOME"):
        return None
    if env_set(ctx, inst, "HOME"):
        return JAVA_HOME_NOT_ENV
    stage = ctx.doc.stage_of(inst)
    base = ancestors(ctx.doc, stage)[-1].base if stage is not None else ""
    if is_official(base, "gradle"):
        return ("the gradle image keeps the Gradle user home in a VOLUME (/home/gradle/.gradle, linked from "
                "/root/.gradle): set GRADLE_USER_HOME with ENV to get the fix")
    return None


CACHE_MOUNT = CacheMount(
    program="gradle", uses=_uses, folders=(".gradle/caches", ".gradle/wrapper"), env="GRADLE_USER_HOME",
    env_suffixes=("/caches", "/wrapper"), markers=(".gradle",), offline_options=("--offline",),
    looks_like=re.compile(r"(^|[\s/])gradlew?\s"), refuse=_moves_user_home)
