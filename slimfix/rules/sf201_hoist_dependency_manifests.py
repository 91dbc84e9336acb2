from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from typing import Iterable

from ..fixes import Applicability, Edit
from ..edits import CannotEdit, block_text, end_with_blank_collapsed, leading_comments_start
from ..shell.installers import Install, classify, companion
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .common.context_copy import (ContextCopy, absolute_dest, commutes_with_context_copy, context_copy,
                           referenced_names, workdir_at)
from .common.manifests import Manifests, collect
from .common.variables import expand, variables_at


@dataclass
class _Plan:
    run: Instruction
    installs: list[Install]
    problem: str | None  # why the RUN needs more than its manifests
    cd: str | None = None  # the directory of a leading `cd DIR &&`


class HoistDependencyManifests(Rule):
    """
    ## What it does
    Finds a stage that copies the whole build context (`COPY . <dest>`) and then installs
    dependencies from a manifest, and copies just the manifests first, installs, then
    copies the rest. It knows pip and uv (`-r` / `-c` files, following nested includes),
    npm, yarn and pnpm (`package.json` and the lockfiles present), Go (`go mod download`:
    `go.mod`, `go.sum`), Bundler (`Gemfile`, `Gemfile.lock`) and Composer (`composer.json`,
    `composer.lock`, with `--no-scripts --no-autoloader`).

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
    directives); `package.json` has no workspaces and no install lifecycle scripts
    (`preinstall`, `install`, `postinstall`, `prepare`) unless `--ignore-scripts` is used;
    every other command of the install RUN reads no source file; the manifests land at
    the same absolute path as the whole copy gave them (WORKDIR is resolved); and the
    instructions between the copy and the install never read the copied files. The
    context COPY's flags (`--chown`, `--chmod`, `--link`) are carried over; a manifest the
    install RUN bind-mounts (`--mount=type=bind,source=requirements.txt,...`) or that an
    earlier COPY already copies is not copied again. Without a
    readable build context (standard input) the fix is unsafe: nothing was checked.
    """

    code = "SF201"
    name = "hoist-dependency-manifests"
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
            if plan is None:
                continue
            yield self._finding(ctx, copy, plan)

    def _finding(self, ctx: RuleContext, copy: ContextCopy, plan: _Plan) -> Finding:
        inst = copy.inst
        kinds = sorted({i.ecosystem for i in plan.installs if i.manifests})
        message = (f"COPY of the whole context before the {'/'.join(kinds)} install on line "
                   f"{plan.run.start_line}: every source edit reinstalls the dependencies")
        end = plan.run.lines[0].content_end
        try:
            edits, applicability, what = self._edits(ctx, copy, plan)
        except CannotEdit as exc:
            return self.not_fixed(inst, message, exc, end=end)
        advice = f"copy {what} first" if what else "move it below the install"
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
        if lines:
            first = plan.run.lines[0]
            nl = doc.text[first.content_end : first.span.end] or doc.newline
            edits.append(Edit.insert(plan.run.span.start, "".join(l + nl for l in lines)))
        if plan.run.text.endswith("\n"):
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
        return None
    plan = _Plan(inst, [i for _, i in installs if i is not None], None)
    if run.unsupported:
        plan.problem = f"the shell could not be read ({run.unsupported})"
    elif inst.heredocs:
        plan.problem = "the install RUN uses a heredoc"
    plan.cd = _leading_cd(run)
    for n, (cmd, install) in enumerate(installs):
        if plan.problem:
            break
        if n == 0 and plan.cd is not None:
            continue
        if install is not None and install.needs_source:
            plan.problem = install.needs_source
        elif install is None and not companion(cmd):
            plan.problem = f"the RUN also runs `{cmd.text()}`, which may need the source tree"
    return plan


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
