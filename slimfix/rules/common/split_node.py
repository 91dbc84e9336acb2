"""SF502 for Node: a stage that installs every dependency, runs `npm run build` (yarn, pnpm)
into `dist/` or `build/`, and runs the result.

The build stage keeps the stage up to the build. The runtime stage replays it on the same
base with a production install (`npm ci --omit=dev`, `yarn install --production`, `pnpm
install --prod`) and without the build, copies the output folder from the build stage, and
carries what followed the build. The files the stage copied stay (the program may read
them at run time); what the runtime image loses is the devDependencies.
"""

from __future__ import annotations

import json
import os
import posixpath
import re

from ...edits.run_body import CannotEdit, file_offset
from ...shell import read_script
from ...managers import classify
from ...managers.companions import companion
from ...shell.packages import program_words, system_setup_command
from ...syntax import Instruction, Stage
from ..base import RuleContext
from ...analysis.context_copy import absolute_dest, context_copy, workdir_at
from ...analysis.official_images import official_image
from .split_stages import BUILD_STAGE, Refuse, Split, from_flags, head_of, instruction_line, program_of, \
    resolve, runtime_command, tail_of

_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare", "prepublish")
_PROD = {"npm": "--omit=dev", "yarn": "--production", "pnpm": "--prod"}
_ALREADY = ("--omit=dev", "--production", "--prod", "--only=production", "--only=prod")
_SOURCES = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".mts", ".cts")
_IMPORT = re.compile(r"""(?:^|[^\w.$])(?:import\s+(?!type\b)(?:[\w*{}\s,$]+\s+from\s+)?|export\s+[\w*{}\s,$]+\s+from\s+|"""
                     r"""require\s*\(\s*|import\s*\(\s*)["']([^"'./][^"']*)["']""", re.M)


def build_command(ctx: RuleContext, stage: Stage) -> tuple[Instruction, object] | None:
    """The RUN and command of `npm run build` / `yarn build` / `pnpm build`, if any."""
    for inst in stage.instructions:
        run = ctx.run(inst)
        if run is None or run.unsupported:
            continue
        for c in run.commands():
            argv = program_words(c)
            if argv[:3] == ["npm", "run", "build"] or argv[:3] == ["npm", "run-script", "build"] or (
                    argv[:1] in (["yarn"], ["pnpm"]) and (argv[1:2] == ["build"] or argv[1:3] == ["run", "build"])):
                return inst, c
    return None


def plan_node(ctx: RuleContext, stage: Stage, build: Instruction, build_cmd) -> Split:
    doc = ctx.doc
    context = ctx.build_context
    if context is None:
        raise Refuse("no build context to read: slimfix cannot read package.json")
    cwd = workdir_at(doc, build)
    copies = [c for c in (context_copy(i) for i in stage.instructions if i.index < build.index) if c]
    if cwd is None or not copies or absolute_dest(doc, copies[-1].inst, copies[-1].dest) != cwd:
        raise Refuse("the build does not run where the whole source tree is copied (COPY . .)")
    try:
        package = json.loads(context.read("package.json") or "")
    except ValueError:
        raise Refuse("package.json is missing from the build context or is not valid JSON") from None
    scripts = package.get("scripts") or {}
    hooks = [s for s in _LIFECYCLE if s in scripts]
    run = ctx.run(build)
    commands = run.commands()
    install = _the_install(ctx, stage, build)
    inst_install, cmd_install, ecosystem = install
    argv_install = program_words(cmd_install)
    if hooks and "--ignore-scripts" not in argv_install:
        raise Refuse(f"package.json has a `{hooks[0]}` script, which the production install would run "
                     "without the devDependencies")
    if any(a in ("--include=dev", "--production=false", "--prod=false") for a in argv_install):
        raise Refuse(f"line {inst_install.start_line} asks for the devDependencies by option; slimfix does "
                     "not rewrite the option")
    if any(a in _ALREADY for a in argv_install):
        raise Refuse(f"line {inst_install.start_line} installs the production dependencies only already")
    if ecosystem == "yarn" and (context.included(".yarnrc.yml") or
                                re.match(r"yarn@[2-9]", str(package.get("packageManager", "")))):
        raise Refuse("Yarn 2 or later: its production install is `yarn workspaces focus --production`")
    if commands[-1] is not build_cmd:
        raise Refuse(f"line {build.start_line} runs more after the build")
    out = _output_dir(ctx, scripts.get("build", ""), cwd)
    entry, cmd = runtime_command(stage)
    _check_start(entry, cmd, scripts, out, cwd)
    _check_imports(ctx, package, out)
    for inst in tail_of(stage, build):
        if inst.keyword in ("RUN",):
            r = ctx.run(inst)
            if r is None or r.unsupported or not all(system_setup_command(c) for c in r.commands()):
                raise Refuse(f"line {inst.start_line} runs after the build and may need the devDependencies")
        if inst.keyword in ("ADD", "COPY") and not context_copy(inst) and inst.command.flag("from"):
            raise Refuse(f"line {inst.start_line} copies from another image after the build")
    flag = _PROD[ecosystem]
    node = official_image(stage.base)
    major = re.match(r"(\d+)", node.tag) if node is not None and node.name == "node" else None
    if ecosystem == "npm" and major and int(major.group(1)) < 15:
        flag = "--production"
    lines: list[str] = []
    for inst in head_of(stage, build):
        if inst is build and inst is inst_install:
            lines.append(_cut_before(doc, inst, run, build_cmd, cmd_install, flag))
        elif inst is build:
            continue
        elif inst is inst_install:
            lines.append(_with_flag(doc, inst, cmd_install, flag))
        elif inst.keyword == "RUN":
            r = ctx.run(inst)
            if r is None or r.unsupported or not all(system_setup_command(c) or companion(c) for c in r.commands()):
                raise Refuse(f"line {inst.start_line} runs before the build and may need the devDependencies")
            lines.append(instruction_line(inst))
        else:
            lines.append(instruction_line(inst))
    lines.append(f"COPY --from={BUILD_STAGE} {out} {out}")
    return Split(stage.base, lines, build, f"`{' '.join(w or '' for w in program_words(build_cmd))}` runs in a "
                 f"`{BUILD_STAGE}` stage; the runtime stage installs the production dependencies "
                 f"(`{flag}`) and copies {out}", from_flags=from_flags(stage))


def _the_install(ctx: RuleContext, stage: Stage, build: Instruction):
    found = []
    for inst in stage.instructions:
        if inst.index > build.index:
            break
        run = ctx.run(inst)
        if run is None or run.unsupported:
            if inst.keyword == "RUN":
                raise Refuse(f"line {inst.start_line}: a RUN slimfix cannot read")
            continue
        for c in run.commands():
            k = classify(c)
            if k is not None and k.ecosystem in _PROD and k.manifests:
                found.append((inst, c, k.ecosystem))
            elif k is not None and k.ecosystem in _PROD:
                raise Refuse(f"line {inst.start_line} installs a global tool: the runtime stage may need it")
    if len(found) != 1:
        raise Refuse(f"{len(found)} dependency installs before the build: slimfix splits a stage with one")
    return found[0]


def _offset(inst: Instruction, cmd, at: int, end: bool = False) -> int:
    try:
        return file_offset(inst, cmd.script, at, end=end)
    except CannotEdit as exc:
        raise Refuse(str(exc)) from None


def _with_flag(doc, inst: Instruction, cmd, flag: str) -> str:
    at = _offset(inst, cmd, cmd.words[-1].end, end=True)
    return (doc.text[inst.span.start : at] + " " + flag + doc.text[at : inst.span.end]).rstrip("\r\n")


def _cut_before(doc, inst: Instruction, run, build_cmd, install_cmd, flag: str) -> str:
    cmds = run.commands()
    before = cmds[cmds.index(build_cmd) - 1]
    if before is not install_cmd and not companion(before):
        raise Refuse(f"line {inst.start_line} runs more between the install and the build")
    stop = _offset(inst, before, before.end, end=True)
    at = _offset(inst, install_cmd, install_cmd.words[-1].end, end=True)
    text = doc.text[inst.span.start : at] + " " + flag + doc.text[at:stop]
    return text.rstrip(" \t\\\r\n")


def _output_dir(ctx: RuleContext, script: str, cwd: str) -> str:
    """The absolute folder the build script writes, for the compilers slimfix reads."""
    if not script:
        raise Refuse("package.json has no `build` script")
    try:
        parsed = read_script(script)
    except Exception:
        raise Refuse(f"the build script `{script}` could not be read") from None
    outs = []
    for c in parsed.all_commands():
        argv = [a or "" for a in c.argv]
        prog = argv[0] if argv else ""
        if prog in ("rimraf", "rm", "del-cli", "mkdir", "echo"):
            continue
        if prog == "tsc":
            outs.append(_tsc_out(ctx, argv))
        elif prog == "babel":
            val = _flag_value(argv, ("-d", "--out-dir"))
            if val is None:
                raise Refuse("`babel` without `--out-dir`: slimfix cannot tell where it writes")
            outs.append(val)
        elif prog == "nest" and argv[1:2] == ["build"]:
            outs.append("dist")
        else:
            raise Refuse(f"the build script runs `{prog}`: slimfix cannot tell what it writes")
    if len(set(outs)) != 1:
        raise Refuse(f"the build script `{script}` writes to {len(set(outs))} folders")
    out = posixpath.normpath(outs[0])
    if out.startswith("..") or out in (".", "/") or out.startswith("/"):
        raise Refuse(f"the build writes to `{outs[0]}`, not a folder of the project")
    return resolve(cwd, out)


def _flag_value(argv: list[str], names: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        for n in names:
            if a == n and i + 1 < len(argv):
                return argv[i + 1]
            if a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None


def _tsc_out(ctx: RuleContext, argv: list[str]) -> str:
    val = _flag_value(argv, ("--outDir", "--outdir"))
    if val:
        return val
    project = _flag_value(argv, ("-p", "--project")) or "tsconfig.json"
    if not project.endswith(".json"):
        project = posixpath.join(project, "tsconfig.json")
    config = _jsonc(ctx.build_context.read(project) or "")
    if config is None:
        raise Refuse(f"{project} is missing or could not be read")
    options = config.get("compilerOptions") or {}
    if "outDir" not in options:
        raise Refuse(f"{project} sets no outDir" + (" (it extends another file)" if "extends" in config else ""))
    base = posixpath.dirname(project)
    return posixpath.normpath(posixpath.join(base, options["outDir"]))


def _jsonc(text: str) -> dict | None:
    """tsconfig.json: JSON with comments and trailing commas."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    try:
        value = json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _check_start(entry, cmd, scripts: dict, out: str, cwd: str) -> None:
    """The container must start node on a file of the build output (directly or through
    the `start` script)."""
    first = entry or cmd
    if first is None:
        raise Refuse("the stage has no CMD or ENTRYPOINT")
    program, _ = program_of(entry, cmd)
    words = list(first.command.json_values or ()) if first.is_json else first.args.split()
    if entry is not None and cmd is not None and first.is_json and cmd.is_json:
        words += list(cmd.command.json_values or ())
    if program in ("npm", "yarn", "pnpm") and words[1:] in (["start"], ["run", "start"]):
        try:
            words = read_script(scripts.get("start", "")).commands[0].argv
        except Exception:
            words = []
        if not words:
            raise Refuse("the container runs `npm start`, and package.json has no readable `start` script")
        words = [w or "" for w in words]
    if not words or words[0].rsplit("/", 1)[-1] != "node":
        raise Refuse(f"the container starts `{' '.join(words[:2])}`, not node on the build output")
    target = next((w for w in words[1:] if not w.startswith("-")), None)
    if target is None or not (resolve(cwd, target) + "/").startswith(out + "/"):
        raise Refuse(f"the container runs `{target}`, which is not in the build output {out}")


def _check_imports(ctx: RuleContext, package: dict, out: str) -> None:
    """Refuse when the code imports a package that only devDependencies provide."""
    deps = set(package.get("dependencies") or {}) | set(package.get("optionalDependencies") or {})
    dev = {d for d in (package.get("devDependencies") or {}) if d not in deps and not d.startswith("@types/")}
    if not dev:
        return
    root = str(ctx.build_context.root)
    skip = {"node_modules", ".git", posixpath.basename(out), "test", "tests", "__tests__", "coverage"}
    for dirpath, dirs, files in ctx.build_context.walk():
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(_SOURCES) or re.search(r"\.(test|spec)\.|\.d\.ts$|\.config\.", name):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            text = ctx.build_context.read(rel) or ""
            for m in _IMPORT.finditer(text):
                spec = m.group(1)
                pkg = "/".join(spec.split("/")[:2]) if spec.startswith("@") else spec.split("/")[0]
                if pkg in dev:
                    line = text.count("\n", 0, m.start()) + 1
                    raise Refuse(f"{rel}:{line} imports {pkg}, a devDependency the production install "
                                 "leaves out")
