from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from typing import Iterable

from ..effects import NO_FILE_CHANGE
from ..fixes import Applicability, Edit
from ..edits import CannotEdit, block_text, end_with_blank_collapsed, leading_comments_start, split_run
from ..managers.install import DownloadStep, Install
from ..managers import classify, collect, download_steps
from ..managers.companions import companion
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from ..analysis.context_copy import (ContextCopy, absolute_dest, commutes_with_context_copy, context_copy,
    referenced_names, workdir_at)
from ..managers.files import Manifests
from ..analysis.variables import expand, variables_at
from ..analysis.stages import reaches_image


@dataclass
class _Plan:
    run: Instruction
    installs: list[Install]
    problem: str | None  # why the RUN needs more than its manifests
    cd: str | None = None  # the directory of a leading `cd DIR &&`
    split_at: int | None = None  # the first command that builds: it goes into a RUN of its own
    # Commands for a RUN of their own before the source: `go mod download` before a Go
    # build that has no download step; `uv sync --no-install-project` before a `uv sync`
    # that installs the project too. The install RUN itself then stays after the source.
    prefetch: list[str] = field(default_factory=list)
    # the prefetch is a manager's download step for a build that has none (go mod download)
    download: DownloadStep | None = None


class HoistDependencyManifests(Rule):
    """
    ## What it does
    Finds a stage that copies the whole build context (`COPY . <dest>`) and then installs
    dependencies from a manifest, and copies just the manifests first, installs, then
    copies the rest. It knows pip and uv (`-r` / `-c` files, following nested includes),
    npm, yarn and pnpm (`package.json` and the lockfiles present), Go (`go mod download`:
    `go.mod`, `go.sum`), Bundler (`Gemfile`, `Gemfile.lock`), Composer (`composer.json`,
    `composer.lock`), pipenv (`Pipfile`,
    `Pipfile.lock`), Bun (`package.json`, `bun.lock` or `bun.lockb`, `bunfig.toml`), and
    `uv sync`, `poetry install` and `composer install`, which also
    install the project itself (or run its scripts and build its autoloader): there the
    same commands with `--no-install-project` (`--no-root`, `--no-scripts
    --no-autoloader`) run before
    the source (`pyproject.toml`, the lock, `.python-version`), and the original RUN
    after it, as uv's Docker guide shows. npm and yarn `workspaces` and pnpm's
    `pnpm-workspace.yaml` bring the `package.json` of every workspace package, each into
    its own folder; pnpm brings the patch files `patchedDependencies` names (in package.json's
    `pnpm` field or pnpm-workspace.yaml), which it applies during the install; `dotnet
    restore` brings every project and solution file and the MSBuild and NuGet settings
    (`Directory.Build.props`, `NuGet.config`, `global.json`) under it, and the files they
    `<Import Project="..."/>` (relative paths, `$(MSBuildThisFileDirectory)`,
    `GetPathOfFileAbove`; imports from the SDK are left out).

    A build right after the whole context with no step before it that downloads the
    dependencies gets one: `go mod download` before `go build` (`go.mod`, `go.sum`), `mvn
    dependency:go-offline` before `mvn package` (`pom.xml`, `mvnw`, `.mvn/`), `gradle
    dependencies` before `gradle build` (the settings and build scripts,
    `gradle.properties`, `gradlew`, `gradle/`), each with the build's own `mvn`/`./mvnw` or
    `gradle`/`./gradlew`. Gradle's `dependencies` task fetches the wrapper's Gradle, the
    plugins and the dependency metadata; the build itself still downloads the jars it
    compiles against. Only in a build stage no image is built from: each download step
    fetches more than the build does (`go mod download` what the tests need too,
    go-offline Maven's dependency plugin and every plugin's tree), which in the image
    itself would stay there; there the finding is reported without a fix.

    When the install RUN goes on to build (`RUN npm ci && npm run build`, `pip install -r
    ... && python manage.py collectstatic`, `bundle install && rake assets:precompile`),
    the RUN is split: the install runs before the source is copied, the build in a RUN of
    its own after it, with the same flags. When a Go build follows the copy and nothing
    downloads the modules, `COPY go.mod go.sum ./` and `RUN go mod download` (with the
    build's mounts) go before the copy, as in Docker's Go guide. WORKDIR and COPY
    destinations are read through the ENV values and ARG defaults the stage sets; a
    leading `cd DIR &&` in the install RUN, read-only commands beside the install
    (`pip check`, `node --version`, `ls`, `echo` without a redirection) and setup commands
    that read no project file (`corepack enable`, `corepack prepare pnpm@9 --activate`,
    `npm config set`) are understood.

    ## Why is this bad?
    Any edit to any source file invalidates `COPY . .`, and with it every later
    instruction: the dependencies are downloaded and installed again on every build.
    With the manifests copied first, the install layer stays cached until a manifest
    changes.

    ## Example
    ```dockerfile
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    WORKDIR /app
    COPY requirements.txt ./
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    ```

    ## Fix safety
    Safe when the build context was read and every guard held: the manifests exist in
    the context and `.dockerignore` lets them in; they name no local paths (`-e .`,
    `./pkg`, `file:`, `--find-links ./dir`, path repositories, `gemspec`, local `replace`
    directives); no `package.json` (the root's or a workspace package's) runs install
    lifecycle scripts (`preinstall`, `install`, `postinstall`, `prepare`) unless
    `--ignore-scripts` is used; every other command of the install RUN reads no source file; the manifests land at
    the same absolute path as the whole copy gave them (WORKDIR is resolved); and the
    instructions between the copy and the install never read the copied files. The
    context COPY's flags (`--chown`, `--chmod`, `--link`) are carried over; a manifest the
    install RUN bind-mounts (`--mount=type=bind,source=requirements.txt,...`) or that an
    earlier COPY already copies is not copied again. Without a
    readable build context (standard input) the fix is unsafe: nothing was checked.

    It refuses, saying why: where the layout depends on a build argument (the paths are
    compared with the ARG defaults and with the ARGs left open); `node_modules/` or
    `vendor/` in the context (copied after the install, they would overwrite it); a WORKDIR
    crossed by a copy with `--chown`/`--chmod`; a split where the install part changes the
    shell state (`export`, `cd`, `set`), where commands are not all joined by `&&`, or
    where a comment sits at the split; a Go module in a `go.work` workspace, or one that
    requires modules without a `go.sum`; a workspace package with install scripts or `bin`
    links, a negated workspace pattern, more than 40 packages; a pnpm patch file missing
    from the context or outside the project; an MSBuild import whose path uses other
    properties (`$(RepoRoot)`) or a wildcard, or names a file the context lacks (MSB4019);
    an `obj/` folder in the context (it would overwrite the restore's assets); a uv
    workspace or local path
    sources, poetry path dependencies, `pipenv install PACKAGE` (it changes the Pipfile); a
    multi-module Maven build, a POM whose parent or a system-scoped dependency comes from a
    path; a multi-project or composite Gradle build, `buildSrc/`, a script that applies
    another or reads project files; `-s`/`-f`/`-P` (Maven) or `-b`/`-c`/`-p`/`-I` (Gradle)
    on the build, which the download step would need too.
    A vendored Go module (`vendor/`, `-mod=vendor`), or one that requires no module,
    downloads nothing and is not reported.
    """

    code = "SF201"
    name = "hoist-dependency-manifests"
    effect = NO_FILE_CHANGE
    summary = "Copy dependency manifests before the install step, the rest of the source after"
    fix_safety = (Applicability.SAFE, Applicability.UNSAFE)  # unsafe without a context to read

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        doc = ctx.doc
        for inst in doc.instructions:
            copy = context_copy(inst)
            if copy is None:
                continue
            names = referenced_names(inst.text)
            dest = absolute_dest(doc, inst, copy.dest)
            plan = None
            for nxt in doc.instructions[inst.index + 1 :]:
                if nxt.stage != inst.stage:
                    break
                plan = _install_plan(ctx, nxt)
                if plan is not None:
                    break
                if nxt.keyword == "WORKDIR" and _crosses_workdir(doc, copy):
                    continue
                if not commutes_with_context_copy(ctx, nxt, names, dest):
                    break
            if plan is None or (plan.download is not None and _nothing_to_download(ctx, copy, plan)):
                continue
            yield self._finding(ctx, copy, plan)

    def _finding(self, ctx: RuleContext, copy: ContextCopy, plan: _Plan) -> Finding:
        inst = copy.inst
        kinds = sorted({i.ecosystem for i in plan.installs if i.manifests})
        message = (f"COPY of the whole context before the {'/'.join(kinds)} install on line "
                   f"{plan.run.start_line}: every source edit reinstalls the dependencies")
        if plan.download is not None:
            message = (f"COPY of the whole context before `{plan.download.program}` builds on line "
                       f"{plan.run.start_line} with no {plan.download.missing}")
        end = plan.run.lines[0].content_end
        try:
            edits, applicability, what = self._edits(ctx, copy, plan)
        except CannotEdit as exc:
            return self.not_fixed(inst, message, exc, end=end)
        advice = f"copy {what} first" if what else "move it below the install"
        if plan.prefetch:
            advice = f"copy {what} and run `{' && '.join(plan.prefetch)}` first"
        if plan.split_at is not None:
            rest = ctx.run(plan.run).line.commands[plan.split_at].text()
            advice += f", and run `{rest}` and what follows in a RUN of its own after the source"
        detail = None if applicability is Applicability.SAFE else \
            "unsafe: the build context could not be read, so the manifests were not checked"
        return self.finding(inst, f"{message}; {advice}", edits=edits, applicability=applicability,
                            end=end, detail=detail)

    def _edits(self, ctx: RuleContext, copy: ContextCopy, plan: _Plan):
        doc = ctx.doc
        inst = copy.inst
        if plan.problem:
            raise CannotEdit(plan.problem)
        # Where the copy lands and where the install runs, with the ARG defaults and
        # with every ARG left open: what follows must not depend on --build-arg.
        dest, cwd, cwd_rel, in_context_by_install = _layout(doc, copy, plan, True)
        if _layout(doc, copy, plan, False)[2:] != (cwd_rel, in_context_by_install):
            raise CannotEdit("where the manifests land depends on a build argument (ARG)")
        build = ctx.build_context
        found = Manifests()
        for install, in_context in zip(plan.installs, in_context_by_install):
            if not install.manifests:
                continue
            if install.ecosystem in ("pip", "uv"):
                part = collect(replace(install, manifests=list(in_context)), "", build)
            elif cwd_rel.startswith(".."):
                raise CannotEdit(f"the install runs in {cwd}, outside the copy's destination {dest}")
            else:
                part = collect(install, cwd_rel, build)
            if part.problem:
                raise CannotEdit(part.problem)
            for f in part.files:
                if f.startswith(".."):
                    raise CannotEdit(f"{f} is outside the copied directory")
                if f not in found.files:
                    found.files.append(f)
            found.dirs += [d for d in part.dirs if d not in found.dirs]
        already = _already_copied(doc, inst)
        mounted = _bind_mounted(plan.run, cwd)
        files = [f for f in found.files
                 if f not in already and posixpath.normpath(posixpath.join(dest, f)) not in mounted]
        lines = _copy_lines(inst, copy, files, found.dirs)
        # The context COPY (with the comment lines above it) moves below the install;
        # the manifests are copied right above the install, so that the instructions in
        # between stay cached when only a manifest changes.
        move_from = leading_comments_start(doc, inst)
        moved = block_text(doc, move_from, inst)
        edits = [Edit.delete(move_from, end_with_blank_collapsed(doc, move_from, inst))]
        first = plan.run.lines[0]
        nl = doc.text[first.content_end : first.span.end] or doc.newline
        if plan.prefetch:
            if cwd_rel:
                raise CannotEdit(f"the install runs in {cwd}, not where the source is copied ({dest})")
            why = plan.download.problem(found.files, build) if plan.download is not None else None
            if why:
                raise CannotEdit(why)
            # The download runs where the install runs, with its mounts (a module cache,
            # secrets for private modules) and network setting.
            flags = "".join(f.text + " " for f in plan.run.flags)
            cd = f"cd {plan.cd} && " if plan.cd is not None else ""
            lines.append(f"{plan.run.command.keyword} {flags}{cd}{' && '.join(plan.prefetch)}")
            if doc.instructions[inst.index + 1] is plan.run:
                # Nothing between the copy and the build: the two new lines go above
                # the copy, which stays where it is.
                return ([Edit.insert(move_from, "".join(line + nl for line in lines))],
                        Applicability.SAFE, ", ".join(files))
        above = "".join(line + nl for line in lines) + (moved if plan.prefetch else "")
        if above:
            edits.append(Edit.insert(plan.run.span.start, above))
        if plan.prefetch:
            pass  # the source is copied again right above the install
        elif plan.split_at is not None:
            prefix = f"cd {plan.cd} && " if plan.cd is not None else ""
            edits.append(split_run(doc, plan.run, ctx.run(plan.run).line, plan.split_at, moved, prefix))
        elif plan.run.text.endswith("\n"):
            edits.append(Edit.insert(plan.run.span.end, moved))
        else:
            edits.append(Edit.insert(plan.run.span.end, doc.newline + moved.rstrip("\r\n")))
        applicability = Applicability.SAFE if build is not None else Applicability.UNSAFE
        what = ", ".join(files + found.dirs)
        return edits, applicability, what


def _layout(doc, copy: ContextCopy, plan: _Plan, args_fixed: bool):
    """(copy destination, install directory, the one relative to the other, and for each
    install the context paths of its `-r` files), or CannotEdit."""
    dest = absolute_dest(doc, copy.inst, copy.dest, args_fixed=args_fixed)
    cwd = workdir_at(doc, plan.run, args_fixed=args_fixed)
    if dest is None or cwd is None:
        raise CannotEdit("a WORKDIR or the destination uses a variable this Dockerfile does not set")
    if plan.cd is not None:
        into = expand(plan.cd, variables_at(doc, plan.run, args_fixed=args_fixed))
        if into is None:
            raise CannotEdit(f"`cd {plan.cd}` uses a variable this Dockerfile does not set")
        cwd = posixpath.normpath(posixpath.join(cwd, into))
    cwd_rel = posixpath.relpath(cwd, dest) if cwd != dest else ""
    # `-r` names a file: where it lands in the image decides where it is in the context,
    # wherever the install runs
    in_context = tuple(tuple(posixpath.relpath(posixpath.normpath(posixpath.join(cwd, m)), dest)
                             for m in install.manifests) for install in plan.installs)
    return dest, cwd, cwd_rel, in_context


def _crosses_workdir(doc, copy: ContextCopy) -> bool:
    """A WORKDIR may stay above a copy whose destination is absolute: it changes nothing
    the copy does (without --chown/--chmod, both create the directory the same way)."""
    if any(f.startswith(("--chown", "--chmod")) for f in copy.flags):
        return False
    dest = absolute_dest(doc, copy.inst, copy.dest)
    written = expand(copy.dest, variables_at(doc, copy.inst))
    return dest is not None and written is not None and written.startswith("/")


def _install_plan(ctx: RuleContext, inst: Instruction) -> _Plan | None:
    """The dependency install ``inst`` performs from manifests, or None if it is not one."""
    if inst.keyword != "RUN":
        return None
    run = ctx.run(inst)
    if run is None:
        return None
    commands = run.commands()
    installs = [(c, classify(c)) for c in commands]
    if not any(i is not None and i.manifests for _, i in installs):
        return _download_plan(ctx, inst, run)
    plan = _Plan(inst, [i for _, i in installs if i is not None], None)
    if run.unsupported:
        plan.problem = f"the shell could not be read ({run.unsupported})"
    elif inst.heredocs:
        plan.problem = "the install RUN uses a heredoc"
    plan.cd = _leading_cd(run)
    projects = [(c, i) for c, i in installs if i is not None and i.dependencies_only]
    if projects and _dependencies_installed_earlier(ctx, inst, {i.ecosystem for _, i in projects}):
        return None  # the layout this rule makes: only the project is installed here
    if projects and not plan.problem:
        # `uv sync`, `poetry install`: the RUN stays after the source; the same command,
        # told to install only the dependencies, goes before it.
        if any(i is not None and i.manifests and not i.dependencies_only for _, i in installs):
            plan.problem = "the RUN installs from other manifests too"
        plan.installs = [i for _, i in projects]
        text = _dependencies_only_text(run, projects)
        if isinstance(text, str):
            plan.prefetch = [text]
        else:
            plan.problem = text[0]
        plan.cd = None  # part of the text
        return plan
    for n, (cmd, install) in enumerate(installs):
        if plan.problem:
            break
        if n == 0 and plan.cd is not None:
            continue
        if install is not None and install.needs_source:
            plan.problem = install.needs_source
        elif install is None and not companion(cmd):
            why_not = _why_not_split(run, installs, n)
            if why_not is None:
                plan.split_at = n
                plan.installs = [i for _, i in installs[:n] if i is not None]
                break
            plan.problem = f"the RUN also runs `{cmd.text()}`, which may need the source tree ({why_not})"
    return plan


_SHELL_STATE = {"export", "set", "source", ".", "umask", "shopt", "trap", "alias", "unset", "cd", "pushd", "popd"}


def _why_not_split(run, installs, at: int) -> str | None:
    """None when the RUN can become ``RUN <installs>`` before the source and ``RUN <the
    rest>`` after it: a plain `&&` chain whose install part changes no shell state the
    rest could rely on."""
    script = run.line
    if script is None or script.nested or run.heredoc_scripts or len(run.commands()) != len(script.commands):
        return "it is not a plain chain of commands to split"
    if not any(i is not None and i.manifests for _, i in installs[:at]):
        return "nothing is installed before it"
    commands = script.commands
    if any(c.compound for c in commands):
        return "it is not a plain chain of commands to split"
    for a, b in zip(commands, commands[1:]):
        if script.source[a.end : b.start].strip() != "&&":
            return "its commands are not all joined by &&"
    for cmd in commands[1 if installs and _is_cd(commands[0]) else 0 : at]:
        if (cmd.assignments and not cmd.words) or cmd.name in _SHELL_STATE:
            return f"`{cmd.text()}` changes the shell state for what follows"
    return None


def _is_cd(cmd) -> bool:
    return cmd.name == "cd"


def _download_plan(ctx: RuleContext, inst: Instruction, run) -> _Plan | None:
    """A RUN that builds right after the whole context is copied, where nothing downloads
    the dependencies first (a manager's DOWNLOAD_STEP: Go's `go mod download`): every
    source edit downloads them again."""
    if run.unsupported or inst.heredocs:
        return None
    for step in download_steps():
        builds = [c for c in run.commands() if step.builds(c)]
        if not builds or _downloads_earlier(ctx, inst, step):
            continue
        plan = _Plan(inst, [step.install()], None, prefetch=[step.command(builds)], download=step)
        build = ctx.build_context
        if build is None:
            plan.problem = f"without the build context, {step.manifest} cannot be checked"
        elif any(kind in ("bind",) for f in inst.effective.flag("mount") for kind in f.option("type")):
            plan.problem = "the build RUN bind-mounts files, which a download step would need too"
        elif step.downloads_nothing(ctx, inst):
            return None
        elif reaches_image(ctx, inst):
            # `go mod download` fetches what the tests need too, go-offline Maven's
            # dependency plugin and every plugin's tree: files the build never fetched
            plan.problem = (f"this stage is the image (or an image is built from it): `{step.command(builds)}` "
                            "would leave more downloads in it than the build makes")
        else:
            plan.problem = step.refuse(builds)
        return plan
    return None


def _dependencies_only_text(run, projects) -> str | tuple[str]:
    """The RUN's commands up to its last project install, each such install told to
    install only the dependencies: what may run before the source. Or (why not,)."""
    script = run.line
    commands = script.commands if script is not None else []
    last = max((commands.index(c) for c, _ in projects if c in commands), default=None)
    if last is None or script.nested or any(c.compound for c in commands[: last + 1]):
        return ("the install is not a plain command of the RUN",)
    wanted = {id(c): i.dependencies_only for c, i in projects}
    out, pos = [], commands[0].start
    for n, cmd in enumerate(commands[: last + 1]):
        if n and script.source[commands[n - 1].end : cmd.start].strip() not in ("&&", ";"):
            return ("the commands before the install are not joined by && or ;",)
        if id(cmd) not in wanted and not _setup_for_install(cmd, first=n == 0):
            return (f"`{cmd.text()}` runs before the install and may need the source tree",)
        if id(cmd) in wanted:
            out.append(script.source[pos : cmd.end] + " " + wanted[id(cmd)])
            pos = cmd.end
    return "".join(out)


def _setup_for_install(cmd, first: bool) -> bool:
    """Commands that may come before a dependency install in the RUN that runs before the
    source: they read no source file (installing the tool, configuring it, shell state)."""
    if companion(cmd) or (first and cmd.name == "cd"):
        return True
    if cmd.assignments and not cmd.words:
        return True
    found = classify(cmd)
    if found is not None and not found.manifests and not found.needs_source:
        return True  # `pip install poetry`: a tool by name
    return cmd.name in ("poetry", "uv", "pipenv") and cmd.args[:1] in (["config"], ["self"], ["python"])


def _dependencies_installed_earlier(ctx: RuleContext, inst: Instruction, ecosystems: set[str]) -> bool:
    """Whether an earlier RUN of the stage installs the dependencies alone already
    (`uv sync --no-install-project`, `poetry install --no-root`)."""
    for other in ctx.doc.instructions[: inst.index]:
        run = ctx.run(other) if other.stage == inst.stage else None
        for cmd in run.commands() if run is not None else ():
            found = classify(cmd)
            if found is not None and found.ecosystem in ecosystems and found.dependencies_only is None:
                return True
    return False


def _downloads_earlier(ctx: RuleContext, inst: Instruction, step: DownloadStep) -> bool:
    """Whether an earlier RUN of the stage downloads the dependencies already."""
    for other in ctx.doc.instructions[: inst.index]:
        run = ctx.run(other) if other.stage == inst.stage else None
        if run is not None and any(step.downloads(c) for c in run.commands()):
            return True
    return False


def _nothing_to_download(ctx: RuleContext, copy: ContextCopy, plan: _Plan) -> bool:
    """The project needs nothing downloaded (a Go module with vendor/, or one that requires
    no module): there is nothing to download."""
    build = ctx.build_context
    try:
        cwd_rel = _layout(ctx.doc, copy, plan, True)[2]
    except CannotEdit:
        return False
    if build is None:
        return False
    here = (lambda name: posixpath.join(cwd_rel, name)) if cwd_rel else (lambda name: name)
    return plan.download.nothing_to_download(build, here)


def _leading_cd(run) -> str | None:
    """DIR of a RUN that starts with `cd DIR &&` or `cd DIR;` (then the install runs
    there), else None."""
    script = run.line
    if script is None or script.nested or len(script.commands) < 2:
        return None
    first, second = script.commands[0], script.commands[1]
    if first.name != "cd" or first.compound or len(first.words) != 2 or first.redirects or first.assignments:
        return None
    target = first.words[1].value
    between = script.source[first.end : second.start].strip()
    if target is None or target == "-" or between not in ("&&", ";"):
        return None
    return target


def _bind_mounted(run: Instruction, cwd: str) -> set[str]:
    """Image paths the install RUN gets from ``--mount=type=bind``: no copy needed."""
    out = set()
    for flag in run.effective.flag("mount"):
        kinds = flag.option("type")
        if kinds and kinds[0].lower() == "bind":
            for target in flag.option("target") + flag.option("dst") + flag.option("destination"):
                out.add(posixpath.normpath(posixpath.join(cwd, target)))
    return out


def _already_copied(doc, inst: Instruction) -> set[str]:
    """Context files an earlier COPY of the stage copies by name."""
    out: set[str] = set()
    for other in doc.instructions[: inst.index]:
        if other.stage == inst.stage and other.keyword == "COPY" and not other.command.flag("from"):
            out.update(posixpath.normpath(v) for v in other.values()[:-1])
    return out


def _copy_lines(inst: Instruction, copy: ContextCopy, files: list[str], dirs: list[str]) -> list[str]:
    keyword = "copy" if inst.command.keyword.islower() else "COPY"
    flags = "".join(f + " " for f in copy.flags)
    base = copy.dest if copy.dest not in (".", "./") else "."
    groups: dict[str, list[str]] = {}
    for f in files:
        groups.setdefault(posixpath.dirname(f), []).append(f)
    lines = []
    for folder, sources in groups.items():
        dest = posixpath.join(base, folder) if folder else base
        dest = dest if dest.endswith("/") else dest + "/"
        lines.append(f"{keyword} {flags}{' '.join(sources)} {_dot(dest)}")
    for d in dirs:
        lines.append(f"{keyword} {flags}{d} {_dot(posixpath.join(base, d) + '/')}")
    return lines


def _dot(dest: str) -> str:
    """``./`` for the working directory, as people write it."""
    return "./" if dest in ("./", "/./") else dest
