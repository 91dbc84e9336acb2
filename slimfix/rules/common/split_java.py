"""SF502 for Java: a Maven stage on a JDK image that packages one jar and runs it.

The runtime stage is the Eclipse Temurin JRE of the same Java release, and of the same
operating system where the tag names one (`maven:3.9-eclipse-temurin-21` ->
`eclipse-temurin:21-jre`, whose default Ubuntu may be a newer one: a jar does not mind;
`eclipse-temurin:17-jdk-jammy` with `./mvnw` -> `eclipse-temurin:17-jre-jammy`). It repeats
the stage's COPYs of the project in the same working directory, so that whatever the program
opens there by a relative path (a keystore, `config/`, `src/main/webapp`, a `.env`) is where
it was, and copies the jar the build made. What stays behind: the JDK's tools, Maven, its
local repository and the rest of target/. Only a split that is mechanical is offered:

- the jar is the one `java -jar` starts, in exec form, and it is the one the POM builds
  (`target/<finalName>.jar`, or `target/<artifactId>-<version>.jar` with literal values): a
  path the build never writes would make `COPY --from` fail a build that worked;
- nothing but Maven runs in the stage (packages another RUN installs, fonts for a report
  library, may be needed at run time); nothing but the project is copied before the build,
  each COPY into the working directory the program starts in; no CMD, ENTRYPOINT or
  HEALTHCHECK comes before the build, and nothing but metadata follows it;
- the command is `java [-X.../-D... options] -jar FILE` with no program arguments and no
  option that names a file (`-javaagent:`), and no ENV sets Java options, Maven arguments
  or a path;
- the POM makes a plain jar in target/ (no thin jar with its dependencies beside it or in
  Maven's repository, no other build directory, no profile that changes the build), and
  no `.mvn/maven.config` adds options;
- the program needs nothing only the JDK image has: another program (`ProcessBuilder`,
  `exec`: git is in the maven image), the compiler (`javax.tools`), the attach API and the
  other JDK-only modules, `jdk.random` before Java 23 (`RandomGenerator`), native
  libraries, target/ or `.m2/`. A dependency that needs a JDK-only module at run time
  cannot be seen from the sources: `slimfix verify --smoke` runs the program in both.

jlink, GraalVM native images, WAR packaging, multi-module builds, Gradle, other JDK
distributions and the deprecated `openjdk` images are refused.
"""

from __future__ import annotations

import os
import posixpath
import re

from ...analysis.official_images import official_image
from ...shell.packages import program_words
from ...syntax import Instruction, Stage
from ..base import RuleContext
from .split_stages import BUILD_STAGE, Refuse, Split, final_workdir, from_flags, head_of, head_replay, instruction_line, resolve, \
    runtime_command, tail_of

_MAVEN_TAG = re.compile(r"^(?:[\d.]+-)?eclipse-temurin-(\d+)(-(?:alpine|noble|jammy|focal|ubi\d+-minimal))?$")
_TEMURIN_TAG = re.compile(r"^(\d+(?:\.[\d.]+(?:_\d+)?)?)(?:-jdk)?(-(?:alpine|noble|jammy|focal|ubi\d+-minimal))?$")
_MAVEN_PROGRAMS = ("mvn", "mvnw")
_BUILD_GOALS = {"package", "install", "verify"}
_DOWNLOAD_GOALS = {"dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins"}
_METADATA = {"ENV", "LABEL", "EXPOSE", "WORKDIR", "CMD", "ENTRYPOINT", "STOPSIGNAL", "VOLUME", "MAINTAINER"}
_NATIVE = re.compile(r"native-image|-Pnative|jlink|jpackage|spring-boot:build-image|jib:", re.I)
# What a program may need that only the JDK image has: another program (git, mvn are in the
# maven image), the compiler, the attach API and other JDK-only modules, native libraries,
# the rest of target/ (classes, copied dependencies) or Maven's repository.
_RUNTIME_NEEDS = re.compile(
    r"\bProcessBuilder\b|\.exec\s*\(|\bjavax\.tools\b|\bToolProvider\b|VirtualMachine\.attach"
    r"|\bjdk\.(?:attach|jshell|compiler|jdi|jartool|jlink|jconsole|jstatd)\b|\bcom\.sun\.(?:tools|jdi)\b"
    r"|\bsun\.(?:tools|jvmstat)\b|\bjdk\.security\.jarsigner\b|System\.load(?:Library)?\s*\(|[\"'/]target/|\.m2/")
# JVM options that name no file: sizes, boolean and numeric -XX flags, -D with a plain word.
_PLAIN_OPTION = re.compile(r"^(?:-X(?:mx|ms|ss|mn)\d+[kKmMgG]?|-XX:[+-]\w+|-XX:\w+=[\w%-]+|-D[\w.-]+(?:=[\w-]*)?)$")
# Before Java 23 the default random generators live in jdk.random, which the JRE images lack.
_JDK_RANDOM = re.compile(r"\bRandomGenerator(?:Factory)?\b|\bjava\.util\.random\b")
# Resources that name build output or Maven's repository.
_RESOURCE_NEEDS = re.compile(r"target/|\.m2/|loader\.path|<include\s+file=", re.I)


def java_tag(stage: Stage) -> tuple[str, str, str] | None:
    """(image, tag, JRE image) for a Maven or Temurin JDK base whose JRE slimfix knows;
    None for any other base."""
    image = official_image(stage.base)
    if image is None or image.digest or "$" in image.tag:
        return None
    if image.name == "maven":
        m = _MAVEN_TAG.match(image.tag)
        return (image.name, image.tag, f"eclipse-temurin:{m[1]}-jre{m[2] or ''}") if m else None
    if image.name == "eclipse-temurin":
        m = _TEMURIN_TAG.match(image.tag)
        if m and "-jre" not in image.tag:
            return image.name, image.tag, f"eclipse-temurin:{m[1]}-jre{m[2] or ''}"
    return None


def maven_builds(ctx: RuleContext, stage: Stage) -> bool:
    """Whether the stage packages with Maven: the stages SF502 looks at for Java."""
    return any(_goals(c) & _BUILD_GOALS for inst in stage.instructions
               if (run := ctx.run(inst)) is not None and not run.unsupported for c in run.commands())


def _program(cmd) -> str | None:
    argv = program_words(cmd)
    return argv[0].rsplit("/", 1)[-1] if argv and argv[0] is not None else None


def _goals(cmd) -> set[str]:
    if _program(cmd) not in _MAVEN_PROGRAMS:
        return set()
    return {w for w in program_words(cmd)[1:] if w is not None and not w.startswith("-")}


def plan_java(ctx: RuleContext, stage: Stage, jre: str) -> Split:
    entry, cmd = runtime_command(stage)
    if entry is not None and cmd is not None:
        raise Refuse(f"line {cmd.start_line}: the CMD's words reach the ENTRYPOINT's program as arguments, which "
                     "may name files")
    jar = _started_jar(entry, cmd)
    build = _the_build(ctx, stage)
    cwd = final_workdir(stage)
    target = resolve(cwd, jar)
    built = _built_jar(ctx, stage, build)
    if target != built:
        raise Refuse(f"the container starts {target}, but the POM builds {built}: slimfix copies only a jar it "
                     "knows the build writes")
    tail = tail_of(stage, build)
    for inst in tail:
        if inst.keyword == "WORKDIR":
            raise Refuse(f"line {inst.start_line}: a WORKDIR after the build moves the program into a folder the "
                         "runtime stage would not fill")
        if inst.keyword not in _METADATA:
            raise Refuse(f"line {inst.start_line}: {inst.keyword} after the build may need the JDK, Maven or the "
                         "source tree")
    lines, carried = head_replay(stage, build, ("MAVEN_", "M2_"), "Maven settings")
    for inst in tail + carried:
        if "$" in instruction_line(inst).split(None, 1)[-1]:
            raise Refuse(f"line {inst.start_line} uses a variable the runtime stage would not set")
    release = int(re.match(r"eclipse-temurin:(\d+)", jre)[1])
    _needs_nothing_of_the_jdk(ctx, release)
    copies = _project_copies(ctx, stage, build, cwd)
    if cwd != "/":
        lines.append(f"WORKDIR {cwd}")
    # the same project files in the same working directory: whatever the program opens there
    # by a relative path (a keystore, config/, src/main/webapp) is where it was
    lines += [instruction_line(c) for c in copies]
    lines.append(f"COPY --from={BUILD_STAGE} {built} {built}")
    return Split(jre, lines, build, f"the jar {built} runs on {jre}, beside the same project files; the JDK, "
                 "Maven, its local repository and the rest of target/ stay in the build stage",
                 from_flags=from_flags(stage))


def _started_jar(entry: Instruction | None, cmd: Instruction | None) -> str:
    first = entry or cmd
    if first is None:
        raise Refuse("the stage has no CMD or ENTRYPOINT: slimfix cannot tell what runs in it")
    if not first.is_json:
        raise Refuse(f"line {first.start_line} starts the program through /bin/sh (shell form): use the exec form")
    argv = list(first.command.json_values or ())
    if entry is not None and cmd is not None and cmd.is_json:
        argv += list(cmd.command.json_values or ())
    if not argv or argv[0] not in ("java", "/opt/java/openjdk/bin/java"):
        raise Refuse(f"line {first.start_line} does not start `java -jar`")
    for i, a in enumerate(argv[1:], 1):
        if a == "-jar" and i + 1 < len(argv):
            jar = argv[i + 1]
            if not jar.endswith(".jar") or re.search(r"[*?\[$]", jar):
                raise Refuse(f"line {first.start_line}: the jar `{jar}` is not a literal path")
            if argv[i + 2:]:
                raise Refuse(f"line {first.start_line} passes the program arguments (`{argv[i + 2]}`), which may "
                             "name files of the source tree")
            return jar
        if a in ("-cp", "-classpath", "--class-path", "-m", "--module") or not a.startswith("-"):
            break
        if not _PLAIN_OPTION.match(a):
            raise Refuse(f"line {first.start_line}: the option `{a}` may name a file the runtime stage lacks "
                         "(slimfix takes only memory, GC-flag and plain-word -D options)")
    raise Refuse(f"line {first.start_line} does not start `java -jar FILE`")


def _the_build(ctx: RuleContext, stage: Stage) -> Instruction:
    """The one RUN that packages; every RUN of the stage runs Maven and nothing else."""
    found: list[Instruction] = []
    for inst in stage.instructions:
        if not found and inst.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK", "VOLUME", "STOPSIGNAL"):
            raise Refuse(f"line {inst.start_line}: {inst.keyword} before the build would not reach the runtime stage")
        if not found and inst.keyword == "COPY" and not _project_copy(inst):
            raise Refuse(f"line {inst.start_line} copies files the program may read at run time: only the "
                         "project (the context, pom.xml, src, .mvn, mvnw) may be copied before the build")
        if inst.keyword == "ENV" and any(n in ("MAVEN_ARGS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS",
                                                "USE_SYSTEM_CA_CERTS")
                                         or re.search(r"[/\\]|file:", v)
                                         for n, v in zip(inst.values()[0::3], inst.values()[1::3])):
            raise Refuse(f"line {inst.start_line} sets Maven arguments, Java options or a path the runtime stage "
                         "may not have")
        if inst.keyword == "ADD":
            raise Refuse(f"line {inst.start_line}: ADD may fetch what the program needs at run time")
        if inst.keyword == "COPY" and inst.effective.flag("from"):
            raise Refuse(f"line {inst.start_line} copies from another image: the program may need it at run time")
        if inst.keyword == "USER" and inst.args.split(":", 1)[0].strip() not in ("root", "0"):
            raise Refuse(f"line {inst.start_line}: USER {inst.args.strip()} may not exist in the JRE image")
        if inst.keyword in ("ARG", "ONBUILD", "SHELL"):
            raise Refuse(f"line {inst.start_line}: {inst.keyword} in the stage")
        if inst.keyword != "RUN":
            continue
        run = ctx.run(inst)
        if run is None or run.unsupported or inst.heredocs:
            raise Refuse(f"line {inst.start_line}: a RUN slimfix cannot read")
        if _NATIVE.search(inst.args):
            raise Refuse(f"line {inst.start_line} makes a native image or a custom runtime (native-image, jlink): "
                         "not a jar on a JRE")
        packages = False
        for c in run.commands():
            argv = program_words(c)
            if any(a is None for a in argv):
                raise Refuse(f"line {inst.start_line}: a command uses a shell expansion")
            prog = _program(c)
            if prog == "chmod" and argv[1:2] == ["+x"] and all(a.endswith("mvnw") for a in argv[2:]):
                continue
            if prog not in _MAVEN_PROGRAMS:
                raise Refuse(f"line {inst.start_line} runs `{prog}`: the program may need what it makes or "
                             "installs at run time")
            flags = [a for a in argv[1:] if a.startswith("-")]
            if any(f.split("=", 1)[0] in ("-f", "--file", "-pl", "--projects", "-am", "-P", "--activate-profiles")
                   or f.startswith("-P") for f in flags):
                raise Refuse(f"line {inst.start_line}: Maven options that name other POMs, modules or profiles")
            if any(f.startswith("-D") and not f.startswith(("-DskipTests", "-Dmaven.test.skip")) for f in flags):
                raise Refuse(f"line {inst.start_line}: a -D property may name the jar or change the build")
            goals = _goals(c)
            if goals & _BUILD_GOALS:
                packages = True
            elif not goals or not goals <= _DOWNLOAD_GOALS | {"clean"}:
                raise Refuse(f"line {inst.start_line} runs Maven goals slimfix does not know: {' '.join(sorted(goals))}")
        if packages:
            found.append(inst)
    if len(found) != 1:
        raise Refuse(f"{len(found)} RUNs package with Maven: slimfix splits a stage that packages once")
    return found[0]


_PROJECT_SOURCES = {".", "./", "pom.xml", "src", "src/", ".mvn", ".mvn/", "mvnw"}


def _project_copy(inst: Instruction) -> bool:
    """A COPY of the project from the build context: the whole context, or its POM, sources,
    Maven wrapper and .mvn (what the build reads; the jar is what it makes of them)."""
    from ...analysis.context_copy import source_path

    if inst.effective.flag("from"):
        return False
    values = inst.values()
    return len(values) >= 2 and all(source_path(v) in _PROJECT_SOURCES or v in _PROJECT_SOURCES
                                    for v in values[:-1])


def _built_jar(ctx: RuleContext, stage: Stage, build: Instruction) -> str:
    """target/<finalName>.jar of the POM in the build's working directory."""
    from ...analysis.context_copy import workdir_at

    context = ctx.build_context
    if context is None:
        raise Refuse("no build context to read: slimfix cannot tell which jar the POM builds")
    cwd = workdir_at(ctx.doc, build)
    if cwd is None:
        raise Refuse(f"line {build.start_line}: the WORKDIR uses a variable")
    rel = _context_path(ctx, stage, build, cwd)
    pom = posixpath.join(rel, "pom.xml") if rel not in ("", ".") else "pom.xml"
    text = context.read(pom) if context.included(pom) else None
    if text is None:
        raise Refuse(f"the build context has no {pom} where the build runs")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    config = posixpath.join(rel, ".mvn/maven.config") if rel not in ("", ".") else ".mvn/maven.config"
    if context.included(config):
        raise Refuse(f"{config} adds Maven options (properties, profiles) that may change the build's output")
    if re.search(r"<modules>", text):
        raise Refuse(f"{pom} is a multi-module build")
    packaging = _element(text, "packaging")
    if packaging not in (None, "jar"):
        raise Refuse(f"{pom} packages a {packaging}, not a jar")
    profiles = re.search(r"<profiles>.*?</profiles>", text, flags=re.S)
    if profiles is not None and re.search(r"<build>|<properties>", profiles.group(0)):
        raise Refuse(f"{pom} has profiles that change the build (one may be active by default)")
    parent = re.search(r"<parent>.*?</parent>", text, flags=re.S)
    own = text.replace(parent.group(0), "") if parent else text
    own = re.sub(r"<profiles>.*?</profiles>", "", own, flags=re.S)
    if re.search(r"<directory>|addClasspath|copy-dependencies|<classpathPrefix>|Class-Path|Loader-Path|"
                 r"<goal>\s*(?:copy|unpack)|dependency:(?:copy|unpack)|thin|runtime-attach|joor", own, flags=re.I):
        raise Refuse(f"{pom} moves the build's output, makes a thin jar whose dependencies sit beside it or in "
                     "Maven's repository, or uses a library that needs the JDK at run time")
    build_part = re.search(r"<build>.*?</build>", own, flags=re.S)
    final = _element(build_part.group(0), "finalName") if build_part else None
    if final is None:
        artifact, version = _element(own, "artifactId"), _element(own, "version")
        if version is None and parent is not None:
            m = re.search(r"<version>\s*([^<]*?)\s*</version>", parent.group(0))
            version = m.group(1) if m else None
        if artifact is None or version is None:
            raise Refuse(f"{pom} does not name its artifactId and version")
        final = f"{artifact}-{version}"
    if "$" in final or "/" in final:
        raise Refuse(f"{pom} names its jar with a property (`{final}`): slimfix cannot tell the file")
    if re.search(r"<classifier>|maven-shade-plugin|maven-assembly-plugin|<outputDirectory>", own):
        raise Refuse(f"{pom} configures the jar's name or place (a classifier, shade, assembly)")
    return posixpath.join(cwd, "target", f"{final}.jar")


def _element(text: str, name: str) -> str | None:
    """The first top-level-looking ``<name>`` value of ``text`` (dependencies and plugins,
    which hold their own artifactId and version, are cut out first)."""
    text = re.sub(r"<(dependencies|dependencyManagement|plugins|pluginManagement|profiles|reporting|"
                  r"extensions|modules|repositories|pluginRepositories|parent)>.*?</\1>", "", text, flags=re.S)
    m = re.search(rf"<{name}>\s*([^<]*?)\s*</{name}>", text)
    return m.group(1) if m else None


def _context_path(ctx: RuleContext, stage: Stage, build: Instruction, cwd: str) -> str:
    """Where in the build context the build's working directory came from: the stage must
    copy the whole context (or the POM) into it."""
    from ...analysis.context_copy import absolute_dest, context_copy, source_path

    for inst in reversed(head_of(stage, build)):
        copy = context_copy(inst)
        if copy is not None and absolute_dest(ctx.doc, inst, copy.dest) == cwd:
            return "."
        if inst.keyword == "COPY" and not inst.effective.flag("from"):
            values = inst.values()
            if len(values) >= 2 and "pom.xml" in (posixpath.basename(source_path(v)) for v in values[:-1]):
                where = absolute_dest(ctx.doc, inst, values[-1])
                if where in (cwd, cwd.rstrip("/") + "/"):
                    src = next(source_path(v) for v in values[:-1] if posixpath.basename(source_path(v)) == "pom.xml")
                    return posixpath.dirname(src) or "."
    raise Refuse("the stage does not copy the project into the folder the build runs in")


def _project_copies(ctx: RuleContext, stage: Stage, build: Instruction, cwd: str) -> list[Instruction]:
    """The COPYs of the project before the build, each into the final working directory
    (the runtime stage repeats them there), and a context without a target/ of its own."""
    from ...analysis.context_copy import workdir_at

    copies = [i for i in head_of(stage, build) if i.keyword == "COPY"]
    for inst in copies:
        if workdir_at(ctx.doc, inst) != cwd:
            raise Refuse(f"line {inst.start_line} copies in another working directory than the one the program "
                         "starts in")
    context = ctx.build_context
    if context is not None and context.exists_dir("target"):
        raise Refuse("the build context has a target/ folder of its own, which the build's output mixes with")
    return copies


def _needs_nothing_of_the_jdk(ctx: RuleContext, release: int) -> None:
    """Refuse a program that may need what only the JDK image has: other programs (git is in
    the maven image), the compiler, the attach API and other JDK-only modules, native
    libraries the build may have made, the files of target/ beside the jar."""
    context = ctx.build_context
    assert context is not None
    root = str(context.root)
    for dirpath, dirs, files in context.walk():
        dirs[:] = sorted(d for d in dirs if d not in ("target", ".git", "node_modules") and not d.startswith("."))
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in sorted(files):
            rel = posixpath.join(rel_dir, name) if rel_dir != "." else name
            if "/src/test/" in f"/{rel}" or not context.included(rel):
                continue
            if "/src/main/resources/" in f"/{rel}" and name.endswith((".properties", ".yml", ".yaml", ".xml")):
                m = _RESOURCE_NEEDS.search(context.read(rel) or "")
            elif name.endswith((".java", ".kt", ".groovy", ".scala")):
                text = context.read(rel) or ""
                m = _RUNTIME_NEEDS.search(text)
                if m is None and release < 23:
                    m = _JDK_RANDOM.search(text)
            else:
                continue
            if m:
                text = context.read(rel) or ""
                line = text.count("\n", 0, m.start()) + 1
                raise Refuse(f"{rel}:{line} may need what only the JDK image has (`{m.group(0).strip()}`): another "
                             "program, a JDK-only module, a native library or a file of target/")
